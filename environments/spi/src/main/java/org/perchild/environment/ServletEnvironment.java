package org.perchild.environment;

/**
 * One of Jetty's servlet environments ({@code ee8}, {@code ee9}, {@code ee10}) as the child uses
 * it: it builds a web application from a WAR. Each environment module implements it once and
 * declares it in {@code META-INF/services}; {@link ServletEnvironments} finds it in that
 * environment's own class loader, so that its classes (the servlet API, Jasper, WebSocket) are
 * resolved there and never on the child's class path.
 */
public interface ServletEnvironment {

  /** Jetty's name for the environment: {@code ee8}, {@code ee9} or {@code ee10}. */
  String name();

  /**
   * Builds, but does not start, the web application {@code spec} describes: annotations,
   * initializers, JSP, WebSocket and env entries as far as this environment has them, and a login
   * service per {@code <login-config>} from {@link WebAppSpec#realms()}.
   */
  WebApplication create(WebAppSpec spec);
}
