package org.perchild.container;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.perchild.config.ChildGroup;
import org.perchild.config.ServerConfig;
import org.perchild.config.VirtualHost;
import org.perchild.posix.MemoryFile;
import org.perchild.posix.PosixException;
import org.perchild.posix.PrivilegeDrop;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.ConfigCodec;
import org.perchild.protocol.ProcessFds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The child process's entry point; the launcher spawns it as root with
 *
 * <pre>
 * java --add-opens java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
 *      -cp lib/* org.perchild.container.ChildMain \
 *      --server-root DIR --config FILE --slot N --generation G --user NAME --uid U --gid G
 * </pre>
 *
 * with fd 3 its control channel to the launcher, fd 4 its hand-off channel from the acceptor and fd
 * 5 its configuration: a memory file the launcher wrote ({@link ConfigCodec}) with this child's own
 * part only. The child never opens a configuration file, which may be root's alone.
 *
 * <pre>
 *  parse argv ──▶ drop privileges ──▶ read fd 5, pick own group and vhosts ──▶ start Jetty
 *      │ bad          │ failed              │ unreadable / no such group             │
 *      ▼              ▼                     ▼                                      READY &lt;pid&gt;
 *   exit 2         exit 2                exit 2                                        │
 *                                                   STOP ──▶ graceful stop ──▶ exit 0 ◀┤
 *                                                   EOF on fd 3 ─────────────▶ exit 0 ◀┘
 * </pre>
 *
 * <p>The privilege drop comes before anything else of ours runs (DESIGN invariant 1): only the
 * arguments are read as root. Exit codes: {@value #EXIT_NORMAL} normal, {@value #EXIT_FATAL} fatal
 * (the launcher does not respawn in a loop), {@value #EXIT_CRASH} anything unexpected.
 */
public final class ChildMain {

  /** Stopped as asked, or the launcher has gone. */
  public static final int EXIT_NORMAL = 0;

  /** Unexpected failure (Jetty did not start): the launcher respawns with backoff. */
  public static final int EXIT_CRASH = 1;

  /** Bad arguments, failed privilege drop, refused configuration: never respawned in a loop. */
  public static final int EXIT_FATAL = 2;

  /** The control channel's descriptor number. */
  public static final int CONTROL_FD = 3;

  /** The hand-off channel's descriptor number. */
  public static final int HANDOFF_FD = ProcessFds.CHILD_HANDOFF;

  /** The configuration's descriptor number: read to its end after the drop, then closed. */
  public static final int CONFIG_FD = ProcessFds.CHILD_CONFIG;

  /** What {@code Run.start} returns when the child serves, not an exit code. */
  private static final int SERVING = -1;

  /** Graceful stop limit when {@code GracefulShutdownTimeout} is 0 ("no limit"). */
  private static final Duration NO_LIMIT = Duration.ofDays(1);

  /** How long a stopping child waits for its hand-off channel to end before it stops Jetty. */
  private static final Duration HANDOFF_DRAIN = Duration.ofSeconds(3);

  private static final Duration LOAD_INTERVAL = Duration.ofSeconds(1);

  /** How long a stopping child lets the connections it has finish before Jetty's own stop. */
  private static final Duration CONNECTIONS_DRAIN = Duration.ofSeconds(6);

  private static final Logger LOG = LoggerFactory.getLogger(ChildMain.class);

  /** The child's arguments, parsed (the only work done as root). */
  record Arguments(
      Path serverRoot,
      Path config,
      int slot,
      int generation,
      String user,
      int uid,
      int gid,
      int serveUid,
      int serveGid) {

    static Arguments parse(String[] argv) {
      String serverRoot = null;
      String config = null;
      String user = null;
      Integer slot = null;
      Integer generation = null;
      Integer uid = null;
      Integer gid = null;
      Integer serveUid = null;
      Integer serveGid = null;
      for (int i = 0; i < argv.length; i += 2) {
        if (i + 1 >= argv.length) {
          throw new IllegalArgumentException(argv[i] + " needs a value");
        }
        String value = argv[i + 1];
        switch (argv[i]) {
          case "--server-root" -> serverRoot = value;
          case "--config" -> config = value;
          case "--user" -> user = value;
          case "--slot" -> slot = number(argv[i], value);
          case "--generation" -> generation = number(argv[i], value);
          case "--uid" -> uid = number(argv[i], value);
          case "--gid" -> gid = number(argv[i], value);
          // Single-user mode: the group whose virtual hosts to serve, when it is not who we are.
          case "--serve-uid" -> serveUid = number(argv[i], value);
          case "--serve-gid" -> serveGid = number(argv[i], value);
          default -> throw new IllegalArgumentException("unknown argument " + argv[i]);
        }
      }
      if (serverRoot == null
          || config == null
          || user == null
          || user.isEmpty()
          || slot == null
          || generation == null
          || uid == null
          || gid == null) {
        throw new IllegalArgumentException(
            "usage: ChildMain --server-root DIR --config FILE --slot N --generation G"
                + " --user NAME --uid U --gid G");
      }
      return new Arguments(
          Path.of(serverRoot),
          Path.of(config),
          slot,
          generation,
          user,
          uid,
          gid,
          serveUid != null ? serveUid : uid,
          serveGid != null ? serveGid : gid);
    }

    private static int number(String name, String value) {
      try {
        return Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " needs a number, not " + value);
      }
    }

    /** The name PrivilegeDrop takes: null for a numeric-only user ({@code #40001}). */
    String userName() {
      return user.startsWith("#") ? null : user;
    }

    /** The user in file and thread names: {@code alice}, or {@code 40001} for {@code #40001}. */
    String label() {
      return (user.startsWith("#") ? user.substring(1) : user).replaceAll("[^A-Za-z0-9._-]", "_");
    }
  }

  private ChildMain() {}

  /** Runs the child; exits the JVM with the codes above, never returns normally on failure. */
  public static void main(String[] argv) {
    Arguments args;
    try {
      args = Arguments.parse(argv);
    } catch (IllegalArgumentException e) {
      LOG.error("child not started: {}", e.getMessage());
      System.exit(EXIT_FATAL);
      return;
    }
    try {
      PrivilegeDrop.drop(args.userName(), args.uid(), args.gid());
    } catch (Throwable e) { // LinkageError too: any doubt about the drop is fatal
      LOG.error(
          "child slot {} not started: privilege drop to uid {}, gid {} failed: {}",
          args.slot(),
          args.uid(),
          args.gid(),
          e.toString(),
          e);
      System.exit(EXIT_FATAL);
      return;
    }
    int failed = new Run(args).start();
    if (failed != SERVING) {
      System.exit(failed);
    }
    // Serving: main ends, and the control thread decides when the process exits.
  }

  /** Everything after the drop. */
  private static final class Run implements ControlChannel.Commands {
    private final Arguments args;
    private Path workDirectory;
    private ChildServer server;
    private HandoffReceiver receiver;

    Run(Arguments args) {
      this.args = args;
    }

    /** Starts serving and returns {@link #SERVING}, or the exit code if the child cannot. */
    int start() {
      ServerConfig config;
      try {
        config = ConfigCodec.decode(MemoryFile.readToEnd(CONFIG_FD, ConfigCodec.MAX_BYTES));
      } catch (IOException e) {
        LOG.error(
            "child slot {} not started: cannot read its configuration from fd {}: {}",
            args.slot(),
            CONFIG_FD,
            e.getMessage());
        return EXIT_FATAL;
      } catch (RuntimeException e) {
        LOG.error("child slot {} not started: cannot load the configuration", args.slot(), e);
        return EXIT_FATAL;
      }
      Optional<ChildGroup> group = ownGroup(config, args.serveUid(), args.serveGid());
      if (group.isEmpty()) {
        LOG.error(
            "child slot {} not started: no child group runs as uid {}, gid {} in {}",
            args.slot(),
            args.serveUid(),
            args.serveGid(),
            config.configFile());
        return EXIT_FATAL;
      }
      List<VirtualHost> hosts = ownHosts(config, group.get());
      try {
        workDirectory =
            Files.createTempDirectory(
                Path.of("/tmp"),
                "perchild-" + args.label() + "-" + args.slot() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        // Webapps' temporary files land in this child's own directory, not in a shared one.
        System.setProperty("java.io.tmpdir", workDirectory.toString());
        Duration stop = config.gracefulShutdownTimeout();
        server =
            new ChildServer(
                "perchild-" + args.label(),
                config.threads(),
                config.virtualHostTable(),
                hosts,
                stop.isZero() ? NO_LIMIT : stop,
                workDirectory);
        server.start();
      } catch (Exception e) {
        LOG.error("child slot {} not started: Jetty failed to start", args.slot(), e);
        deleteWorkDirectory();
        return EXIT_CRASH;
      }
      SeqPacketChannel control = new SeqPacketChannel(CONTROL_FD);
      SeqPacketChannel handoff = new SeqPacketChannel(HANDOFF_FD);
      ControlChannel controlChannel = new ControlChannel(control, this);
      receiver = new HandoffReceiver(handoff, server.connector());
      if (config.maxRequestsPerChild() > 0) {
        receiver.retireAfter(config.maxRequestsPerChild(), controlChannel::sendRetiring);
      }
      receiver.start("perchild-handoff-" + args.label() + "-" + args.slot());
      long pid = ProcessHandle.current().pid();
      try {
        controlChannel.sendReady(pid);
      } catch (PosixException e) {
        LOG.warn("cannot say READY, the launcher has gone: {}", e.getMessage());
        launcherGone();
      }
      LOG.info(
          "child {} ready: pid {}, gen {}, user {}, group {}, {} virtual host(s), {} webapp(s)",
          args.slot(),
          pid,
          args.generation(),
          group.get().user().name(),
          group.get().group().name(),
          hosts.size(),
          server.webApps().size());
      controlChannel.start("perchild-control-" + args.label() + "-" + args.slot());
      startLoadReports(controlChannel);
      return SERVING;
    }

    /** LOAD every second on the control channel, for the launcher's scoreboard (DESIGN: Child). */
    private void startLoadReports(ControlChannel controlChannel) {
      Thread reporter =
          new Thread(
              () -> {
                while (controlChannel.sendLoad(server.load())
                    && controlChannel.send(server.hostCounters().message())) {
                  try {
                    Thread.sleep(LOAD_INTERVAL.toMillis());
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "perchild-load-" + args.label() + "-" + args.slot());
      reporter.setDaemon(true);
      reporter.start();
    }

    @Override
    public void stop() {
      LOG.info("child {}: STOP from the launcher, stopping gracefully", args.slot());
      int code = EXIT_NORMAL;
      try {
        // Connections already handed over but not yet read from the channel are served too.
        if (receiver != null && !receiver.awaitEnd(HANDOFF_DRAIN)) {
          LOG.warn(
              "child {}: the hand-off channel did not end within {}", args.slot(), HANDOFF_DRAIN);
        }
        // Jetty's graceful stop answers 503 to a request that has not reached a handler yet, and
        // a connection just handed over may not have: let every connection this child already
        // has finish first (a keep-alive one ends at its idle timeout), within a bound.
        awaitConnectionsClosed(CONNECTIONS_DRAIN);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        server.stop();
      } catch (Exception e) {
        LOG.error("child {}: Jetty did not stop cleanly", args.slot(), e);
        code = EXIT_CRASH;
      }
      deleteWorkDirectory();
      LOG.info("child {} stopped", args.slot());
      System.exit(code);
    }

    @Override
    public void launcherGone() {
      LOG.warn("child {}: control channel closed, the launcher has gone; exiting", args.slot());
      deleteWorkDirectory();
      // At once: no graceful stop (the shutdown hook would run one) for a server nobody supervises.
      Runtime.getRuntime().halt(EXIT_NORMAL);
    }

    private void awaitConnectionsClosed(Duration limit) throws InterruptedException {
      if (server == null) {
        return;
      }
      long deadline = System.nanoTime() + limit.toNanos();
      while (server.connector().getInFlight() > 0 && System.nanoTime() - deadline < 0) {
        Thread.sleep(20);
      }
      int left = server.connector().getInFlight();
      if (left > 0) {
        LOG.warn("child {}: {} connections still open after {}", args.slot(), left, limit);
      }
    }

    private void deleteWorkDirectory() {
      if (workDirectory == null) {
        return;
      }
      try {
        deleteTree(workDirectory);
      } catch (IOException e) {
        LOG.warn("cannot delete {}: {}", workDirectory, e.toString());
      }
    }
  }

  /**
   * The group this child serves: the one that runs as {@code uid}/{@code gid}, a {@code
   * ChildPerUserID} group before the server's own when both match.
   */
  static Optional<ChildGroup> ownGroup(ServerConfig config, int uid, int gid) {
    return config.childGroups().stream()
        .filter(g -> g.runsAs(uid, gid))
        .min(Comparator.comparing(ChildGroup::serverDefault));
  }

  /**
   * The virtual hosts of {@code group}, and the main server if it is the server's own group: never
   * another group's (DESIGN invariant 3).
   */
  static List<VirtualHost> ownHosts(ServerConfig config, ChildGroup group) {
    List<VirtualHost> hosts = new ArrayList<>();
    for (VirtualHost host : config.virtualHosts()) {
      if (host.group().equals(group)) {
        hosts.add(host);
      }
    }
    if (group.serverDefault()) {
      hosts.add(config.mainServer());
    }
    return hosts;
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException failed)
              throws IOException {
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
