package org.perchild.environment;

import org.eclipse.jetty.security.LoginService;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * The login service of one web application's security handler, from its virtual host's realms
 * ({@link WebAppSpec#realms()}) instead of the server's beans: each environment's security handler
 * (ee10's, and the nested ee9 and ee8 ones, which share no class) asks it when it starts, once the
 * descriptors have named the realm, and tells it when it has stopped. The service is started here
 * and stopped with the handler, because Jetty manages only services it found itself.
 */
public final class WebAppLogin {
  private final WebAppSpec spec;
  private LoginService started;

  public WebAppLogin(WebAppSpec spec) {
    this.spec = spec;
  }

  /**
   * The started login service for the application's {@code <login-config>}, or null when it has
   * none.
   *
   * @param authMethod the descriptor's {@code <auth-method>}, or null
   * @param realmName the descriptor's {@code <realm-name>}, or null
   */
  public LoginService find(String authMethod, String realmName) throws Exception {
    if (authMethod == null && realmName == null) {
      return null; // no <login-config>: nothing to log in to
    }
    LoginService service = spec.realms().apply(realmName);
    if (service instanceof LifeCycle lifeCycle) {
      lifeCycle.start();
    }
    started = service;
    return service;
  }

  /** After the security handler has stopped: stops the service {@link #find} started. */
  public void stopped() throws Exception {
    LoginService service = started;
    started = null;
    if (service instanceof LifeCycle lifeCycle) {
      lifeCycle.stop();
    }
  }
}
