package org.perchild.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.perchild.config.LoadedConfiguration;
import org.perchild.config.ServerConfig;
import org.perchild.operator.OperatorCommand;
import org.perchild.operator.OperatorReply;
import org.perchild.operator.OperatorSocket;
import org.perchild.posix.Account;
import org.perchild.posix.Accounts;
import org.perchild.posix.ExitStatus;
import org.perchild.posix.SystemAccounts;
import org.perchild.protocol.ChildToLauncher;
import org.perchild.protocol.LauncherToAcceptor;
import org.perchild.protocol.LauncherToChild;
import org.perchild.supervisor.SupervisorEvent.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The root launcher's one supervisor loop (nginx's and httpd's master). {@link #run()} binds the
 * sockets, opens the operator's socket, spawns the acceptor and the children with their channels in
 * place, and then only reacts to events, which reader threads ({@link ControlDispatch}), the
 * operator's socket and signal handlers put on one queue: a child said READY, a process exited, a
 * stop or a restart. Each turn of the loop also reaps, starts again what is due and pushes the
 * scoreboard every second. It never reads a byte from the network. {@code Perchild} (the CLI)
 * creates and runs it.
 *
 * <p>What it acts on lives in its parts: {@link AcceptorProcess}, {@link ChildTable} (the slots),
 * {@link Generations}, {@link GracefulRestart}, {@link ControlDispatch} (every control message),
 * {@link ServerStatus} and {@link StopEscalation}; processes are started through a {@link
 * ProcessSpawner} and time is read from a monotonic clock, both injected so that the unit tests can
 * play the processes and the clock.
 *
 * <pre>
 *   start ──▶ RUNNING ──TERM/INT/WINCH/stop──▶ STOPPING ──all exited (escalation: TERM 3/5/7 s, KILL 9 s)──▶ stopped
 *               │  ▲
 *               └──┘ USR1: a graceful restart (new children for the changed groups), HUP: a restart (of every group), CHILD/READY/RETIRING, exits, the 1 s tick
 * </pre>
 */
public final class Supervisor {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  private final ServerConfig initialConfig;

  /** The first generation's configuration as the launcher read it. */
  private final LoadedConfiguration initialLoaded;

  /** What each generation runs, and the memory files that carry it to the processes. */
  private final ConfigurationHandover handover = new ConfigurationHandover();

  /** The children's JVM options, in root-only files until their java has read them. */
  private ChildArgFiles argFiles;

  /** The children's class archives, and their training runs. */
  private ClassArchives archives = ClassArchives.off();

  private final Account singleUser;
  private final ProcessSpawner spawner;
  private final LongSupplier nanoTime;
  private final Accounts accounts;
  private final BlockingQueue<SupervisorEvent> events = new LinkedBlockingQueue<>();
  private final ControlDispatch dispatch = new ControlDispatch(events::add, () -> this.stopping);

  private AcceptorProcess acceptor;
  private ChildTable children;

  /** {@code ChildSpares}; null in the unit tests, whose processes are played. */
  private ChildSpares spares;

  /** Starting children first on the CPU; null in the unit tests. */
  private StartPriority priority;

  private Generations generations;
  private GracefulRestart restart;
  private OnDemandGroups onDemand;
  private ServerStatus serverStatus;

  private boolean stopping;
  private long stoppingSince;
  private StopEscalation escalation;

  /** How many steps of {@link #escalation} have been taken. */
  private int escalated;

  private Instant serverStartedAt;

  /** When the scoreboard was last pushed to the acceptor (the clock's nanoseconds). */
  private long scoreboardPushedAt;

  private long hostsReport;

  /** A supervisor for this configuration; {@link #run()} starts it. */
  public Supervisor(LoadedConfiguration config) {
    this(config, null);
  }

  /**
   * A supervisor whose processes all run as {@code singleUser} instead of the configured users:
   * single-user mode, for a launcher started without root. Isolation between tenants is off.
   */
  public Supervisor(LoadedConfiguration config, Account singleUser) {
    this(config, singleUser, ProcessSpawner.posix(), System::nanoTime, new SystemAccounts());
  }

  /**
   * A supervisor with its processes, its clock and its user database given: the unit tests' one.
   *
   * @param nanoTime a monotonic clock in nanoseconds, {@link System#nanoTime()} in a server
   * @param accounts where a graceful restart's configuration looks its users up
   */
  Supervisor(
      LoadedConfiguration config,
      Account singleUser,
      ProcessSpawner spawner,
      LongSupplier nanoTime,
      Accounts accounts) {
    this.initialLoaded = config;
    this.initialConfig = config.config();
    this.singleUser = singleUser;
    this.spawner = spawner;
    this.nanoTime = nanoTime;
    this.accounts = accounts;
  }

  /** Runs the server until it is stopped; returns the launcher's exit code. */
  public int run() throws IOException {
    serverStartedAt = Instant.now();
    ErrorLogs logs = ErrorLogs.open(initialConfig, true);
    LogFiles.prepare(initialConfig, singleUser);
    SessionDirectories.prepare(initialConfig, singleUser);
    ListenSockets sockets = ListenSockets.bind(initialConfig.listeners());
    OperatorSocket controlSocket;
    try {
      controlSocket =
          OperatorSocket.open(
              OperatorSocket.pathFor(initialConfig.pidFile()),
              new OperatorSocket.Commands() {
                @Override
                public CompletableFuture<OperatorReply> submit(OperatorCommand command) {
                  return Supervisor.this.submit(command);
                }

                @Override
                public CompletableFuture<OperatorReply> dump(int slot) {
                  return Supervisor.this.dump(slot);
                }
              });
    } catch (IOException e) {
      sockets.close();
      throw e;
    }
    writePidFile();
    Signal.handle(
        new Signal("TERM"), s -> events.add(new SupervisorEvent(Kind.STOP, 0, 0, "SIGTERM")));
    Signal.handle(
        new Signal("INT"), s -> events.add(new SupervisorEvent(Kind.STOP, 0, 0, "SIGINT")));
    handleSignal("HUP", Kind.RESTART);
    handleSignal("USR1", Kind.GRACEFUL);
    handleSignal("WINCH", Kind.GRACEFUL_STOP);
    try {
      // Reaped at once, not at the next turn up to 200 ms later: a crashed child's replacement,
      // and the held connections waiting for it, start that much sooner.
      Signal.handle(
          new Signal("CHLD"), s -> events.add(new SupervisorEvent(Kind.EXITED, 0, 0, "SIGCHLD")));
    } catch (IllegalArgumentException e) {
      LOG.debug("no SIGCHLD handler ({}): exits are reaped each turn", e.getMessage());
    }
    try {
      start(logs, sockets.fds());
      while (turn(200)) {
        // each turn acts on one event and does the maintenance
      }
      return 0;
    } finally {
      controlSocket.close();
      sockets.close();
      if (argFiles != null) {
        argFiles.close();
      }
      archives.close();
      Files.deleteIfExists(config().pidFile());
    }
  }

  /** Spawns the acceptor over {@code listenFds} and the first generation of children. */
  void start(ErrorLogs logs, List<Integer> listenFds) throws IOException {
    if (serverStartedAt == null) {
      serverStartedAt = Instant.now();
    }
    handover.read(1, initialLoaded);
    if (spawner instanceof PosixProcessSpawner) {
      // Unit tests play their processes: they have no training run to play.
      archives =
          ClassArchives.open(
              initialConfig.pidFile(),
              spawner,
              logs.errorLogFd(),
              RunAs.acceptor(initialConfig, singleUser));
    }
    argFiles = ChildArgFiles.open(initialConfig.pidFile(), archives::optionsFor);
    acceptor = new AcceptorProcess(spawner, nanoTime, dispatch, logs, listenFds, singleUser);
    children =
        new ChildTable(
            initialConfig, spawner, nanoTime, dispatch, acceptor, logs, singleUser, argFiles);
    if (spawner instanceof PosixProcessSpawner) {
      spares = new ChildSpares(spawner, argFiles, logs.errorLogFd(), nanoTime);
      children.startFrom(spares);
      priority = new StartPriority(nanoTime, singleUser == null);
      children.startWith(priority);
      dispatch.readyEnds(priority);
    }
    generations = new Generations(children, dispatch, acceptor, spawner);
    onDemand = new OnDemandGroups(children, nanoTime);
    restart =
        new GracefulRestart(
            children,
            generations,
            logs,
            accounts,
            handover,
            singleUser,
            initialConfig.serverLimit(),
            initialConfig.threads().threadLimit());
    serverStatus =
        new ServerStatus(acceptor, children, handover, nanoTime, serverStartedAt, singleUser);
    serverStatus.showSpares(spares);
    dispatch.attach(acceptor, children, generations, onDemand, argFiles);
    acceptor.start(config());
    // Before the first children, so that they use the archives there are; a training run that
    // is due starts at the next turn, after them.
    archives.trainFor(initialConfig);
    children.startFirstGeneration();
    LOG.info(
        "perchild configured -- resuming normal operations: {} children, listening on {}",
        children.current().size(),
        config().listeners().stream().map(l -> l.address()).toList());
  }

  /**
   * One turn of the loop: acts on the next event if one comes within {@code waitMillis}, reaps, and
   * then either starts again what is due and pushes the scoreboard, or, while stopping, escalates.
   *
   * @return false once the server has stopped (or the thread was interrupted)
   */
  boolean turn(long waitMillis) {
    SupervisorEvent event;
    try {
      event = events.poll(waitMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    if (event != null) {
      handle(event);
    }
    reap();
    dispatch.dumps().expire(nanoTime.getAsLong());
    if (!stopping) {
      archives.trainFor(config());
      archives.turn(System.nanoTime());
      respawnDue();
      onDemand.turn(nanoTime.getAsLong());
      if (spares != null) {
        spares.turn(config(), children.anyStarting());
      }
      if (priority != null) {
        priority.turn();
      }
      pushScoreboard();
    }
    if (stopping) {
      if (acceptor.pid() == 0 && children.everyChild().stream().allMatch(c -> c.pid == 0)) {
        LOG.info("shutdown complete: every process has exited");
        return false;
      }
      StopEscalation.Step step = escalation.due(escalated, nanoTime.getAsLong() - stoppingSince);
      if (step != null) {
        escalate(escalation.afterSeconds(step), step);
        escalated++;
      }
    }
    return true;
  }

  private void handle(SupervisorEvent event) {
    switch (event.kind()) {
      case STOP -> {
        stop(event.text(), 0);
        event.answer(OperatorReply.ok("stopping"));
      }
      case GRACEFUL_STOP -> {
        // Every child first takes what was handed to it and lets its connections finish, then
        // Jetty stops gracefully; the escalation waits GracefulShutdownTimeout (0: for ever).
        LOG.info("caught {}: graceful stop", event.text());
        long grace = config().gracefulShutdownTimeout().toSeconds();
        stop(event.text(), grace == 0 ? -1 : grace);
        event.answer(OperatorReply.ok("graceful stop: stopping"));
      }
      // httpd's restart: like a graceful one, but the old generation is cut short.
      case RESTART -> {
        generations.cutOldGenerationShort(true);
        if (spares != null) {
          // A restart picks up upgraded jars: so do the spares, started again after it.
          spares.dismissAll("a restart");
        }
        event.answer(restart.begin(event.text(), stopping));
      }
      case GRACEFUL -> {
        generations.cutOldGenerationShort(false);
        event.answer(restart.begin(event.text(), stopping));
      }
      case STATUS -> event.answer(serverStatus.reply(event.text().equals("json")));
      case DUMP ->
          dispatch
              .dumps()
              .ask(
                  event.slot(),
                  children.slotNumbered(event.slot()),
                  event.reply(),
                  nanoTime.getAsLong());
      case CONTROL_EOF ->
          LOG.debug("control channel of {} closed", ControlDispatch.who(event.slot()));
      case CONTROL -> dispatch.control(event.slot(), event.pid(), event.message());
      case EXITED -> {
        // the reap after every event finds it
      }
    }
  }

  /**
   * Tells every process to stop, unless the server is stopping already.
   *
   * @param graceSeconds seconds before the escalation starts; -1 for never
   */
  private void stop(String why, long graceSeconds) {
    if (stopping) {
      return;
    }
    LOG.info("caught {}, shutting down", why);
    stopping = true;
    stoppingSince = nanoTime.getAsLong();
    if (spares != null) {
      spares.close();
    }
    escalation = new StopEscalation(graceSeconds);
    ControlDispatch.send(acceptor.control(), new LauncherToAcceptor.Stop());
    for (ChildSlot child : children.everyChild()) {
      ControlDispatch.send(child.control, new LauncherToChild.Stop());
      // The child drains its hand-off channel to its end before it stops: let it end.
      child.closeHandoff();
    }
  }

  /** A control-socket command, from its thread: the loop acts on it and completes the reply. */
  CompletableFuture<OperatorReply> submit(OperatorCommand command) {
    CompletableFuture<OperatorReply> reply = new CompletableFuture<>();
    String who = "-k " + command.line();
    SupervisorEvent event =
        switch (command) {
          case STOP -> new SupervisorEvent(Kind.STOP, 0, 0, who, reply);
          case GRACEFUL_STOP -> new SupervisorEvent(Kind.GRACEFUL_STOP, 0, 0, who, reply);
          case RESTART -> new SupervisorEvent(Kind.RESTART, 0, 0, who, reply);
          case GRACEFUL -> new SupervisorEvent(Kind.GRACEFUL, 0, 0, who, reply);
          case STATUS -> new SupervisorEvent(Kind.STATUS, 0, 0, "text", reply);
          case STATUS_JSON -> new SupervisorEvent(Kind.STATUS, 0, 0, "json", reply);
        };
    events.add(event);
    return reply;
  }

  /** {@code dump SLOT} from the control socket's thread: the loop asks the child. */
  CompletableFuture<OperatorReply> dump(int slot) {
    CompletableFuture<OperatorReply> reply = new CompletableFuture<>();
    events.add(new SupervisorEvent(Kind.DUMP, slot, 0, "dump", reply));
    return reply;
  }

  /** httpd's signals: they only enqueue, the loop acts. */
  private void handleSignal(String name, Kind kind) {
    try {
      Signal.handle(
          new Signal(name), s -> events.add(new SupervisorEvent(kind, 0, 0, "SIG" + name)));
    } catch (IllegalArgumentException e) {
      LOG.warn("cannot handle SIG{}: {}", name, e.getMessage());
    }
  }

  /** The configuration in force. */
  private ServerConfig config() {
    return children == null ? initialConfig : children.config();
  }

  private void reap() {
    while (true) {
      Optional<ExitStatus> status = spawner.reap();
      if (status.isEmpty()) {
        return;
      }
      exited(status.get());
    }
  }

  private void exited(ExitStatus status) {
    if (archives.exited(status)) {
      return;
    }
    argFiles.release(status.pid());
    if (priority != null) {
      priority.started(status.pid());
    }
    if (spares != null && spares.exited(status)) {
      return;
    }
    if (acceptor.owns(status)) {
      acceptor.exited(status, stopping);
      children.acceptorGone();
    } else if (!children.retiredExited(status)
        && !generations.nextGenerationExited(status)
        && !(!stopping && onDemand.exited(status))) {
      children.exited(status, stopping);
    }
  }

  /** Starts again what died and whose wait is over. */
  private void respawnDue() {
    long now = nanoTime.getAsLong();
    acceptor.respawnDue(now, config());
    children.respawnDue(now);
  }

  /**
   * Every second, the scoreboard to the acceptor, which renders {@code /server-status} and {@code
   * /metrics} from it: the acceptor may not ask the launcher anything (state flows as messages:
   * docs/ARCHITECTURE.md, invariant 6).
   */
  private void pushScoreboard() {
    long now = nanoTime.getAsLong();
    if (!acceptor.ready()) {
      return;
    }
    // Right after its READY (this turn announced the ready children): it accepts once it has it.
    boolean owed = acceptor.takeScoreboardOwed();
    if (!owed && now - scoreboardPushedAt < TimeUnit.SECONDS.toNanos(1)) {
      return;
    }
    scoreboardPushedAt = now;
    ControlDispatch.send(
        acceptor.control(), new LauncherToAcceptor.Status(serverStatus.scoreboard()));
    // The per-host rows after it, in as many parts as they take.
    for (ChildToLauncher.Hosts part :
        ChildToLauncher.Hosts.split(hostsReport++, serverStatus.hosts().sums())) {
      ControlDispatch.send(acceptor.control(), new LauncherToAcceptor.Hosts(part));
    }
  }

  /** Signals every process that has not stopped yet, as httpd's escalation does. */
  private void escalate(long seconds, StopEscalation.Step step) {
    String name = step.signalName();
    for (ChildSlot child : children.everyChild()) {
      if (child.pid != 0) {
        LOG.warn(
            "child {} (pid {}) has not stopped after {} s: {}",
            child.slot,
            child.pid,
            seconds,
            name);
        spawner.signalIfRunning(child.pid, step.signal());
      }
    }
    if (acceptor.pid() != 0) {
      LOG.warn("acceptor (pid {}) has not stopped after {} s: {}", acceptor.pid(), seconds, name);
      spawner.signalIfRunning(acceptor.pid(), step.signal());
    }
  }

  private void writePidFile() throws IOException {
    Path pidFile = initialConfig.pidFile();
    Files.createDirectories(pidFile.getParent());
    Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
  }
}
