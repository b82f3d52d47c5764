package org.perchild.environment.ee10;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.perchild.environment.EnvironmentClassLoader;

/**
 * Jetty's ee10 web application, stopped and destroyed in its environment's class loader as Jetty
 * starts it ({@link EnvironmentClassLoader}): the child stops it from threads of its own.
 */
final class EnvironmentWebAppContext extends WebAppContext {

  @Override
  protected void doStop() throws Exception {
    EnvironmentClassLoader.run(ServletContextHandler.ENVIRONMENT.getClassLoader(), super::doStop);
  }

  @Override
  public void destroy() {
    ServletContextHandler.ENVIRONMENT.run(super::destroy);
  }
}
