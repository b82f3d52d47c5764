package org.perchild.config;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.perchild.posix.Accounts;

/** A server root in a temporary directory, with configuration files written by the test. */
final class ConfigFixture {

  final Path root;
  private final Accounts accounts;

  ConfigFixture(Path root) {
    this(root, FakeAccounts.standard());
  }

  ConfigFixture(Path root, Accounts accounts) {
    this.root = root;
    this.accounts = accounts;
  }

  /** Writes a file under the root; lines joined with LF. */
  Path write(String relative, String... lines) {
    Path file = root.resolve(relative);
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, String.join("\n", lines) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  Path dir(String relative) {
    try {
      return Files.createDirectories(root.resolve(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path main() {
    return root.resolve("conf/perchild.conf");
  }

  ServerConfig load(String... lines) throws ConfigException {
    write("conf/perchild.conf", lines);
    return new ConfigLoader(accounts).load(root, Path.of("conf/perchild.conf"));
  }

  /** Loads lines that must be refused; returns the problems as the CLI prints them. */
  List<String> refuse(String... lines) {
    write("conf/perchild.conf", lines);
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> new ConfigLoader(accounts).load(root, Path.of("conf/perchild.conf")));
    return e.problems().stream().map(ConfigProblem::toString).toList();
  }

  /** {@code <root>/conf/perchild.conf:line: } for messages in the main file. */
  String at(int line) {
    return main() + ":" + line + ": ";
  }
}
