package org.perchild.environment.ee10;

import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.security.LoginService;
import org.perchild.environment.WebAppLogin;
import org.perchild.environment.WebAppSpec;

/**
 * A security handler that takes its login service from the virtual host's realms ({@link
 * WebAppLogin}), one of its own, instead of from the server's beans (Jetty's way, shared by every
 * context of the server, and fatal to a deployment when no bean has the realm's name).
 */
final class RealmSecurityHandler extends ConstraintSecurityHandler {
  private final WebAppLogin login;

  RealmSecurityHandler(WebAppSpec spec) {
    this.login = new WebAppLogin(spec);
  }

  @Override
  protected LoginService findLoginService() {
    try {
      return login.find(getAuthenticationType(), getRealmName());
    } catch (Exception e) {
      throw new IllegalStateException(
          "login service for realm " + getRealmName() + ": " + e.getMessage(), e);
    }
  }

  @Override
  protected void doStop() throws Exception {
    super.doStop();
    login.stopped();
  }
}
