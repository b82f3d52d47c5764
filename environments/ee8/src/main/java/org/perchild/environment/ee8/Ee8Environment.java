package org.perchild.environment.ee8;

import org.eclipse.jetty.ee8.apache.jsp.JettyJasperInitializer;
import org.eclipse.jetty.ee8.security.ConstraintSecurityHandler;
import org.eclipse.jetty.ee8.webapp.MetaInfConfiguration;
import org.eclipse.jetty.ee8.webapp.WebAppContext;
import org.eclipse.jetty.security.LoginService;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.perchild.environment.EnvironmentClassLoader;
import org.perchild.environment.ServletEnvironment;
import org.perchild.environment.WebAppLogin;
import org.perchild.environment.WebAppSpec;
import org.perchild.environment.WebApplication;

/**
 * Jetty's ee8: a {@code javax.servlet} {@link WebAppContext} (Jetty 12 nests it in a core context)
 * with the configurations Jetty finds in this environment's class loader — {@code plus} (JNDI env
 * entries, {@code jetty-env.xml}) and JSP through Apache Jasper with JSTL. The pinned Jetty version
 * has no {@code jetty-ee8-annotations}, so annotations and {@code ServletContainerInitializer}s of
 * the WAR do not run; Jasper's own initializer is added here, which is what JSP needs.
 */
public final class Ee8Environment implements ServletEnvironment {

  /** The container jars whose TLDs a web application sees: JSTL's are in its implementation jar. */
  static final String CONTAINER_JARS =
      ".*/jakarta\\.servlet\\.jsp\\.jstl-[^/]*\\.jar$|.*/javax\\.servlet\\.jsp\\.jstl-[^/]*\\.jar$";

  @Override
  public String name() {
    return "ee8";
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
                org.eclipse.jetty.ee8.nested.ContextHandler.ENVIRONMENT.getClassLoader(),
                super::doStop);
          }

          @Override
          public void destroy() {
            org.eclipse.jetty.ee8.nested.ContextHandler.ENVIRONMENT.run(super::destroy);
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
    context.setAttribute(MetaInfConfiguration.CONTAINER_JAR_PATTERN, CONTAINER_JARS);
    context.addServletContainerInitializer(new JettyJasperInitializer());
    return new Application(context);
  }

  private record Application(WebAppContext context) implements WebApplication {
    @Override
    public String environment() {
      return "ee8";
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
