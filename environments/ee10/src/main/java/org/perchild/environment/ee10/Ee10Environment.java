package org.perchild.environment.ee10;

import jakarta.servlet.Servlet;
import java.net.URI;
import java.util.Set;
import org.eclipse.jetty.annotations.AnnotationParser;
import org.eclipse.jetty.ee10.webapp.MetaInfConfiguration;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.perchild.environment.ServletEnvironment;
import org.perchild.environment.WebAppSpec;
import org.perchild.environment.WebApplication;

/**
 * Jetty's ee10: a {@link WebAppContext} with the configurations Jetty finds in this environment's
 * class loader — annotations, {@code ServletContainerInitializer}s with {@code @HandlesTypes}, web
 * fragments and {@code META-INF/resources}, {@code plus} (JNDI env entries, {@code @Resource},
 * {@code jetty-env.xml}), JSP through Apache Jasper, Jakarta and Jetty WebSocket. Found by {@link
 * org.perchild.environment.ServletEnvironments} through {@code META-INF/services}.
 */
public final class Ee10Environment implements ServletEnvironment {

  /**
   * The container jars that a web application's scans see, as Jetty's standalone sets them: the
   * servlet API, so that an initializer's {@code @HandlesTypes(Servlet.class)} is given the WAR's
   * servlets (the scan follows each class up to {@code jakarta.servlet.Servlet}), and JSTL, whose
   * tag library descriptors are in its jars.
   */
  static final String CONTAINER_JARS =
      ".*/jakarta\\.servlet-api-[^/]*\\.jar$"
          + "|.*/jakarta\\.servlet\\.jsp\\.jstl-[^/]*\\.jar$"
          + "|.*/jakarta\\.servlet\\.jsp\\.jstl-api-[^/]*\\.jar$";

  @Override
  public String name() {
    return "ee10";
  }

  /** Scans of the servlet API that compile the annotation parser's loops before a deploy. */
  private static final int WARM_UP_SCANS = 3;

  /**
   * Scans the servlet API's jar for annotations, as every deploy does (it is one of the {@link
   * #CONTAINER_JARS}), with a handler that keeps nothing.
   */
  @Override
  public void prepare() {
    try (ResourceFactory.Closeable resources = ResourceFactory.closeable()) {
      URI api = Servlet.class.getProtectionDomain().getCodeSource().getLocation().toURI();
      Resource jar = resources.newResource(api);
      for (int i = 0; i < WARM_UP_SCANS; i++) {
        new AnnotationParser().parse(Set.of(new AnnotationParser.AbstractHandler() {}), jar);
      }
    } catch (Exception e) {
      // Only speed is lost.
    }
  }

  @Override
  public WebApplication create(WebAppSpec spec) {
    WebAppContext context = new EnvironmentWebAppContext();
    context.setSecurityHandler(new RealmSecurityHandler(spec));
    context.setServer(spec.server());
    context.setContextPath(spec.contextPath());
    context.setWar(spec.source().toString());
    context.setTempDirectory(spec.tempDirectory().toFile());
    context.setTempDirectoryPersistent(false);
    // A broken webapp answers 503 instead of failing the server start: the others serve.
    context.setThrowUnavailableOnStartupException(false);
    context.setInitParameter(WebAppSpec.DIR_ALLOWED, "false");
    context.setDisplayName(spec.displayName());
    context.setAttribute(MetaInfConfiguration.CONTAINER_JAR_PATTERN, CONTAINER_JARS);
    return new Application(context);
  }

  /** The ee10 context is itself a core context handler. */
  private record Application(WebAppContext context) implements WebApplication {
    @Override
    public String environment() {
      return "ee10";
    }

    @Override
    public ContextHandler handler() {
      return context;
    }

    @Override
    public Throwable unavailableCause() {
      return context.getUnavailableException();
    }
  }
}
