package org.perchild.environment;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servlet environments a child can load, each from {@code lib/<name>/} (beside this jar in an
 * installed Perchild) into a {@link URLClassLoader} of its own whose parent is the child's class
 * loader: the child's core Jetty (server, sessions, security) is shared, everything of the
 * environment (its servlet API, Jasper, WebSocket, annotations) is not. An environment is loaded
 * the first time a web application needs it and kept for the child's life, so a child whose hosts
 * have no WAR of it never loads a class of it.
 *
 * <p>Where there is no {@code lib/<name>/} (the container's own tests, an embedding), an
 * environment found on the child's own class path is used instead.
 *
 * <p>Thread-safe: deployments of several hosts may ask at once.
 */
public final class ServletEnvironments {

  /** The environments Perchild ships, oldest first. */
  public static final List<String> NAMES = List.of("ee8", "ee9", "ee10");

  private static final Logger LOG = LoggerFactory.getLogger(ServletEnvironments.class);

  private final Path libDirectory;
  private final Map<String, ServletEnvironment> loaded = new TreeMap<>();

  /**
   * @param libDirectory where the {@code <name>/} directories are, or null to look only on the
   *     class path
   */
  public ServletEnvironments(Path libDirectory) {
    this.libDirectory = libDirectory;
  }

  /**
   * The environments of this installation: {@code lib/<name>/} beside the jar of this class. One
   * for the process, so that an environment a spare child loaded and prepared ({@link
   * ServletEnvironment#prepare}) is the one its web applications get.
   */
  public static ServletEnvironments installed() {
    return Installed.ENVIRONMENTS;
  }

  private static final class Installed {
    static final ServletEnvironments ENVIRONMENTS = new ServletEnvironments(ownDirectory());

    private Installed() {}
  }

  private static Path ownDirectory() {
    try {
      var source = ServletEnvironments.class.getProtectionDomain().getCodeSource();
      if (source == null) {
        return null;
      }
      Path location = Path.of(source.getLocation().toURI());
      return Files.isRegularFile(location) ? location.getParent() : null;
    } catch (URISyntaxException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The environment called {@code name}, loaded now if it was not yet.
   *
   * @throws IllegalArgumentException if it is not installed
   */
  public synchronized ServletEnvironment get(String name) {
    ServletEnvironment environment = loaded.get(name);
    if (environment == null) {
      environment = load(name);
      loaded.put(name, environment);
    }
    return environment;
  }

  /** The names of the environments loaded so far. */
  public synchronized Set<String> loaded() {
    return Set.copyOf(loaded.keySet());
  }

  private ServletEnvironment load(String name) {
    Path directory = libDirectory == null ? null : libDirectory.resolve(name);
    if (directory != null && Files.isDirectory(directory)) {
      URL[] jars = jars(directory);
      // Never closed: the environment's classes serve the child until it exits.
      URLClassLoader loader =
          new URLClassLoader("perchild-" + name, jars, ServletEnvironments.class.getClassLoader());
      for (ServletEnvironment each : ServiceLoader.load(ServletEnvironment.class, loader)) {
        if (each.name().equals(name) && each.getClass().getClassLoader() == loader) {
          LOG.info("servlet environment {} loaded from {} ({} jars)", name, directory, jars.length);
          return each;
        }
      }
      throw new IllegalArgumentException(
          "servlet environment " + name + ": " + directory + " has no implementation of it");
    }
    for (ServletEnvironment each :
        ServiceLoader.load(ServletEnvironment.class, ServletEnvironments.class.getClassLoader())) {
      if (each.name().equals(name)) {
        LOG.info("servlet environment {} loaded from the class path", name);
        return each;
      }
    }
    throw new IllegalArgumentException(
        "servlet environment "
            + name
            + " is not installed"
            + (directory == null ? "" : " (no " + directory + ")"));
  }

  private static URL[] jars(Path directory) {
    List<URL> urls = new ArrayList<>();
    try (Stream<Path> listing = Files.list(directory)) {
      for (Path jar : listing.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
        urls.add(jar.toUri().toURL());
      }
    } catch (MalformedURLException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + directory + ": " + e, e);
    }
    return urls.toArray(URL[]::new);
  }
}
