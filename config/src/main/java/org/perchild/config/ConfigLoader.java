package org.perchild.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.perchild.posix.Accounts;

/**
 * Reads {@code perchild.conf} into a {@link ServerConfig}, or refuses it with every problem it has.
 * The launcher calls it at start, on {@code -t} and {@code -S}, and on each graceful restart (a
 * refused configuration leaves the running one in place).
 */
public final class ConfigLoader {

  private final Accounts accounts;

  /** A loader that resolves users and groups through {@code accounts}. */
  public ConfigLoader(Accounts accounts) {
    this.accounts = accounts;
  }

  /**
   * Reads and checks a configuration.
   *
   * @param serverRoot where relative paths start until a {@code ServerRoot} directive says
   *     otherwise (httpd's {@code -d})
   * @param configFile the main file, relative to {@code serverRoot} unless absolute (httpd's {@code
   *     -f})
   * @return the configuration, with its warnings
   * @throws ConfigException with every error (and warning) found, in file order
   */
  public ServerConfig load(Path serverRoot, Path configFile) throws ConfigException {
    return loadSource(serverRoot, configFile).config();
  }

  /**
   * Reads and checks a configuration like {@link #load}, and says what was read: every file, and a
   * SHA-256 of their bytes, so that the launcher can name the configuration a generation runs.
   *
   * @throws ConfigException with every error (and warning) found, in file order
   */
  public LoadedConfiguration loadSource(Path serverRoot, Path configFile) throws ConfigException {
    java.time.Instant readAt = java.time.Instant.now();
    List<ConfigProblem> problems = new ArrayList<>();
    Path root = serverRoot.toAbsolutePath().normalize();
    Path file = root.resolve(configFile).normalize();
    DirectiveReader reader = new DirectiveReader(root, problems);
    List<Directive> tree = reader.readMain(file);
    java.util.Map<Path, byte[]> files = reader.filesRead();
    ServerConfig config = null;
    if (problems.stream().noneMatch(p -> p.file() == null)) {
      ConfigBuilder builder = new ConfigBuilder(accounts, root, file, problems);
      builder.walk(tree);
      config = builder.build();
    }
    if (config == null) {
      List<ConfigProblem> sorted = new ArrayList<>(problems);
      sorted.sort(IN_FILE_ORDER);
      throw new ConfigException(sorted);
    }
    return new LoadedConfiguration(
        config, List.copyOf(files.keySet()), LoadedConfiguration.sha256(files), readAt);
  }

  /** Problems of one file together, by line; problems with no place first. */
  private static final Comparator<ConfigProblem> IN_FILE_ORDER =
      Comparator.comparing((ConfigProblem p) -> p.file() == null ? "" : p.file().toString())
          .thenComparingInt(ConfigProblem::line);
}
