package org.perchild.environment.ee9;

import org.eclipse.jetty.ee9.security.ConstraintSecurityHandler;
import org.eclipse.jetty.ee9.webapp.WebAppContext;
import org.eclipse.jetty.security.LoginService;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.perchild.environment.EnvironmentClassLoader;
import org.perchild.environment.ServletEnvironment;
import org.perchild.environment.WebAppLogin;
import org.perchild.environment.WebAppSpec;
import org.perchild.environment.WebApplication;

/**
 * Jetty's ee9: a {@code jakarta.servlet} 5.0 {@link WebAppContext} (Jetty 12 nests it in a core
 * context). At the pinned Jetty version only {@code jetty-ee9-webapp} is served: no annotations,
 * {@code plus} or JSP, so a WAR for ee9 gets its {@code web.xml} and its login realms, no more.
 */
public final class Ee9Environment implements ServletEnvironment {

  @Override
  public String name() {
    return "ee9";
  }

  @Override
  public WebApplication create(WebAppSpec spec) {
    // Stopped and destroyed in the environment's class loader, as it is started (see ee10's
    // EnvironmentWebAppContext): Jetty's plus needs it to unbind the application's JNDI.
    WebAppContext context =
        new WebAppContext() {
          @Override
          protected void doStop() throws Exception {
            EnvironmentClassLoader.run(
                org.eclipse.jetty.ee9.nested.ContextHandler.ENVIRONMENT.getClassLoader(),
                super::doStop);
          }

          @Override
          public void destroy() {
            org.eclipse.jetty.ee9.nested.ContextHandler.ENVIRONMENT.run(super::destroy);
          }
        };
    context.setSecurityHandler(new RealmSecurityHandler(spec));
    context.setServer(spec.server());
    context.setContextPath(spec.contextPath());
    context.setWar(spec.source().toString());
    context.setTempDirectory(spec.tempDirectory().toFile());
    context.setPersistTempDirectory(false);
    context.setThrowUnavailableOnStartupException(false);
    context.setInitParameter(WebAppSpec.DIR_ALLOWED, "false");
    context.setDisplayName(spec.displayName());
    return new Application(context);
  }

  private record Application(WebAppContext context) implements WebApplication {
    @Override
    public String environment() {
      return "ee9";
    }

    @Override
    public ContextHandler handler() {
      return context.getCoreContextHandler();
    }

    @Override
    public Throwable unavailableCause() {
      return context.getUnavailableException();
    }
  }

  /** The host's realms give the login service ({@link WebAppLogin}), as in ee10. */
  private static final class RealmSecurityHandler extends ConstraintSecurityHandler {
    private final WebAppLogin login;

    RealmSecurityHandler(WebAppSpec spec) {
      this.login = new WebAppLogin(spec);
    }

    @Override
    protected LoginService findLoginService() throws Exception {
      return login.find(getAuthMethod(), getRealmName());
    }

    @Override
    protected void doStop() throws Exception {
      super.doStop();
      login.stopped();
    }
  }
}
