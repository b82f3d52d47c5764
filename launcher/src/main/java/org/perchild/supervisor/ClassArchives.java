package org.perchild.supervisor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.perchild.config.ChildGroup;
import org.perchild.config.ServerConfig;
import org.perchild.posix.ExitStatus;
import org.perchild.posix.FileTrees;
import org.perchild.posix.Native;
import org.perchild.protocol.ExitCodes;
import org.perchild.protocol.ProcessCommand;
import org.perchild.protocol.TrainingArguments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The children's class archives: the JDK's own means of starting a JVM from classes already parsed,
 * verified and laid out, a dynamic AppCDS archive on Java 17 to 24 ({@code
 * -XX:ArchiveClassesAtExit}, then {@code -XX:SharedArchiveFile}) and the AOT cache on Java 25 and
 * later ({@code -XX:AOTCacheOutput}, then {@code -XX:AOTCache}). One archive serves every child
 * whose JVM options change it the same way ({@link ClassArchiveKey}); every child maps it
 * read-only, so its pages are in memory once for all of them.
 *
 * <p>Who makes it: a training run ({@code ClassArchiveTraining}, the container's own code and the
 * WARs of {@code lib/training/}, nothing of a tenant's) that the launcher spawns for each archive
 * its groups need and do not have, one at a time, after the first generation has started; it runs
 * as the server's {@code User}, like the acceptor, dropping root before anything of ours runs, and
 * writes into a directory of its own, {@code training-KEY/} (that user's, mode 0700). The launcher
 * copies the result (a regular file of that user's, never a link) into a new file of its own, mode
 * 0444, and renames it into place in {@code perchild-class-archives/} beside the {@code PidFile}: a
 * directory of root's, mode 0755, whose parents no one else can write; otherwise archives are off.
 * No tenant can write the archive, replace it or add to it.
 *
 * <pre>
 *   trainFor(config) ──▶ queued ──spawn──▶ training ──exit 0, file ok──▶ installed ──▶ children use it
 *                                             │ exit ≠ 0 / no file / 3 min
 *                                             ▼
 *                                          failed (logged; children start without it until the
 *                                          configuration or the launcher changes)
 * </pre>
 *
 * <p>A missing archive costs only speed: {@link #optionsFor} names one only once it is installed,
 * and the JVM, when it cannot use one after all, says so and starts without it. Used by the {@link
 * Supervisor} on its thread only; {@link ChildArgFiles} asks it for each child's options.
 */
final class ClassArchives {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  /**
   * Map the archives at the address they were made for: with the default (1: always elsewhere, for
   * ASLR; Debian's 17.0.15 and Temurin 25 both) the JVM relocates every pointer in them, which
   * writes nearly every page, and each child holds a private copy of what was to be shared. At 0
   * the pages stay the file's, in memory once for every child.
   */
  static final String AT_ITS_ADDRESS = "-XX:ArchiveRelocationMode=0";

  /** {@link #AT_ITS_ADDRESS} is a diagnostic option. */
  static final String UNLOCK = "-XX:+UnlockDiagnosticVMOptions";

  /** How long a training run may take before it is killed. */
  static final long TRAINING_LIMIT_NANOS = TimeUnit.MINUTES.toNanos(3);

  /** The JDK's means: Java 25's AOT cache, or a dynamic AppCDS archive before it. */
  enum Mode {
    CDS("-XX:ArchiveClassesAtExit=", "-XX:SharedArchiveFile=", ".jsa", List.of("-Xlog:cds=error")),
    AOT(
        "-XX:AOTCacheOutput=",
        "-XX:AOTCache=",
        ".aot",
        List.of("-Xlog:cds=error", "-Xlog:aot=error"));

    final String train;
    final String use;
    final String extension;
    final List<String> quiet;

    Mode(String train, String use, String extension, List<String> quiet) {
      this.train = train;
      this.use = use;
      this.extension = extension;
      this.quiet = quiet;
    }

    /** The JVM the children run, the launcher's own. */
    static Mode current() {
      return Runtime.version().feature() >= 25 ? AOT : CDS;
    }
  }

  private final Path directory;
  private final Path lib;
  private final ProcessSpawner spawner;
  private final int logFd;
  private final RunAs runAs;
  private final boolean root;
  private final Mode mode = Mode.current();
  private final String jvm = ClassArchiveKey.jvm();

  private ServerConfig trainedFor;
  private String jars;
  private boolean pruned;
  private final Queue<Training> queue = new ArrayDeque<>();
  private final Set<String> failed = new HashSet<>();
  private final Map<String, Boolean> queued = new HashMap<>();
  private Training running;
  private int runningPid;
  private long runningSince;
  private boolean killed;

  /** One archive to make: its key and the options it is made with. */
  private record Training(String key, List<String> options, Path directory) {}

  private ClassArchives(
      Path directory, Path lib, ProcessSpawner spawner, int logFd, RunAs runAs, boolean root) {
    this.directory = directory;
    this.lib = lib;
    this.spawner = spawner;
    this.logFd = logFd;
    this.runAs = runAs;
    this.root = root;
  }

  /** No archives: run from classes directories (tests, an IDE), or no safe place for them. */
  static ClassArchives off() {
    return new ClassArchives(null, null, null, -1, null, false);
  }

  /**
   * The archives of this installation, in {@code perchild-class-archives/} beside {@code pidFile};
   * off (logged) when the launcher does not run from an installed {@code lib/} or the directory
   * cannot be made safe.
   *
   * @param runAs whom the training runs as: the server's {@code User} ({@link RunAs#acceptor})
   * @param logFd the main error log, for the training's output
   */
  static ClassArchives open(Path pidFile, ProcessSpawner spawner, int logFd, RunAs runAs) {
    Path lib = ProcessClassPath.libDirectory();
    if (lib == null || !Files.isDirectory(lib.resolve("training"))) {
      LOG.info("class archives are off: no installed lib/ with lib/training/");
      return off();
    }
    Path directory = pidFile.toAbsolutePath().getParent().resolve("perchild-class-archives");
    boolean root = Native.posix().geteuid() == 0;
    try {
      Files.createDirectories(directory);
      Map<String, Object> before =
          Files.readAttributes(directory, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
      if (Files.isSymbolicLink(directory)) {
        throw new IOException(directory + " is a symbolic link");
      }
      int self = Native.posix().geteuid();
      if ((Integer) before.get("uid") != self) {
        if (!root) {
          throw new IOException(directory + " is not the launcher's");
        }
        Files.setAttribute(directory, "unix:gid", 0, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(directory, "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);
      }
      Files.getFileAttributeView(directory, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setPermissions(PosixFilePermissions.fromString("rwxr-xr-x"));
      String unsafe = unsafeParent(directory, self);
      if (unsafe != null) {
        LOG.warn(
            "class archives are off: {} can be written by others, who could replace {}",
            unsafe,
            directory);
        return off();
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("class archives are off: cannot make {} safe: {}", directory, e.toString());
      return off();
    }
    return new ClassArchives(directory, lib, spawner, logFd, runAs, root);
  }

  /**
   * The first of {@code directory}'s parents that someone other than root and {@code self} could
   * rename or replace entries in, or null: each must be theirs and writable by no one else, unless
   * it is sticky (as {@code /tmp}: there only an entry's owner may rename it).
   */
  static String unsafeParent(Path directory, int self) throws IOException {
    for (Path p = directory.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
      Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid");
      int mode = (Integer) a.get("mode");
      int uid = (Integer) a.get("uid");
      boolean sticky = (mode & 01000) != 0;
      if ((uid != 0 && uid != self) || (!sticky && (mode & 0022) != 0)) {
        return p.toString();
      }
    }
    return null;
  }

  /** Whether archives are on. */
  boolean on() {
    return directory != null;
  }

  /** The directory of the archives (null when off), for tests and the README's sake. */
  Path directory() {
    return directory;
  }

  /**
   * The options that make a child with {@code javaOptions} use its archive: empty when archives are
   * off, the options rule one out, or it is not installed (yet).
   */
  List<String> optionsFor(List<String> javaOptions) {
    if (!on() || jars == null) {
      return List.of();
    }
    Optional<List<String>> options = ClassArchiveKey.archiveOptions(javaOptions);
    if (options.isEmpty()) {
      return List.of();
    }
    Path file = archive(key(options.get()));
    return installed(file) ? List.of(UNLOCK, AT_ITS_ADDRESS, mode.use + file) : List.of();
  }

  /**
   * Queues a training run for each archive the groups of {@code config} need and do not have (once
   * per configuration: a graceful restart that changes a group's options or the jars may need
   * another); {@link #turn} starts them. At the first call, archives no group needs any more (older
   * jars, an older JDK) are deleted.
   */
  void trainFor(ServerConfig config) {
    if (!on() || config == trainedFor) {
      return;
    }
    trainedFor = config;
    try {
      jars = ClassArchiveKey.jars(lib);
    } catch (IOException e) {
      LOG.warn("class archives are off for now: cannot read {}: {}", lib, e.toString());
      jars = null;
      return;
    }
    Set<String> needed = new HashSet<>();
    for (ChildGroup group : config.childGroups()) {
      Optional<List<String>> options = ClassArchiveKey.archiveOptions(group.javaOptions());
      if (options.isEmpty()) {
        continue;
      }
      String key = key(options.get());
      needed.add(archive(key).getFileName().toString());
      if (!installed(archive(key))
          && !failed.contains(key)
          && queued.putIfAbsent(key, true) == null) {
        queue.add(new Training(key, options.get(), directory.resolve("training-" + key)));
      }
    }
    if (!pruned) {
      pruned = true;
      prune(needed);
    }
  }

  /** Whether {@code status} is the training run's; if so, installs its archive or logs why not. */
  boolean exited(ExitStatus status) {
    if (running == null || status.pid() != runningPid) {
      return false;
    }
    Training done = running;
    running = null;
    runningPid = 0;
    queued.remove(done.key());
    Path output = done.directory().resolve(archiveName(done.key()));
    try {
      if (!status.exitedWith(ExitCodes.NORMAL)) {
        throw new IOException("the training run " + status);
      }
      long size = install(output, archive(done.key()));
      LOG.info(
          "class archive {} installed: {} MiB, made by a training run as {} in {} ms; children"
              + " started from now on use it",
          archive(done.key()),
          size / (1024 * 1024),
          runAs.user().name(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - runningSince));
    } catch (IOException | RuntimeException e) {
      failed.add(done.key());
      LOG.warn(
          "class archive {}: training failed, children start without it: {}",
          archive(done.key()),
          e.getMessage());
    } finally {
      deleteTree(done.directory());
    }
    startNext();
    return true;
  }

  /**
   * Each turn of the supervisor: starts the next training run if none runs, and kills one that has
   * taken longer than {@link #TRAINING_LIMIT_NANOS}.
   */
  void turn(long now) {
    if (!on()) {
      return;
    }
    startNext();
    if (running != null && !killed && now - runningSince > TRAINING_LIMIT_NANOS) {
      LOG.warn(
          "class archive {}: the training run (pid {}) takes too long, killing it",
          archive(running.key()),
          runningPid);
      kill();
      killed = true;
    }
  }

  /** At stop: a training run still going is killed (its archive would be of no use). */
  void close() {
    if (running != null) {
      kill();
    }
  }

  /**
   * SIGKILL to the training run and to what it started: on Java 25 the JVM that assembles the AOT
   * cache is its child, which would otherwise outlive it.
   */
  private void kill() {
    ProcessHandle.of(runningPid)
        .ifPresent(p -> p.descendants().forEach(d -> spawner.signalIfRunning((int) d.pid(), 9)));
    spawner.signalIfRunning(runningPid, 9);
  }

  private void startNext() {
    while (running == null && !queue.isEmpty()) {
      Training next = queue.remove();
      try {
        deleteTree(next.directory());
        Files.createDirectory(
            next.directory(),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (root) {
          Files.setAttribute(next.directory(), "unix:gid", runAs.gid(), LinkOption.NOFOLLOW_LINKS);
          Files.setAttribute(
              next.directory(), "unix:uid", runAs.user().uid(), LinkOption.NOFOLLOW_LINKS);
        }
        List<String> options = new ArrayList<>(next.options());
        // Its warnings name every class it leaves out (signed jars, old class files): hundreds.
        options.addAll(mode.quiet);
        options.add(mode.train + next.directory().resolve(archiveName(next.key())));
        ProcessCommand command =
            ProcessCommand.training(
                ProcessCommand.Jvm.current(options, ProcessClassPath.child()),
                new TrainingArguments(
                    next.directory(),
                    Path.of("training.conf"),
                    runAs.user().name(),
                    runAs.user().uid(),
                    runAs.gid(),
                    lib.resolve("training")),
                ProcessLaunch.environment(runAs.user()),
                logFd);
        runningPid = spawner.spawn(command);
        running = next;
        runningSince = System.nanoTime();
        killed = false;
        LOG.info(
            "class archive {}: training run started: pid {}, user {}, options {}",
            archive(next.key()),
            runningPid,
            runAs.user().name(),
            next.options());
      } catch (IOException | RuntimeException e) {
        queued.remove(next.key());
        failed.add(next.key());
        LOG.warn(
            "class archive {}: training failed, children start without it: cannot start it: {}",
            archive(next.key()),
            e.toString());
        deleteTree(next.directory());
      }
    }
  }

  /**
   * Copies the training's {@code output} (a regular file of the training's user, one link, never
   * followed) into a new file of the launcher's beside {@code target}, makes it read-only and
   * renames it into place; returns its size.
   */
  private long install(Path output, Path target) throws IOException {
    Map<String, Object> a;
    try {
      a = Files.readAttributes(output, "unix:mode,uid,nlink,size", LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new IOException("it wrote no archive (" + output + ")");
    }
    int type = (Integer) a.get("mode") & 0170000;
    if (type != 0100000 || (Integer) a.get("nlink") != 1 || (Long) a.get("size") == 0) {
      throw new IOException(output + " is not a regular file of its own with contents");
    }
    if (root && (Integer) a.get("uid") != runAs.user().uid()) {
      throw new IOException(output + " is not the training user's");
    }
    Path temporary = directory.resolve("." + target.getFileName() + ".new");
    Files.deleteIfExists(temporary);
    try (InputStream in = Files.newInputStream(output, LinkOption.NOFOLLOW_LINKS);
        OutputStream out =
            Files.newOutputStream(
                temporary,
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
      in.transferTo(out);
    }
    Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("r--r--r--"));
    Files.move(
        temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return Files.size(target);
  }

  /** Whether {@code file} is an archive the launcher installed: its own, read-only, regular. */
  private boolean installed(Path file) {
    try {
      Map<String, Object> a =
          Files.readAttributes(file, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
      int mode = (Integer) a.get("mode");
      return (mode & 0170000) == 0100000
          && (mode & 0222) == 0
          && (Integer) a.get("uid") == Native.posix().geteuid();
    } catch (IOException e) {
      return false;
    }
  }

  private void prune(Set<String> needed) {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.startsWith("training-")) {
          deleteTree(file);
        } else if ((name.endsWith(".jsa") || name.endsWith(".aot") || name.endsWith(".new"))
            && !needed.contains(name)) {
          Files.deleteIfExists(file);
          LOG.info("class archive {} deleted: no group needs it any more", file);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot tidy {}: {}", directory, e.toString());
    }
  }

  private String key(List<String> archiveOptions) {
    return ClassArchiveKey.of(mode.name(), jvm, jars, archiveOptions);
  }

  private Path archive(String key) {
    return directory.resolve(archiveName(key));
  }

  private String archiveName(String key) {
    return "child-" + key + mode.extension;
  }

  private static void deleteTree(Path root) {
    try {
      FileTrees.delete(root);
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", root, e.toString());
    }
  }
}
