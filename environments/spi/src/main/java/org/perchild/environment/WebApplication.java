package org.perchild.environment;

import org.eclipse.jetty.server.handler.ContextHandler;

/**
 * A web application built by a {@link ServletEnvironment}: its core Jetty handler, which the child
 * adds to its virtual host's contexts, starts and stops like any other, and what went wrong if it
 * could not start.
 */
public interface WebApplication {

  /** The environment that built it, e.g. {@code ee10}. */
  String environment();

  /**
   * The core handler: the ee10 {@code WebAppContext} itself, or the core context of an ee8/ee9
   * (nested) one.
   */
  ContextHandler handler();

  /**
   * Why the started application is unavailable (it answers 503): a broken WAR, a listener or an
   * initializer that threw; null when it serves.
   */
  Throwable unavailableCause();
}
