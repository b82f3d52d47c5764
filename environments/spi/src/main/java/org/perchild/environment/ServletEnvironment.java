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

  /**
   * Runs, before any web application is known, the container's own part of a deploy that is the
   * same for every WAR, so that the JVM has loaded and compiled it when the first deploy comes: a
   * spare child does it while it waits. Only this environment's code on this environment's own
   * jars: never a class or file of a web application. Does nothing by default; a failure costs only
   * speed.
   */
  default void prepare() {}
}
