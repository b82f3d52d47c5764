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
import org.perchild.posix.PrivilegeDrop;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.ChildArguments;
import org.perchild.protocol.ChildToLauncher;
import org.perchild.protocol.ConfigCodec;
import org.perchild.protocol.ControlChannel;
import org.perchild.protocol.ExitCodes;
import org.perchild.protocol.LauncherToChild;
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
 * (the arguments are a {@link ChildArguments}) with {@link ProcessFds#CONTROL} its control channel
 * to the launcher, {@link ProcessFds#CHILD_HANDOFF} its hand-off channel from the acceptor and
 * {@link ProcessFds#CHILD_CONFIG} its configuration: a memory file the launcher wrote ({@link
 * ConfigCodec}) with this child's own part only. The child never opens a configuration file, which
 * may be root's alone.
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
 * <p>The privilege drop comes before anything else of ours runs: only the arguments are read as
 * root. Exit codes, the contract with the launcher's supervisor ({@link ExitCodes}): {@link
 * ExitCodes#NORMAL} stopped as asked or the launcher has gone; {@link ExitCodes#FATAL} bad
 * arguments, a failed privilege drop or a refused configuration, which the launcher does not answer
 * by respawning in a loop; {@link ExitCodes#CRASH} (or any other code) anything unexpected,
 * respawned with backoff.
 */
public final class ChildMain {

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

  private ChildMain() {}

  /** Runs the child; exits the JVM with the codes above, never returns normally on failure. */
  public static void main(String[] argv) {
    ChildArguments args;
    try {
      args = ChildArguments.parse(argv);
    } catch (IllegalArgumentException e) {
      LOG.error("child not started: {} ({})", e.getMessage(), ChildArguments.USAGE);
      System.exit(ExitCodes.FATAL);
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
      System.exit(ExitCodes.FATAL);
      return;
    }
    int failed = new Run(args).start();
    if (failed != SERVING) {
      System.exit(failed);
    }
    // Serving: main ends, and the control thread decides when the process exits.
  }

  /** Everything after the drop. */
  private static final class Run implements ControlChannel.Receiver<LauncherToChild> {
    private final ChildArguments args;
    private Path workDirectory;
    private ChildServer server;
    private HandoffReceiver receiver;

    Run(ChildArguments args) {
      this.args = args;
    }

    /** Starts serving and returns {@link #SERVING}, or the exit code if the child cannot. */
    int start() {
      ServerConfig config;
      try {
        config =
            ConfigCodec.decode(
                MemoryFile.readToEnd(ProcessFds.CHILD_CONFIG, ConfigCodec.MAX_BYTES));
      } catch (IOException e) {
        LOG.error(
            "child slot {} not started: cannot read its configuration from fd {}: {}",
            args.slot(),
            ProcessFds.CHILD_CONFIG,
            e.getMessage());
        return ExitCodes.FATAL;
      } catch (RuntimeException e) {
        LOG.error("child slot {} not started: cannot load the configuration", args.slot(), e);
        return ExitCodes.FATAL;
      }
      Optional<ChildGroup> group = ownGroup(config, args.serveUid(), args.serveGid());
      if (group.isEmpty()) {
        LOG.error(
            "child slot {} not started: no child group runs as uid {}, gid {} in {}",
            args.slot(),
            args.serveUid(),
            args.serveGid(),
            config.configFile());
        return ExitCodes.FATAL;
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
        return ExitCodes.CRASH;
      }
      ControlChannel<LauncherToChild, ChildToLauncher> control =
          new ControlChannel<>(
              new SeqPacketChannel(ProcessFds.CONTROL), "the launcher", LauncherToChild::decode);
      SeqPacketChannel handoff = new SeqPacketChannel(ProcessFds.CHILD_HANDOFF);
      receiver = new HandoffReceiver(handoff, server.connector());
      if (config.maxRequestsPerChild() > 0) {
        // Said on the hand-off thread, which must never wait for the control channel: queued.
        receiver.retireAfter(
            config.maxRequestsPerChild(), () -> control.sendLater(new ChildToLauncher.Retiring()));
      }
      receiver.start("perchild-handoff-" + args.label() + "-" + args.slot());
      long pid = ProcessHandle.current().pid();
      if (!control.send(new ChildToLauncher.Ready(pid))) {
        LOG.warn("cannot say READY, the launcher has gone");
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
      // Not a daemon: once main returns, this thread keeps the child alive until STOP or EOF.
      control.startReading("perchild-control-" + args.label() + "-" + args.slot(), false, this);
      startLoadReports(control);
      return SERVING;
    }

    /**
     * LOAD and HOSTS every second on the control channel, for the launcher's scoreboard. LOAD is
     * dropped if the channel is full (the next one says it again); the parts of a HOSTS report are
     * sent waiting, on this thread of their own, so that a report in several parts arrives whole.
     */
    private void startLoadReports(ControlChannel<LauncherToChild, ChildToLauncher> control) {
      Thread reporter =
          new Thread(
              () -> {
                for (long report = 1; sendReports(control, report); report++) {
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

    /** One round of reports; false once the launcher has gone. */
    private boolean sendReports(ControlChannel<LauncherToChild, ChildToLauncher> control, long n) {
      if (!control.report(new ChildToLauncher.Load(server.load()))) {
        return false;
      }
      for (ChildToLauncher.Hosts part :
          ChildToLauncher.Hosts.split(n, server.hostCounters().snapshot())) {
        if (!control.send(part)) {
          return false;
        }
      }
      return true;
    }

    @Override
    public void received(LauncherToChild message) {
      if (message instanceof LauncherToChild.Stop) {
        stop();
      }
    }

    @Override
    public void ended(String why) {
      launcherGone();
    }

    /** {@code STOP}: stop gracefully and exit 0. */
    private void stop() {
      LOG.info("child {}: STOP from the launcher, stopping gracefully", args.slot());
      int code = ExitCodes.NORMAL;
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
        code = ExitCodes.CRASH;
      }
      deleteWorkDirectory();
      LOG.info("child {} stopped", args.slot());
      System.exit(code);
    }

    /** The control channel ended: the launcher has gone; exit 0 at once. */
    private void launcherGone() {
      LOG.warn("child {}: control channel closed, the launcher has gone; exiting", args.slot());
      deleteWorkDirectory();
      // At once: no graceful stop (the shutdown hook would run one) for a server nobody supervises.
      Runtime.getRuntime().halt(ExitCodes.NORMAL);
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
   * another group's (docs/ARCHITECTURE.md, invariant 3).
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
