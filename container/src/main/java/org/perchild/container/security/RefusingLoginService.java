package org.perchild.container.security;

import java.security.Principal;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import javax.security.auth.Subject;
import org.eclipse.jetty.security.IdentityService;
import org.eclipse.jetty.security.LoginService;
import org.eclipse.jetty.security.UserIdentity;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The login service of a web application whose {@code <login-config>} has no {@code WebAppRealm} in
 * its virtual host ({@link HostRealms#loginService}): the application deploys and serves what needs
 * no login, and every login is refused. The first attempt logs one ERROR line that says why (given
 * by {@link HostRealms}); later ones log nothing, so a client retrying does not fill the error log.
 * Logging at the first attempt rather than at deploy keeps an application that never logs anyone in
 * quiet.
 */
public final class RefusingLoginService implements LoginService {

  private static final Logger LOG = LoggerFactory.getLogger(RefusingLoginService.class);

  private final String name;
  private final String reason;
  private final AtomicBoolean logged = new AtomicBoolean();
  private volatile IdentityService identityService;

  /**
   * A service that refuses every login.
   *
   * @param name the realm name it answers to (a BASIC or DIGEST challenge shows it)
   * @param reason the line logged at the first attempt
   */
  public RefusingLoginService(String name, String reason) {
    this.name = name;
    this.reason = reason;
  }

  /** Why every login is refused: the line logged at the first attempt. */
  public String reason() {
    return reason;
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public UserIdentity login(
      String username,
      Object credentials,
      Request request,
      Function<Boolean, Session> getOrCreateSession) {
    refused();
    return null;
  }

  /** Also refused: a user authenticated elsewhere (a certificate, say) gets no identity here. */
  @Override
  public UserIdentity getUserIdentity(Subject subject, Principal userPrincipal, boolean create) {
    refused();
    return null;
  }

  @Override
  public boolean validate(UserIdentity user) {
    return false;
  }

  @Override
  public IdentityService getIdentityService() {
    return identityService;
  }

  @Override
  public void setIdentityService(IdentityService service) {
    this.identityService = service;
  }

  @Override
  public void logout(UserIdentity user) {
    // Nobody is ever logged in.
  }

  private void refused() {
    if (logged.compareAndSet(false, true)) {
      LOG.error("{}", reason);
    }
  }

  @Override
  public String toString() {
    return "RefusingLoginService[" + name + ": " + reason + "]";
  }
}
