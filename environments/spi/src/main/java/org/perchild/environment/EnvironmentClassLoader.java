package org.perchild.environment;

/**
 * Runs a step of a web application's life with its environment's class loader as the thread's
 * context class loader, as Jetty's own start of a web application does. Its stop and destroy need
 * it too (Jetty's {@code plus} unbinds the application's JNDI through the environment's {@code
 * jndi.properties}), and the child calls them from threads of its own class loader: a hot undeploy,
 * the JVM's shutdown. Each environment's web application context calls it.
 */
public final class EnvironmentClassLoader {

  /** Something a web application does in its environment's class loader. */
  @FunctionalInterface
  public interface Step {
    void run() throws Exception;
  }

  private EnvironmentClassLoader() {}

  /** Runs {@code step} with {@code loader} as the thread's context class loader. */
  public static void run(ClassLoader loader, Step step) throws Exception {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(loader);
    try {
      step.run();
    } finally {
      thread.setContextClassLoader(previous);
    }
  }
}
