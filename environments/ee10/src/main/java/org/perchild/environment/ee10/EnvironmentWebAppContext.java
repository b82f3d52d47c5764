package org.perchild.environment.ee10;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.webapp.WebAppContext;

/**
 * Jetty's ee10 web application, stopped and destroyed with its environment's class loader as the
 * thread's context class loader, as Jetty's own start already is. The child stops and destroys it
 * from threads of the child's class loader (a hot undeploy, the JVM's shutdown), which cannot see
 * the environment's JNDI ({@code jetty-jndi}'s {@code jndi.properties}): Jetty's {@code plus} would
 * fail to unbind the application's {@code java:comp/env}.
 */
final class EnvironmentWebAppContext extends WebAppContext {

  @Override
  protected void doStop() throws Exception {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(ServletContextHandler.ENVIRONMENT.getClassLoader());
    try {
      super.doStop();
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  @Override
  public void destroy() {
    ServletContextHandler.ENVIRONMENT.run(super::destroy);
  }
}
