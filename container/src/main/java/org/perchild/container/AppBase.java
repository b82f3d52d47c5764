package org.perchild.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The web applications in one virtual host's {@code AppBase} directory, by Tomcat's convention:
 * {@code ROOT.war} or {@code ROOT/} is served at {@code /}, {@code name.war} or {@code name/} at
 * {@code /name}. When a WAR and a directory have the same name, the directory wins (it is usually
 * the WAR unpacked by hand, and the one the operator edits). Hidden entries are ignored. {@link
 * ChildServer} deploys what this finds.
 */
public final class AppBase {

  /**
   * One web application found in an {@code AppBase}.
   *
   * @param contextPath where it is served, {@code /} or {@code /name}
   * @param source the {@code .war} file or the exploded directory
   */
  public record WebApp(String contextPath, Path source) {

    /** Whether it is a packed {@code .war} file rather than a directory. */
    public boolean isWar() {
      return !Files.isDirectory(source);
    }
  }

  private AppBase() {}

  /**
   * The web applications in {@code directory}, ordered by context path.
   *
   * @throws IOException if the directory cannot be listed
   */
  public static List<WebApp> scan(Path directory) throws IOException {
    Map<String, Path> byName = new TreeMap<>();
    List<Path> entries;
    try (Stream<Path> listing = Files.list(directory)) {
      entries = listing.sorted().toList();
    }
    for (Path entry : entries) {
      String file = entry.getFileName().toString();
      if (file.startsWith(".")) {
        continue;
      }
      if (Files.isDirectory(entry)) {
        byName.put(file, entry);
      } else if (file.toLowerCase(Locale.ROOT).endsWith(".war") && Files.isRegularFile(entry)) {
        String name = file.substring(0, file.length() - ".war".length());
        if (!name.isEmpty()) {
          byName.putIfAbsent(name, entry);
          if (Files.isDirectory(directory.resolve(name))) {
            byName.put(name, directory.resolve(name));
          }
        }
      }
    }
    List<WebApp> apps = new ArrayList<>();
    byName.forEach((name, source) -> apps.add(new WebApp(contextPath(name), source)));
    return apps;
  }

  /** {@code ROOT} is {@code /}; any other name {@code /name}. */
  static String contextPath(String name) {
    return name.equals("ROOT") ? "/" : "/" + name;
  }
}
