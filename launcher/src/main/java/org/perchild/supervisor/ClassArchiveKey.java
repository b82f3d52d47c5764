package org.perchild.supervisor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What a children's class archive is made for, as the name of its file: a SHA-256 of the jars the
 * children load classes from (every file under {@code lib/}, its path and its contents), the JVM
 * (vendor, version, home, and its {@code libjvm.so}'s size and time) and the JVM options that
 * change what an archive holds or whether the JVM can map it (the collector, the heap's size, the
 * object layout). A changed jar, an updated JDK or another collector names another file, which is
 * trained anew: the JVM's own check of an archive is never relied on (Temurin 25.0.3 serves stale
 * classes from an AOT cache after a jar changes, JDK-8377932). Pure functions, the unit tests' and
 * {@link ClassArchives}'.
 */
final class ClassArchiveKey {

  /**
   * Options that change the archive, by prefix: they are part of the key, and the training run gets
   * them (and nothing else of the group's).
   */
  private static final List<String> CHANGE_THE_ARCHIVE =
      List.of(
          "-XX:+Use",
          "-XX:-Use",
          "-Xmx",
          "-XX:MaxHeapSize=",
          "-XX:MaxRAM",
          "-XX:ObjectAlignmentInBytes=",
          "-XX:CompressedClassSpaceSize=");

  /** Of the {@code -XX:±Use...} flags, those that choose a collector or the object layout. */
  private static final List<String> USE_FLAGS =
      List.of(
          "SerialGC",
          "ParallelGC",
          "G1GC",
          "ZGC",
          "ShenandoahGC",
          "EpsilonGC",
          "CompressedOops",
          "CompressedClassPointers",
          "CompactObjectHeaders");

  /**
   * Options after which a shared archive is not used at all: the group's own archive or sharing
   * choice, agents (their transformed classes are not ours to share), and anything that changes the
   * module graph or the boot class path, which the JVM refuses to map an archive with.
   */
  private static final List<String> RULE_OUT =
      List.of(
          "-Xshare",
          "-XX:SharedArchiveFile",
          "-XX:ArchiveClassesAtExit",
          "-XX:AOTCache",
          "-XX:AOTMode",
          "-XX:AOTConfiguration",
          "-XX:-UseSharedSpaces",
          "-javaagent",
          "-agentlib",
          "-agentpath",
          "-Xbootclasspath",
          "--patch-module",
          "--upgrade-module-path",
          "--limit-modules",
          "--module-path",
          "-p",
          "--add-modules",
          "-Djava.system.class.loader",
          "-XX:+AllowArchivingWithJavaAgent");

  private ClassArchiveKey() {}

  /**
   * The options of {@code javaOptions} that change the archive, in their order; empty if the
   * options rule a shared archive out (then the group's children start without one).
   */
  static Optional<List<String>> archiveOptions(List<String> javaOptions) {
    List<String> kept = new ArrayList<>();
    for (String option : javaOptions) {
      for (String ruled : RULE_OUT) {
        // -Xshare:off, -javaagent:x.jar, -XX:SharedArchiveFile=f, -Xbootclasspath/a:x
        if (option.equals(ruled)
            || option.startsWith(ruled + ":")
            || option.startsWith(ruled + "=")
            || option.startsWith(ruled + "/")) {
          return Optional.empty();
        }
      }
      if (changesTheArchive(option)) {
        kept.add(option);
      }
    }
    return Optional.of(List.copyOf(kept));
  }

  private static boolean changesTheArchive(String option) {
    for (String prefix : CHANGE_THE_ARCHIVE) {
      if (!option.startsWith(prefix)) {
        continue;
      }
      if (prefix.endsWith("Use")) {
        return USE_FLAGS.contains(option.substring(prefix.length()));
      }
      return true;
    }
    return false;
  }

  /**
   * The key: hex SHA-256 of the mode ({@code cds} or {@code aot}), the JVM, the jars' digest and
   * the archive options, each part on its own line.
   */
  static String of(String mode, String jvm, String jars, List<String> archiveOptions) {
    MessageDigest sha = sha256();
    for (String part : List.of(mode, jvm, jars, String.join(" ", archiveOptions))) {
      sha.update(part.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) '\n');
    }
    return HexFormat.of().formatHex(sha.digest(), 0, 16);
  }

  /** This JVM (the children run the launcher's own {@code java}): vendor, version, home, libjvm. */
  static String jvm() {
    String home = System.getProperty("java.home");
    StringBuilder identity =
        new StringBuilder()
            .append(System.getProperty("java.vm.vendor"))
            .append(' ')
            .append(System.getProperty("java.vm.version"))
            .append(' ')
            .append(System.getProperty("os.arch"))
            .append(' ')
            .append(home);
    Path libjvm = Path.of(home, "lib", "server", "libjvm.so");
    try {
      identity
          .append(' ')
          .append(Files.size(libjvm))
          .append(' ')
          .append(Files.getLastModifiedTime(libjvm).toMillis());
    } catch (IOException e) {
      identity.append(" no ").append(libjvm);
    }
    return identity.toString();
  }

  /**
   * The digest of every regular file under {@code lib}: each one's path relative to it and the
   * SHA-256 of its contents, in the order of their paths.
   */
  static String jars(Path lib) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(lib)) {
      files = walk.filter(Files::isRegularFile).map(lib::relativize).sorted().toList();
    }
    MessageDigest all = sha256();
    byte[] buffer = new byte[64 * 1024];
    for (Path file : files) {
      MessageDigest one = sha256();
      try (InputStream in = Files.newInputStream(lib.resolve(file))) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          one.update(buffer, 0, n);
        }
      }
      all.update(file.toString().getBytes(StandardCharsets.UTF_8));
      all.update((byte) 0);
      all.update(one.digest());
    }
    return HexFormat.of().formatHex(all.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
