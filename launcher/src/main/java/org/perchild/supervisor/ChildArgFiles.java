package org.perchild.supervisor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JVM options of a child, given to its {@code java} as an {@code @argfile} instead of on its
 * command line: {@code /proc/PID/cmdline} is world-readable, and a group's {@code
 * ChildPerUserJavaOptions} are that tenant's business. The java launcher reads the file as root,
 * before {@code main} drops privileges; the file is mode 0600 in a directory of mode 0700, both the
 * launcher's, and is deleted once its child is READY or has exited. Leftovers of a launcher that
 * died are deleted at start and at stop. Used by the {@link Supervisor} on its thread only.
 */
final class ChildArgFiles {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  private final Path directory;
  private final Map<Integer, Path> byPid = new HashMap<>();
  private final UnaryOperator<List<String>> added;
  private long written;

  private ChildArgFiles(Path directory, UnaryOperator<List<String>> added) {
    this.directory = directory;
    this.added = added;
  }

  /** The directory beside the {@code PidFile}, made root-only, with what a dead launcher left. */
  static ChildArgFiles open(Path pidFile) throws IOException {
    return open(pidFile, options -> List.of());
  }

  /**
   * As {@link #open(Path)}, and every file ends with the options {@code added} gives for the
   * group's own: its class archive ({@link ClassArchives#optionsFor}).
   */
  static ChildArgFiles open(Path pidFile, UnaryOperator<List<String>> added) throws IOException {
    Path directory = pidFile.toAbsolutePath().getParent().resolve("perchild-java-options");
    Files.createDirectories(directory);
    // Made before, by hand or another version: whatever it was, it is the launcher's alone now.
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
    ChildArgFiles files = new ChildArgFiles(directory, added);
    files.deleteLeftovers();
    return files;
  }

  /** The directory, for tests and the README's sake. */
  Path directory() {
    return directory;
  }

  /**
   * Writes {@code options} to a new file for a child of {@code slot}; returns its path, or null
   * when there are none (then the command line needs no argfile).
   */
  Path write(int slot, List<String> groupOptions) throws IOException {
    return writeFile("child-" + slot, optionsOf(groupOptions));
  }

  /**
   * Every option a child of a group with {@code groupOptions} starts with: those, then the ones
   * added for them (its class archive). A spare started with the same serves such a child.
   */
  List<String> optionsOf(List<String> groupOptions) {
    List<String> options = new ArrayList<>(groupOptions);
    options.addAll(added.apply(groupOptions));
    return List.copyOf(options);
  }

  /** Writes {@code options} (all of them, {@link #optionsOf}) for a spare child; null if none. */
  Path writeSpare(List<String> options) throws IOException {
    return writeFile("spare", options);
  }

  private Path writeFile(String prefix, List<String> options) throws IOException {
    if (options.isEmpty()) {
      return null;
    }
    Path file = directory.resolve(prefix + "-" + (++written) + ".args");
    StringBuilder text = new StringBuilder();
    for (String option : options) {
      text.append(quoted(option)).append('\n');
    }
    Files.deleteIfExists(file);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    return file;
  }

  /** {@code file} belongs to the child {@code pid}, now spawned. */
  void spawned(int pid, Path file) {
    if (file != null) {
      byPid.put(pid, file);
    }
  }

  /** The child {@code pid} is READY or has exited: its java has read its file long ago. */
  void release(int pid) {
    delete(byPid.remove(pid));
  }

  /** Deletes a file whose spawn failed. */
  void delete(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete the JVM options file {}: {}", file, e.toString());
    }
  }

  /** At stop: every file left. */
  void close() {
    byPid.clear();
    deleteLeftovers();
  }

  private void deleteLeftovers() {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.args")) {
      for (Path file : files) {
        delete(file);
      }
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", directory, e.toString());
    }
  }

  /**
   * One argument as the java launcher's argfile syntax reads it: in double quotes, where a
   * backslash escapes the next character, so that spaces, {@code #} and quotes stay one argument.
   */
  static String quoted(String option) {
    return "\"" + option.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
