package org.perchild.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A configuration as the launcher read it: the records, every file they came from (the main one
 * first, then each {@code Include}d one in the order read), a SHA-256 of those files' bytes as
 * parsed, and when. {@link ConfigLoader#loadSource} makes it; the launcher logs it, reports it in
 * {@code -S} and {@code perchild status}, and is the only process that ever opens the files.
 *
 * @param config the configuration
 * @param files the files read, in order
 * @param sha256 hex SHA-256 over each file's path and bytes, in order
 * @param readAt when reading began
 */
public record LoadedConfiguration(
    ServerConfig config, List<Path> files, String sha256, Instant readAt) {

  public LoadedConfiguration {
    files = List.copyOf(files);
  }

  /** The hash of these files: path, NUL, byte count, NUL, bytes, for each in order. */
  static String sha256(Map<Path, byte[]> files) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    for (Map.Entry<Path, byte[]> file : files.entrySet()) {
      digest.update(file.getKey().toString().getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      digest.update(Integer.toString(file.getValue().length).getBytes(StandardCharsets.US_ASCII));
      digest.update((byte) 0);
      digest.update(file.getValue());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** {@code /etc/perchild.conf, sha256 1f2e3d4c5b6a, 3 files}: how log lines name it. */
  public String summary() {
    return config.configFile()
        + ", sha256 "
        + sha256.substring(0, 12)
        + ", "
        + files.size()
        + (files.size() == 1 ? " file" : " files");
  }

  /**
   * Warnings for configuration files that users other than their owner could read ({@code -t}
   * prints them): the file names every tenant's paths, users and JVM options, and only the launcher
   * (root) needs to read it. Only when the configuration has tenants at all ({@code
   * ChildPerUserID}): a server of one user has nobody to hide them from.
   */
  public List<ConfigProblem> accessWarnings() {
    List<ConfigProblem> warnings = new ArrayList<>();
    if (config.childGroups().stream().allMatch(ChildGroup::serverDefault)) {
      return warnings;
    }
    for (Path file : files) {
      int mode;
      try {
        mode = (Integer) Files.getAttribute(file, "unix:mode") & 0777;
      } catch (IOException | UnsupportedOperationException e) {
        continue; // not a POSIX file system: nothing to judge by
      }
      if ((mode & 0044) != 0) {
        warnings.add(
            ConfigProblem.warning(
                file,
                0,
                String.format(
                    "mode %04o: readable by %s; tenants could read every tenant's settings"
                        + " (chmod 0600: only the launcher reads it)",
                    mode, (mode & 0004) != 0 ? "others" : "its group")));
      }
    }
    return warnings;
  }
}
