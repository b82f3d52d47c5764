package org.perchild.supervisor;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.stream.Stream;

/**
 * The class path of each process the launcher spawns. In an installed tree every module's jar sits
 * in {@code lib/} and its manifest names the jars that process needs, so the acceptor is started
 * with {@code lib/perchild-acceptor-*.jar} alone and a child with {@code
 * lib/perchild-container-*.jar} alone: neither loads the other's libraries, and the launcher (root)
 * loads neither. Run from a build's classes directories instead (a developer's IDE), there is no
 * such jar, and every process gets the launcher's own class path.
 */
final class ProcessClassPath {

  private ProcessClassPath() {}

  /** The acceptor's class path. */
  static String acceptor() {
    return of("perchild-acceptor-");
  }

  /** A child's class path. */
  static String child() {
    return of("perchild-container-");
  }

  private static String of(String jarPrefix) {
    Path lib = libDirectory();
    if (lib != null) {
      try (Stream<Path> jars = Files.list(lib)) {
        Path jar =
            jars.filter(
                    p -> {
                      String name = p.getFileName().toString();
                      return name.startsWith(jarPrefix) && name.endsWith(".jar");
                    })
                .findFirst()
                .orElse(null);
        if (jar != null) {
          return jar.toString();
        }
      } catch (IOException e) {
        // fall through: the launcher's own class path holds every class too
      }
    }
    return System.getProperty("java.class.path");
  }

  /** The directory of the launcher's own jar, or null when it runs from classes directories. */
  static Path libDirectory() {
    CodeSource source = ProcessClassPath.class.getProtectionDomain().getCodeSource();
    if (source == null) {
      return null;
    }
    try {
      Path self = Path.of(source.getLocation().toURI());
      return Files.isRegularFile(self) ? self.getParent() : null;
    } catch (URISyntaxException | IllegalArgumentException e) {
      return null;
    }
  }
}
