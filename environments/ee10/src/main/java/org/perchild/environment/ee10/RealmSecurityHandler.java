package org.perchild.environment.ee10;

import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.security.LoginService;
import org.eclipse.jetty.util.component.LifeCycle;
import org.perchild.environment.WebAppSpec;

/**
 * A security handler that takes its login service from the virtual host's realms ({@link
 * WebAppSpec#realms()}), one of its own, instead of from the server's beans (Jetty's way, shared by
 * every context of the server, and fatal to a deployment when no bean has the realm's name). It
 * asks once the descriptors have named the realm, when it starts.
 */
final class RealmSecurityHandler extends ConstraintSecurityHandler {
  private final WebAppSpec spec;
  private LoginService started;

  RealmSecurityHandler(WebAppSpec spec) {
    this.spec = spec;
  }

  @Override
  protected LoginService findLoginService() {
    if (getAuthenticationType() == null && getRealmName() == null) {
      return null; // no <login-config>: nothing to log in to
    }
    LoginService service = spec.realms().apply(getRealmName());
    if (service instanceof LifeCycle lifeCycle) {
      try {
        lifeCycle.start();
      } catch (Exception e) {
        throw new IllegalStateException(
            "login service for realm " + getRealmName() + ": " + e.getMessage(), e);
      }
    }
    started = service;
    return service;
  }

  @Override
  protected void doStop() throws Exception {
    super.doStop();
    LoginService service = started;
    started = null;
    if (service instanceof LifeCycle lifeCycle) {
      lifeCycle.stop();
    }
  }
}
