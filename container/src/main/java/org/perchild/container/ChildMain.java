package org.perchild.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.perchild.config.ChildGroup;
import org.perchild.config.ServerConfig;
import org.perchild.config.VirtualHost;
import org.perchild.config.VirtualHostTable;
import org.perchild.container.sessions.SessionFileStoreFactory;
import org.perchild.posix.FileTrees;
import org.perchild.posix.MemoryFile;
import org.perchild.posix.PrivilegeDrop;
import org.perchild.posix.PrivilegeDropException;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.ChildArguments;
import org.perchild.protocol.ChildToLauncher;
import org.perchild.protocol.ConfigCodec;
import org.perchild.protocol.ControlChannel;
import org.perchild.protocol.ExitCodes;
import org.perchild.protocol.LauncherToChild;
import org.perchild.protocol.ProcessCommand;
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
 *      │ bad          │ failed              │ unreadable / no such group /           │
 *      │              │                     │ session directory not its own          │
 *      ▼              ▼                     ▼                                      READY &lt;pid&gt;
 *   exit 2         exit 2                exit 2                                        │
 *                                     STOP ──▶ ChildProcess.drainAndStop ──▶ exit 0 ◀┤
 *                                     EOF on fd 3 ─────────────────────────▶ exit 0 ◀┘
 * </pre>
 *
 * <p>Once it has its configuration it builds one Jetty lifecycle, {@link ChildProcess}, with its
 * web applications' sessions in {@code <SessionDirectory>/<its uid>} (which must be its own, mode
 * 0700, as the launcher makes it), starts it and says READY; that lifecycle's beans do the rest,
 * and its control bean hands STOP and the end of the channel back here.
 *
 * <p>The privilege drop comes before anything else of ours runs: only the arguments are read as
 * root. A spare ({@code ChildMain --spare}, {@link SpareChild}) does more before it: it loads and
 * prepares the container's own classes and environment, never a web application's, and learns its
 * arguments and descriptors from the launcher; then it is this child, drop first. Exit codes, the
 * contract with the launcher's supervisor ({@link ExitCodes}): {@link ExitCodes#NORMAL} stopped as
 * asked or the launcher has gone; {@link ExitCodes#FATAL} bad arguments, a failed privilege drop or
 * a refused configuration, which the launcher does not answer by respawning in a loop; {@link
 * ExitCodes#CRASH} (or any other code) anything unexpected, respawned with backoff.
 */
public final class ChildMain {

  /** What {@code Run.start} returns when the child serves, not an exit code. */
  private static final int SERVING = -1;

  /** Graceful stop limit when {@code GracefulShutdownTimeout} is 0 ("no limit"). */
  private static final Duration NO_LIMIT = Duration.ofDays(1);

  private static final Logger LOG = LoggerFactory.getLogger(ChildMain.class);

  private ChildMain() {}

  /** Runs the child; exits the JVM with the codes above, never returns normally on failure. */
  public static void main(String[] argv) {
    ChildArguments args;
    if (argv.length == 1 && argv[0].equals(ProcessCommand.SPARE_ARGUMENT)) {
      args = spare();
    } else {
      try {
        args = ChildArguments.parse(argv);
      } catch (IllegalArgumentException e) {
        LOG.error("child not started: {} ({})", e.getMessage(), ChildArguments.USAGE);
        System.exit(ExitCodes.FATAL);
        return;
      }
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

  /**
   * A spare's wait ({@link SpareChild}): the arguments its assignment brings, with its descriptors
   * in place. Exits 0 when the launcher ends the channel first, and with the fatal code (which the
   * launcher does not answer by starting spares in a loop) when the assignment is unusable.
   */
  private static ChildArguments spare() {
    try {
      Optional<ChildArguments> args = SpareChild.await();
      if (args.isEmpty()) {
        Runtime.getRuntime().halt(ExitCodes.NORMAL);
      }
      return args.get();
    } catch (IOException | PrivilegeDropException | RuntimeException | LinkageError e) {
      LOG.error(
          "spare child (pid {}) not started: {}", ProcessHandle.current().pid(), e.toString());
      Runtime.getRuntime().halt(ExitCodes.FATAL);
      throw new AssertionError("halted");
    }
  }

  /**
   * Everything after the drop: read the configuration, build the lifecycle, start it, say READY.
   */
  private static final class Run implements ChildControl.Orders {
    private final ChildArguments args;
    private Path workDirectory;
    private ChildProcess child;

    /** The virtual hosts this child serves, as the records of the configuration it started with. */
    private List<VirtualHost> hosts = List.of();

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
      hosts = ownHosts(config, group.get());
      // The tenant's sessions, shared by all its children: the launcher made the directory, 0700.
      Path sessions = config.sessionDirectory(args.uid());
      try {
        SessionFileStoreFactory.checkOwn(sessions, args.uid());
      } catch (IOException e) {
        LOG.error("child slot {} not started: {}", args.slot(), e.getMessage());
        return ExitCodes.FATAL;
      }
      ControlChannel<LauncherToChild, ChildToLauncher> control =
          new ControlChannel<>(
              new SeqPacketChannel(ProcessFds.CONTROL), "the launcher", LauncherToChild::decode);
      try {
        workDirectory =
            Files.createTempDirectory(
                Path.of("/tmp"),
                "perchild-" + args.label() + "-" + args.slot() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        // Webapps' temporary files land in this child's own directory, not in a shared one.
        System.setProperty("java.io.tmpdir", workDirectory.toString());
        Duration stop = config.gracefulShutdownTimeout();
        ChildServer server =
            new ChildServer(
                "perchild-" + args.label(),
                config.threads(),
                config.virtualHostTable(),
                hosts,
                stop.isZero() ? NO_LIMIT : stop,
                workDirectory);
        server.storeSessionsIn(sessions);
        child =
            new ChildProcess(
                args.label() + "-" + args.slot(),
                server,
                new SeqPacketChannel(ProcessFds.CHILD_HANDOFF),
                control,
                config.maxRequestsPerChild(),
                this);
        child.start();
      } catch (Exception e) {
        LOG.error("child slot {} not started: Jetty failed to start", args.slot(), e);
        deleteWorkDirectory();
        return ExitCodes.CRASH;
      }
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
          child.server().webApps().size());
      return SERVING;
    }

    /** {@code STOP}: drain, stop gracefully and exit 0. */
    @Override
    public void stop() {
      LOG.info("child {}: STOP from the launcher, stopping gracefully", args.slot());
      int code = child.drainAndStop() ? ExitCodes.NORMAL : ExitCodes.CRASH;
      deleteWorkDirectory();
      LOG.info("child {} stopped", args.slot());
      System.exit(code);
    }

    /**
     * {@code ROUTES}: the new generation's view of this child's group. Its own hosts must be the
     * ones this child serves (the launcher kept it because they are); then the other tenants' hosts
     * in it are routed by from now on. Anything else keeps the table it has, said in the log.
     */
    @Override
    public void routes(int configFd) {
      ServerConfig fresh;
      try {
        fresh = ConfigCodec.decode(MemoryFile.readToEnd(configFd, ConfigCodec.MAX_BYTES));
      } catch (IOException | RuntimeException e) {
        LOG.warn("child {}: ROUTES unreadable, routing as before: {}", args.slot(), e.toString());
        return;
      }
      Optional<VirtualHostTable> table = keptRoutes(fresh, args.serveUid(), args.serveGid(), hosts);
      if (table.isEmpty()) {
        LOG.warn(
            "child {}: ROUTES names other hosts of this child than it serves: routing as before",
            args.slot());
        return;
      }
      child.server().routeBy(table.get());
      LOG.info(
          "child {}: routing by the new generation's {} virtual hosts",
          args.slot(),
          fresh.virtualHosts().size());
    }

    /** The control channel ended: the launcher has gone; exit 0 at once. */
    @Override
    public void launcherGone() {
      LOG.warn("child {}: control channel closed, the launcher has gone; exiting", args.slot());
      deleteWorkDirectory();
      // At once: no graceful stop (the shutdown hook would run one) for a server nobody supervises.
      Runtime.getRuntime().halt(ExitCodes.NORMAL);
    }

    private void deleteWorkDirectory() {
      if (workDirectory == null) {
        return;
      }
      try {
        FileTrees.delete(workDirectory);
      } catch (IOException e) {
        LOG.warn("cannot delete {}: {}", workDirectory, e.toString());
      }
    }
  }

  /**
   * The routing table of {@code fresh} for a child that serves {@code own} (the hosts of the
   * configuration it started with) as uid/gid {@code uid}/{@code gid}: {@code fresh}'s own hosts of
   * that group are replaced by the records of {@code own}, one for one and in order, so that the
   * child's checks ({@code own.contains(chosen)}) and its per-host parts (TLS, contexts, counters)
   * go on matching. Empty when {@code fresh}'s own hosts are not the same hosts (names, aliases,
   * addresses) as {@code own}.
   */
  static Optional<VirtualHostTable> keptRoutes(
      ServerConfig fresh, int uid, int gid, List<VirtualHost> own) {
    Optional<ChildGroup> group = ownGroup(fresh, uid, gid);
    if (group.isEmpty()) {
      return Optional.empty();
    }
    List<VirtualHost> freshOwn = ownHosts(fresh, group.get());
    if (freshOwn.size() != own.size()) {
      return Optional.empty();
    }
    for (int i = 0; i < own.size(); i++) {
      VirtualHost was = own.get(i);
      VirtualHost is = freshOwn.get(i);
      if (!java.util.Objects.equals(was.serverName(), is.serverName())
          || !was.aliases().equals(is.aliases())
          || !was.addresses().equals(is.addresses())
          || was.isMainServer() != is.isMainServer()) {
        return Optional.empty();
      }
    }
    List<VirtualHost> hostsOfFresh = new ArrayList<>();
    int next = 0;
    for (VirtualHost host : fresh.virtualHosts()) {
      hostsOfFresh.add(host.group().equals(group.get()) ? own.get(next++) : host);
    }
    VirtualHost main = group.get().serverDefault() ? own.get(own.size() - 1) : fresh.mainServer();
    return Optional.of(new VirtualHostTable(main, hostsOfFresh));
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
}
