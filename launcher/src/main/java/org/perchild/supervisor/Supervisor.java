package org.perchild.supervisor;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jnr.constants.platform.OpenFlags;
import org.perchild.config.ChildGroup;
import org.perchild.config.ConfigException;
import org.perchild.config.ConfigLoader;
import org.perchild.config.ConfigProblem;
import org.perchild.config.LoadedConfiguration;
import org.perchild.config.ServerConfig;
import org.perchild.operator.OperatorCommand;
import org.perchild.operator.OperatorReply;
import org.perchild.operator.OperatorSocket;
import org.perchild.posix.Account;
import org.perchild.posix.ChannelPair;
import org.perchild.posix.ChildProcesses;
import org.perchild.posix.Descriptors;
import org.perchild.posix.ExitStatus;
import org.perchild.posix.InheritedFd;
import org.perchild.posix.Native;
import org.perchild.posix.PosixException;
import org.perchild.posix.PosixSpawn;
import org.perchild.posix.ReceivedPacket;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.posix.SystemAccounts;
import org.perchild.protocol.ConfigurationStatus;
import org.perchild.protocol.HostTable;
import org.perchild.protocol.LoadReport;
import org.perchild.protocol.ProcessFds;
import org.perchild.protocol.Scoreboard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The root launcher's one supervisor loop (nginx's and httpd's master): it binds the sockets,
 * spawns the acceptor and the children with their channels in place, and then only reacts to
 * events, which reader threads and signal handlers put on one queue: a child said READY (so the
 * acceptor gets that child's hand-off channel), a process exited (logged; the acceptor stops
 * routing to it), a stop signal. It never reads a byte from the network.
 *
 * <pre>
 *   start ──▶ RUNNING ──TERM/INT/stop──▶ STOPPING ──all exited or timeout──▶ stopped
 * </pre>
 */
public final class Supervisor {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  /**
   * httpd's escalation for processes that do not stop when told: seconds after the stop (after
   * GracefulShutdownTimeout for a graceful stop), and the signal then sent to what is left.
   */
  private static final int[][] ESCALATION = {{3, 15}, {5, 15}, {7, 15}, {9, 9}};

  private static final List<String> JVM_FLAGS =
      List.of(
          "--add-opens",
          "java.base/sun.nio.ch=ALL-UNNAMED",
          "--enable-native-access=ALL-UNNAMED",
          "-Dorg.slf4j.simpleLogger.showDateTime=true",
          "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ");

  /** Something the loop must act on; a control-socket command also carries its reply. */
  private record Event(
      Kind kind, int slot, int pid, String text, CompletableFuture<OperatorReply> reply) {
    Event(Kind kind, int slot, int pid, String text) {
      this(kind, slot, pid, text, null);
    }
  }

  private enum Kind {
    CONTROL,
    CONTROL_EOF,
    STOP,
    GRACEFUL_STOP,
    RESTART,
    GRACEFUL,
    STATUS
  }

  private static final int ACCEPTOR = -1;

  /** The configuration in force: replaced by a graceful restart once its generation is READY. */
  private ServerConfig config;

  /** ServerLimit and ThreadLimit of the first start: they change only on a full start. */
  private final int serverLimitInForce;

  private final int threadLimitInForce;

  private final Account singleUser;
  private int generation = 1;

  /** The children of a graceful restart's new generation, until all of them are READY. */
  private final List<ChildSlot> nextGeneration = new ArrayList<>();

  private ServerConfig nextConfig;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final List<ChildSlot> children = new ArrayList<>();

  /** Children that retired (MaxRequestsPerChild) and are finishing their requests. */
  private final List<ChildSlot> retired = new ArrayList<>();

  private int errorLogFd = -1;
  private final Map<Path, Integer> childLogFds = new HashMap<>();
  private ListenSockets sockets;
  private int acceptorPid;
  private SeqPacketChannel acceptorControl;
  private boolean acceptorReady;
  private int acceptorFailures;
  private long acceptorStartedAt;
  private long acceptorRespawnAt = -1;
  private boolean stopping;
  private long stoppingSince;

  /** Seconds the escalation waits before its table starts; -1 for never (graceful, no limit). */
  private long stopGrace;

  /** Whether the graceful restart under way is a restart (HUP): the old generation is cut short. */
  private boolean hardRestart;

  private int acceptorStarts;
  private Instant serverStartedAt;
  private OperatorSocket controlSocket;

  /** The acceptor's latest COUNTERS report. */
  private Scoreboard.Counters acceptorCounters = Scoreboard.Counters.NONE;

  /** When the scoreboard was last pushed to the acceptor ({@link System#nanoTime()}). */
  private long scoreboardPushedAt;

  /** What each generation runs, and the memory files that carry it to the processes. */
  private final ConfigurationHandover handover = new ConfigurationHandover();

  private final LoadedConfiguration firstLoaded;
  private ChildArgFiles argFiles;

  /** A supervisor for this configuration; {@link #run()} starts it. */
  public Supervisor(LoadedConfiguration config) {
    this(config, null);
  }

  /**
   * A supervisor whose processes all run as {@code singleUser} instead of the configured users:
   * single-user mode, for a launcher started without root. Isolation between tenants is off.
   */
  public Supervisor(LoadedConfiguration loaded, Account singleUser) {
    this.firstLoaded = loaded;
    this.config = loaded.config();
    this.serverLimitInForce = config.serverLimit();
    this.threadLimitInForce = config.threads().threadLimit();
    this.singleUser = singleUser;
  }

  /** Runs the server until it is stopped; returns the launcher's exit code. */
  public int run() throws IOException {
    serverStartedAt = Instant.now();
    openErrorLog();
    handover.read(generation, firstLoaded);
    argFiles = ChildArgFiles.open(config.pidFile());
    LogFiles.prepare(config, singleUser);
    sockets = ListenSockets.bind(config.listeners());
    try {
      controlSocket = OperatorSocket.open(OperatorSocket.pathFor(config.pidFile()), this::submit);
    } catch (IOException e) {
      sockets.close();
      throw e;
    }
    writePidFile();
    Signal.handle(new Signal("TERM"), s -> events.add(new Event(Kind.STOP, 0, 0, "SIGTERM")));
    Signal.handle(new Signal("INT"), s -> events.add(new Event(Kind.STOP, 0, 0, "SIGINT")));
    handleSignal("HUP", Kind.RESTART);
    handleSignal("USR1", Kind.GRACEFUL);
    handleSignal("WINCH", Kind.GRACEFUL_STOP);
    try {
      startAcceptor();
      int slot = 0;
      for (ChildGroup group : config.childGroups()) {
        for (int i = 0; i < group.children(); i++) {
          ChildSlot child = new ChildSlot(++slot, group, 1);
          children.add(child);
          startChild(child);
        }
      }
      LOG.info(
          "perchild configured -- resuming normal operations: {} children, listening on {}",
          children.size(),
          config.listeners().stream().map(l -> l.address()).toList());
      loop();
      return 0;
    } finally {
      controlSocket.close();
      sockets.close();
      argFiles.close();
      Files.deleteIfExists(config.pidFile());
    }
  }

  private void loop() throws PosixException {
    int escalated = 0;
    while (true) {
      Event event;
      try {
        event = events.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (event != null) {
        handle(event);
      }
      reap();
      if (!stopping) {
        respawnDue();
        pushScoreboard();
      }
      if (stopping) {
        if (acceptorPid == 0 && everyChild().stream().allMatch(c -> c.pid == 0)) {
          LOG.info("shutdown complete: every process has exited");
          return;
        }
        long elapsed = System.nanoTime() - stoppingSince;
        if (escalated < ESCALATION.length
            && stopGrace >= 0
            && elapsed >= TimeUnit.SECONDS.toNanos(stopGrace + ESCALATION[escalated][0])) {
          escalate(ESCALATION[escalated][0] + stopGrace, ESCALATION[escalated][1]);
          escalated++;
        }
      }
    }
  }

  private void handle(Event event) {
    switch (event.kind()) {
      case STOP -> {
        if (!stopping) {
          LOG.info("caught {}, shutting down", event.text());
          stopping = true;
          stoppingSince = System.nanoTime();
          send(acceptorControl, "STOP", -1);
          for (ChildSlot child : everyChild()) {
            send(child.control, "STOP", -1);
            // The child drains its hand-off channel to its end before it stops: let it end.
            closeFd(child.handoffFd);
            child.handoffFd = -1;
          }
        }
        reply(event, OperatorReply.ok("stopping"));
      }
      case GRACEFUL_STOP -> {
        // Every child first takes what was handed to it and lets its connections finish, then
        // Jetty stops gracefully; the escalation waits GracefulShutdownTimeout (0: for ever).
        LOG.info("caught {}: graceful stop", event.text());
        if (!stopping) {
          long grace = config.gracefulShutdownTimeout().toSeconds();
          stopGrace = grace == 0 ? -1 : grace;
        }
        handle(new Event(Kind.STOP, 0, 0, event.text()));
        reply(event, OperatorReply.ok("graceful stop: stopping"));
      }
      // httpd's restart: like a graceful one, but the old generation is cut short.
      case RESTART -> {
        hardRestart = true;
        reply(event, gracefulRestart(event.text()));
      }
      case GRACEFUL -> {
        hardRestart = false;
        reply(event, gracefulRestart(event.text()));
      }
      case STATUS -> {
        HostTable hosts = new HostTable();
        for (ChildSlot child : children) {
          if (child.pid != 0) {
            hosts.add(child.hosts);
          }
        }
        ConfigurationStatus configurations =
            handover.status(ConfigurationHandover.generationsOf(children));
        if (event.text().equals("json")) {
          // The scoreboard's object, with the per-host rows as one more member, and what each
          // group runs in the launcher's object (its first '}': the launcher's is flat).
          String json = scoreboard().json();
          int launcherEnd = json.indexOf('}');
          json =
              json.substring(0, launcherEnd)
                  + ",\"configurations\":"
                  + configurations.json()
                  + json.substring(launcherEnd);
          int end = json.lastIndexOf('}');
          reply(
              event,
              OperatorReply.ok(json.substring(0, end) + ",\"hosts\":" + hosts.json() + "}\n"));
        } else {
          reply(
              event, OperatorReply.ok(scoreboard().text() + hosts.text() + configurations.text()));
        }
      }
      case CONTROL_EOF -> LOG.debug("control channel of {} closed", who(event.slot()));
      case CONTROL -> control(event.slot(), event.pid(), event.text());
    }
  }

  /** A control-socket command, from its thread: the loop acts on it and completes the reply. */
  private CompletableFuture<OperatorReply> submit(OperatorCommand command) {
    CompletableFuture<OperatorReply> reply = new CompletableFuture<>();
    String who = "-k " + command.line();
    Event event =
        switch (command) {
          case STOP -> new Event(Kind.STOP, 0, 0, who, reply);
          case GRACEFUL_STOP -> new Event(Kind.GRACEFUL_STOP, 0, 0, who, reply);
          case RESTART -> new Event(Kind.RESTART, 0, 0, who, reply);
          case GRACEFUL -> new Event(Kind.GRACEFUL, 0, 0, who, reply);
          case STATUS -> new Event(Kind.STATUS, 0, 0, "text", reply);
          case STATUS_JSON -> new Event(Kind.STATUS, 0, 0, "json", reply);
        };
    events.add(event);
    return reply;
  }

  private static void reply(Event event, OperatorReply reply) {
    if (event.reply() != null) {
      event.reply().complete(reply);
    }
  }

  /** httpd's signals: they only enqueue, the loop acts. */
  private void handleSignal(String name, Kind kind) {
    try {
      Signal.handle(new Signal(name), s -> events.add(new Event(kind, 0, 0, "SIG" + name)));
    } catch (IllegalArgumentException e) {
      LOG.warn("cannot handle SIG{}: {}", name, e.getMessage());
    }
  }

  /**
   * Every second, the scoreboard to the acceptor, which renders {@code /server-status} and {@code
   * /metrics} from it: the acceptor may not ask the launcher anything (DESIGN invariant 6: state
   * flows as messages).
   */
  private void pushScoreboard() {
    long now = System.nanoTime();
    if (!acceptorReady || now - scoreboardPushedAt < TimeUnit.SECONDS.toNanos(1)) {
      return;
    }
    scoreboardPushedAt = now;
    send(acceptorControl, scoreboard().message(), -1);
  }

  /** The scoreboard of {@code perchild status}, from the slots as this thread sees them. */
  private Scoreboard scoreboard() {
    Instant now = Instant.now();
    long nanos = System.nanoTime();
    List<Scoreboard.Child> rows = new ArrayList<>();
    for (ChildSlot child : children) {
      Scoreboard.State state =
          child.pid == 0
              ? Scoreboard.State.GONE
              : child.retiring
                  ? Scoreboard.State.RETIRING
                  : child.ready ? Scoreboard.State.READY : Scoreboard.State.STARTING;
      rows.add(row(child, state, child.pid == 0 ? LoadReport.NONE : child.load, now, nanos));
    }
    for (ChildSlot child : retired) {
      rows.add(row(child, Scoreboard.State.RETIRING, LoadReport.NONE, now, nanos));
    }
    Scoreboard.Acceptor acceptor =
        new Scoreboard.Acceptor(
            acceptorPid,
            acceptorPid == 0
                ? Scoreboard.State.GONE
                : acceptorReady ? Scoreboard.State.READY : Scoreboard.State.STARTING,
            acceptorPid == 0 ? null : now.minusNanos(nanos - acceptorStartedAt),
            Math.max(0, acceptorStarts - 1),
            acceptorCounters);
    return new Scoreboard(
        now,
        ProcessHandle.current().pid(),
        serverStartedAt,
        acceptor,
        rows,
        config.threads().maxThreadsPerChild());
  }

  private Scoreboard.Child row(
      ChildSlot child, Scoreboard.State state, LoadReport load, Instant now, long nanos) {
    Account user = singleUser != null ? singleUser : child.group.user();
    String group = singleUser != null ? "#" + singleUser.primaryGid() : child.group.group().name();
    return new Scoreboard.Child(
        child.slot,
        child.pid,
        user.name(),
        group,
        child.generation,
        state,
        child.pid == 0 ? null : now.minusNanos(nanos - child.startedAt),
        Math.max(0, child.starts - 1),
        load);
  }

  private void control(int slot, int pid, String text) {
    String word = text.split(" ")[0];
    if (word.equals("READY")) {
      argFiles.release(pid); // its java read its options long ago
    }
    if (slot == ACCEPTOR) {
      if (word.equals("READY") && pid == acceptorPid) {
        acceptorReady = true;
        LOG.info("acceptor ready: pid {}", acceptorPid);
        for (ChildSlot child : children) {
          announce(child);
        }
      } else if (word.equals("COUNTERS") && pid == acceptorPid) {
        try {
          acceptorCounters = Scoreboard.Counters.parse(text.split(" "), 1);
        } catch (IllegalArgumentException e) {
          LOG.warn("the acceptor (pid {}) sent a bad COUNTERS: {}: {}", pid, text, e.getMessage());
        }
      } else {
        LOG.warn("the acceptor (pid {}) said something unexpected: {}", pid, text);
      }
      return;
    }
    if (word.equals("LOAD")) {
      load(slot, pid, text);
      return;
    }
    if (word.equals("HOSTS")) {
      ChildSlot reporting = slotNumbered(slot);
      if (reporting != null && reporting.pid == pid) {
        try {
          reporting.hosts = HostTable.parse(text);
        } catch (IllegalArgumentException e) {
          LOG.warn("child {} (pid {}) sent a bad HOSTS: {}: {}", slot, pid, text, e.getMessage());
        }
      }
      return;
    }
    ChildSlot child = slotNumbered(slot);
    if (child == null) {
      LOG.debug("child {} (pid {}) is no longer current: {}", slot, pid, text);
      return;
    }
    if (nextGeneration.contains(child)) {
      if (word.equals("READY") && pid == child.pid) {
        child.ready = true;
        LOG.info("child {} ready: pid {}, gen {}", slot, pid, child.generation);
        if (nextGeneration.stream().allMatch(c -> c.ready)) {
          switchGeneration();
        }
      }
      return;
    }
    ChildSlot successor = child.successor;
    if (word.equals("READY") && pid == child.pid) {
      child.ready = true;
      LOG.info("child {} ready: pid {}", slot, child.pid);
      announce(child);
    } else if (word.equals("READY") && successor != null && pid == successor.pid) {
      LOG.info("child {} ready: pid {}, replacing retiring pid {}", slot, pid, child.pid);
      takeOver(child);
    } else if (word.equals("RETIRING") && pid == child.pid && !child.retiring && !stopping) {
      child.retiring = true;
      LOG.info(
          "child {} retiring: pid {} has served MaxRequestsPerChild {} connections; starting"
              + " its replacement first",
          slot,
          pid,
          config.maxRequestsPerChild());
      startSuccessor(child);
    } else {
      LOG.warn("child {} (pid {}) said something unexpected: {}", slot, pid, text);
    }
  }

  /** A child's LOAD: kept for the slot whose current process sent it; a retiring one's dropped. */
  private void load(int slot, int pid, String text) {
    ChildSlot child = slotNumbered(slot);
    if (child == null || child.pid != pid) {
      return;
    }
    try {
      child.load = LoadReport.parse(text.split(" "), 1);
    } catch (IllegalArgumentException e) {
      LOG.warn("child {} (pid {}) sent a bad LOAD: {}: {}", slot, pid, text, e.getMessage());
    }
  }

  private ChildSlot slotNumbered(int slot) {
    for (ChildSlot child : children) {
      if (child.slot == slot) {
        return child;
      }
    }
    for (ChildSlot child : nextGeneration) {
      if (child.slot == slot) {
        return child;
      }
    }
    return null;
  }

  /**
   * A graceful restart (httpd's USR1): read the configuration again; if it is refused, say why and
   * go on serving the running one. Else start a new generation of children for it and, once every
   * one of them is READY, switch the acceptor to it in one go (see {@link #switchGeneration()});
   * the old generation then finishes its requests and exits.
   */
  private OperatorReply gracefulRestart(String why) {
    if (stopping) {
      return OperatorReply.error("the server is stopping");
    }
    if (!nextGeneration.isEmpty()) {
      LOG.warn("caught {}: a graceful restart is already under way", why);
      return OperatorReply.error("a graceful restart is already under way");
    }
    ServerConfig fresh;
    try {
      LoadedConfiguration loaded =
          new ConfigLoader(new SystemAccounts())
              .loadSource(config.serverRoot(), config.configFile());
      fresh = loaded.config();
      handover.read(generation + 1, loaded);
    } catch (ConfigException e) {
      for (ConfigProblem problem : e.problems()) {
        LOG.error("graceful restart refused, still serving the running configuration: {}", problem);
      }
      return OperatorReply.error("the configuration is refused:\n" + e.getMessage());
    }
    for (ConfigProblem warning : fresh.warnings()) {
      LOG.warn("{}", warning);
    }
    List<String> refusals = new ArrayList<>();
    if (!addresses(fresh).equals(addresses(config))) {
      refusals.add(
          "the Listen directives changed ("
              + addresses(config)
              + " to "
              + addresses(fresh)
              + "): that takes a full restart");
    }
    // As httpd: ServerLimit and ThreadLimit change only on a full start. A new value is
    // warned about and the running one stays the ceiling; only a configuration that needs more
    // than the running ceiling is refused.
    if (fresh.serverLimit() != serverLimitInForce) {
      LOG.warn(
          "ServerLimit changed from {} to {}: it changes only on a full start; {} stays in force",
          serverLimitInForce,
          fresh.serverLimit(),
          serverLimitInForce);
      if (fresh.numServers() > serverLimitInForce) {
        refusals.add(
            "NumServers "
                + fresh.numServers()
                + " is above the running ServerLimit "
                + serverLimitInForce);
      }
    }
    if (fresh.threads().threadLimit() != threadLimitInForce) {
      LOG.warn(
          "ThreadLimit changed from {} to {}: it changes only on a full start; {} stays in force",
          threadLimitInForce,
          fresh.threads().threadLimit(),
          threadLimitInForce);
      if (fresh.threads().maxThreadsPerChild() > threadLimitInForce) {
        refusals.add(
            "MaxThreadsPerChild "
                + fresh.threads().maxThreadsPerChild()
                + " is above the running ThreadLimit "
                + threadLimitInForce);
      }
    }
    if (!refusals.isEmpty()) {
      for (String refusal : refusals) {
        LOG.warn("graceful restart refused, still serving the running configuration: {}", refusal);
      }
      return OperatorReply.error(String.join("\n", refusals));
    }
    try {
      LogFiles.prepare(fresh, singleUser);
    } catch (IOException e) {
      LOG.error(
          "graceful restart refused, still serving the running configuration: {}", e.getMessage());
      return OperatorReply.error(e.getMessage());
    }
    int nextGen = generation + 1;
    LOG.info("caught {}: graceful restart, starting generation {}", why, nextGen);
    // The new generation opens its error logs anew: after logrotate, the new files.
    closeChildLogs();
    int slot = 0;
    for (ChildSlot child : everyChild()) {
      slot = Math.max(slot, child.slot);
    }
    nextConfig = fresh;
    for (ChildGroup group : fresh.childGroups()) {
      for (int i = 0; i < group.children(); i++) {
        ChildSlot child = new ChildSlot(++slot, group, nextGen);
        nextGeneration.add(child);
        try {
          startChild(child);
        } catch (IOException | RuntimeException e) {
          LOG.error(
              "graceful restart abandoned: could not start child {}: {}", child.slot, e.toString());
          abandonGeneration();
          return OperatorReply.error("could not start child " + child.slot + ": " + e);
        }
      }
    }
    if (nextGeneration.isEmpty()) {
      switchGeneration();
    }
    return OperatorReply.ok("graceful restart: starting generation " + nextGen);
  }

  private static List<String> addresses(ServerConfig config) {
    return config.listeners().stream().map(l -> l.address() + " " + l.protocol()).toList();
  }

  /**
   * Every child of the new generation is READY: the acceptor reads the configuration again and gets
   * the new children, then loses the old ones, in this order, so that every moment has a child for
   * every group; the old generation finishes what it has and exits.
   */
  private void switchGeneration() {
    generation = nextGeneration.isEmpty() ? generation + 1 : nextGeneration.get(0).generation;
    config = nextConfig;
    nextConfig = null;
    reloadAcceptor();
    List<ChildSlot> old = new ArrayList<>(children);
    children.clear();
    children.addAll(nextGeneration);
    nextGeneration.clear();
    for (ChildSlot child : children) {
      announce(child);
    }
    for (ChildSlot child : old) {
      if (child.announced) {
        send(acceptorControl, "GONE " + child.slot, -1);
      }
      retire(child);
      if (child.successor != null) {
        retire(child.successor);
      }
      if (hardRestart) {
        // A restart does not wait for the old generation's requests.
        signal(child.pid, 9);
        if (child.successor != null) {
          signal(child.successor.pid, 9);
        }
      }
    }
    LOG.info(
        "generation {} serves: {} children; the old generation {}",
        generation,
        children.size(),
        hardRestart ? "is stopped at once" : "finishes its requests");
  }

  /** RELOAD to the acceptor, with the new configuration in a memory file of its own. */
  private void reloadAcceptor() {
    if (acceptorControl == null) {
      return; // the acceptor that starts next gets the new one at its spawn
    }
    int fd;
    try {
      fd = ConfigurationHandover.acceptorFile(config);
    } catch (PosixException e) {
      LOG.error("the acceptor keeps routing by the old configuration: {}", e.getMessage());
      return;
    }
    send(acceptorControl, "RELOAD", fd);
    closeFd(fd);
  }

  /** Tells a child of an old generation to finish what it has and stop. */
  private void retire(ChildSlot child) {
    closeFd(child.handoffFd);
    child.handoffFd = -1;
    if (child.pid != 0) {
      send(child.control, "STOP", -1);
      retired.add(child);
    }
  }

  /** A child of the new generation failed before READY: the old generation keeps serving. */
  private void abandonGeneration() {
    for (ChildSlot child : nextGeneration) {
      closeFd(child.handoffFd);
      child.handoffFd = -1;
      if (child.pid != 0) {
        send(child.control, "STOP", -1);
        retired.add(child);
      }
    }
    nextGeneration.clear();
    nextConfig = null;
  }

  /**
   * The successor of a retiring child is READY: the acceptor stops routing to the old process and
   * starts routing to the new one, and the old one is told to finish what it has and stop.
   */
  private void takeOver(ChildSlot slot) {
    ChildSlot old = new ChildSlot(slot.slot, slot.group, slot.generation);
    old.pid = slot.pid;
    old.control = slot.control;
    // No GONE before the CHILD that follows: a CHILD for a slot the acceptor has replaces it in
    // one step (the acceptor closes the old channel), so there is no moment without a child.
    // Once the acceptor and the launcher have closed their copies, the old child reads its
    // hand-off channel to the end: every connection already handed to it is served.
    closeFd(slot.handoffFd);
    send(old.control, "STOP", -1);
    retired.add(old);
    ChildSlot next = slot.successor;
    slot.pid = next.pid;
    slot.control = next.control;
    slot.handoffFd = next.handoffFd;
    slot.startedAt = next.startedAt;
    slot.load = next.load;
    slot.ready = true;
    slot.announced = false;
    slot.retiring = false;
    slot.successor = null;
    slot.successorDueAt = -1;
    slot.failures = 0;
    if (!announce(slot) && acceptorReady) {
      LOG.warn("child {}: the acceptor could not be told of its replacement", slot.slot);
    }
  }

  private void startSuccessor(ChildSlot slot) {
    ChildSlot successor = new ChildSlot(slot.slot, slot.group, slot.generation);
    try {
      startChild(successor);
      slot.successor = successor;
    } catch (IOException | RuntimeException e) {
      slot.failures++;
      LOG.error("could not start the replacement of child {}: {}", slot.slot, e.toString());
      slot.successorDueAt =
          System.nanoTime() + RespawnBackoff.delay(slot.failures, false).toNanos();
    }
  }

  /** The current process of every slot, their successors, and the retired ones still running. */
  private List<ChildSlot> everyChild() {
    List<ChildSlot> all = new ArrayList<>(children);
    for (ChildSlot child : children) {
      if (child.successor != null) {
        all.add(child.successor);
      }
    }
    all.addAll(retired);
    all.addAll(nextGeneration);
    return all;
  }

  /** Gives the acceptor a READY child's hand-off channel, once both are ready. */
  private boolean announce(ChildSlot child) {
    if (!acceptorReady || !child.ready || child.announced || child.pid == 0 || stopping) {
      return false;
    }
    String message =
        "CHILD " + child.slot + " " + child.group.user().uid() + " " + child.group.group().gid();
    if (send(acceptorControl, message, child.handoffFd)) {
      child.announced = true;
    }
    return child.announced;
  }

  private boolean send(SeqPacketChannel channel, String text, int fd) {
    if (channel == null) {
      return false;
    }
    try {
      channel.send(text.getBytes(StandardCharsets.UTF_8), fd);
      return true;
    } catch (PosixException e) {
      LOG.warn("could not send '{}': {}", text, e.getMessage());
      return false;
    }
  }

  private void reap() throws PosixException {
    while (true) {
      ExitStatus status;
      try {
        status = ChildProcesses.reapAny();
      } catch (PosixException e) {
        return; // ECHILD: nothing left to reap
      }
      if (status.state() == ExitStatus.State.RUNNING) {
        return;
      }
      exited(status);
    }
  }

  private void exited(ExitStatus status) {
    argFiles.release(status.pid());
    if (status.pid() == acceptorPid) {
      acceptorPid = 0;
      acceptorReady = false;
      closeQuietly(acceptorControl);
      acceptorControl = null;
      // A new acceptor must be told every ready child again.
      for (ChildSlot child : children) {
        child.announced = false;
      }
      if (stopping) {
        LOG.info("acceptor exited: {}", status);
        return;
      }
      acceptorFailures = healthy(acceptorStartedAt) ? 1 : acceptorFailures + 1;
      Duration delay = RespawnBackoff.delay(acceptorFailures, status.exitedWith(2));
      LOG.warn(
          "acceptor exited: {}; starting a new one in {} ms (the listen sockets stay open)",
          status,
          delay.toMillis());
      acceptorRespawnAt = System.nanoTime() + delay.toNanos();
      return;
    }
    for (ChildSlot retiredChild : retired) {
      if (retiredChild.pid == status.pid()) {
        LOG.info("child {} (retired) exited: {}", retiredChild.slot, status);
        closeQuietly(retiredChild.control);
        retired.remove(retiredChild);
        return;
      }
    }
    for (ChildSlot child : nextGeneration) {
      if (child.pid == status.pid()) {
        child.pid = 0;
        closeQuietly(child.control);
        LOG.error(
            "graceful restart abandoned: child {} of generation {} exited before it was ready: {};"
                + " the running generation keeps serving",
            child.slot,
            child.generation,
            status);
        abandonGeneration();
        return;
      }
    }
    for (ChildSlot child : children) {
      ChildSlot successor = child.successor;
      if (successor != null && successor.pid == status.pid()) {
        closeQuietly(successor.control);
        closeFd(successor.handoffFd);
        child.successor = null;
        if (stopping) {
          LOG.info("child {} (replacement) exited: {}", child.slot, status);
          return;
        }
        child.failures++;
        Duration delay = RespawnBackoff.delay(child.failures, status.exitedWith(2));
        LOG.warn(
            "the replacement of child {} exited before it was ready: {}; trying again in {} ms",
            child.slot,
            status,
            delay.toMillis());
        child.successorDueAt = System.nanoTime() + delay.toNanos();
        return;
      }
      if (child.pid == status.pid()) {
        child.pid = 0;
        child.ready = false;
        if (child.announced) {
          send(acceptorControl, "GONE " + child.slot, -1);
          child.announced = false;
        }
        closeQuietly(child.control);
        child.control = null;
        closeFd(child.handoffFd);
        child.handoffFd = -1;
        if (stopping) {
          if (status.exitedWith(0)) {
            LOG.info("child {} exited: {}", child.slot, status);
          } else {
            LOG.warn("child {} exited: {}", child.slot, status);
          }
          return;
        }
        if (child.successor != null) {
          // Its replacement is already on the way: it takes the slot when READY.
          LOG.warn("child {} exited: {}; its replacement is starting", child.slot, status);
          ChildSlot next = child.successor;
          child.successor = null;
          child.retiring = false;
          child.pid = next.pid;
          child.control = next.control;
          child.handoffFd = next.handoffFd;
          child.startedAt = next.startedAt;
          return;
        }
        child.failures = healthy(child.startedAt) ? 1 : child.failures + 1;
        boolean fatal = status.exitedWith(2);
        Duration delay = RespawnBackoff.delay(child.failures, fatal);
        LOG.warn(
            "child {} exited: {}{}; starting it again in {} ms",
            child.slot,
            status,
            fatal ? " (fatal: see the lines above)" : "",
            delay.toMillis());
        child.respawnAt = System.nanoTime() + delay.toNanos();
        return;
      }
    }
  }

  /** Whether a process started at {@code startedAt} ran long enough to count as healthy. */
  private static boolean healthy(long startedAt) {
    return System.nanoTime() - startedAt >= RespawnBackoff.HEALTHY_AFTER.toNanos();
  }

  /** Starts again what died and whose wait is over. */
  private void respawnDue() {
    long now = System.nanoTime();
    if (acceptorPid == 0 && acceptorRespawnAt != -1 && now - acceptorRespawnAt >= 0) {
      acceptorRespawnAt = -1;
      try {
        startAcceptor();
      } catch (IOException | RuntimeException e) {
        acceptorFailures++;
        LOG.error("could not start the acceptor: {}", e.toString());
        acceptorRespawnAt = now + RespawnBackoff.delay(acceptorFailures, false).toNanos();
      }
    }
    for (ChildSlot child : children) {
      if (child.retiring
          && child.successor == null
          && child.successorDueAt != -1
          && now - child.successorDueAt >= 0) {
        child.successorDueAt = -1;
        startSuccessor(child);
      }
      if (child.pid == 0 && child.respawnAt != -1 && now - child.respawnAt >= 0) {
        child.respawnAt = -1;
        try {
          startChild(child);
        } catch (IOException | RuntimeException e) {
          child.failures++;
          LOG.error("could not start child {}: {}", child.slot, e.toString());
          child.respawnAt = now + RespawnBackoff.delay(child.failures, false).toNanos();
        }
      }
    }
  }

  /** Signals every process that has not stopped yet, as httpd's escalation does. */
  private void escalate(long seconds, int signal) {
    String name = signal == 9 ? "SIGKILL" : "SIGTERM";
    for (ChildSlot child : everyChild()) {
      if (child.pid != 0) {
        LOG.warn(
            "child {} (pid {}) has not stopped after {} s: {}",
            child.slot,
            child.pid,
            seconds,
            name);
        signal(child.pid, signal);
      }
    }
    if (acceptorPid != 0) {
      LOG.warn("acceptor (pid {}) has not stopped after {} s: {}", acceptorPid, seconds, name);
      signal(acceptorPid, signal);
    }
  }

  private static void signal(int pid, int signal) {
    if (pid <= 0) {
      return; // never 0 or -1: that would signal a whole process group, or everything
    }
    try {
      ChildProcesses.signal(pid, signal);
    } catch (PosixException e) {
      LOG.warn("kill({}, {}): {}", pid, signal, e.getMessage());
    }
  }

  // ---------------------------------------------------------------- spawning

  private void startAcceptor() throws PosixException {
    ChannelPair control = ChannelPair.open();
    List<InheritedFd> fds = new ArrayList<>(standardFds());
    fds.add(new InheritedFd(control.childFd(), ProcessFds.CONTROL));
    int configFd = ConfigurationHandover.acceptorFile(config);
    fds.add(new InheritedFd(configFd, ProcessFds.ACCEPTOR_CONFIG));
    List<Integer> listenFds = sockets.fds();
    for (int i = 0; i < listenFds.size(); i++) {
      fds.add(new InheritedFd(listenFds.get(i), ProcessFds.ACCEPTOR_FIRST_LISTENER + i));
    }
    Account user = singleUser != null ? singleUser : config.user();
    int gid = singleUser != null ? singleUser.primaryGid() : config.group().gid();
    List<String> argv =
        new ArrayList<>(java(List.of("-Xmx64m", "-XX:+UseSerialGC"), ProcessClassPath.acceptor()));
    argv.add("org.perchild.acceptor.AcceptorMain");
    argv.addAll(common(user.name(), user.uid(), gid));
    argv.add("--listeners");
    argv.add(Integer.toString(listenFds.size()));
    try {
      acceptorPid = PosixSpawn.spawn(argv.get(0), argv, environment(user), fds);
    } finally {
      closeFd(configFd);
    }
    acceptorStartedAt = System.nanoTime();
    acceptorStarts++;
    Descriptors.close(control.childFd());
    acceptorControl = new SeqPacketChannel(control.parentFd());
    readControl(acceptorControl, ACCEPTOR, acceptorPid);
    LOG.info(
        "acceptor started: pid {}, user {}, group {}",
        acceptorPid,
        user.name(),
        singleUser != null ? "#" + gid : config.group().name());
  }

  private void startChild(ChildSlot child) throws IOException {
    ChannelPair control = ChannelPair.open();
    ChannelPair handoff = ChannelPair.open();
    int logFd = childLogFd(configOf(child), child.group);
    List<InheritedFd> fds =
        new ArrayList<>(List.of(new InheritedFd(logFd, 1), new InheritedFd(logFd, 2)));
    fds.add(new InheritedFd(control.childFd(), ProcessFds.CONTROL));
    fds.add(new InheritedFd(handoff.childFd(), ProcessFds.CHILD_HANDOFF));
    ChildGroup group = child.group;
    Account user = singleUser != null ? singleUser : group.user();
    int gid = singleUser != null ? singleUser.primaryGid() : group.group().gid();
    // Not on the command line, which every user can read: in a root-only file java reads first.
    Path argFile = argFiles.write(child.slot, group.javaOptions());
    int configFd = ConfigurationHandover.childFile(configOf(child), group);
    fds.add(new InheritedFd(configFd, ProcessFds.CHILD_CONFIG));
    List<String> argv =
        new ArrayList<>(
            java(argFile == null ? List.of() : List.of("@" + argFile), ProcessClassPath.child()));
    argv.add("org.perchild.container.ChildMain");
    argv.addAll(common(user.name(), user.uid(), gid));
    if (singleUser != null) {
      // The child finds its virtual hosts by the group it serves, not by who it runs as.
      argv.addAll(
          List.of(
              "--serve-uid",
              Integer.toString(group.user().uid()),
              "--serve-gid",
              Integer.toString(group.group().gid())));
    }
    argv.addAll(
        List.of(
            "--slot",
            Integer.toString(child.slot),
            "--generation",
            Integer.toString(child.generation)));
    try {
      child.pid = PosixSpawn.spawn(argv.get(0), argv, environment(user), fds);
      argFiles.spawned(child.pid, argFile);
    } catch (PosixException | RuntimeException e) {
      argFiles.delete(argFile);
      throw e;
    } finally {
      closeFd(configFd);
    }
    child.startedAt = System.nanoTime();
    child.load = LoadReport.NONE;
    child.hosts = java.util.Map.of();
    child.starts++;
    Descriptors.close(control.childFd());
    Descriptors.close(handoff.childFd());
    child.control = new SeqPacketChannel(control.parentFd());
    child.handoffFd = handoff.parentFd();
    readControl(child.control, child.slot, child.pid);
    LOG.info(
        "child {} started: pid {}, gen {}, user {}, group {}",
        child.slot,
        child.pid,
        child.generation,
        user.name(),
        singleUser != null ? "#" + gid : group.group().name());
  }

  /**
   * The descriptor a child's standard output and error go to: its group's {@code ErrorLog} (the
   * tenant's own file, prepared by {@link LogFiles}), or the main one. Opened once per file; a
   * graceful restart opens them again, so that a log moved away by logrotate is left behind.
   */
  private int childLogFd(ServerConfig config, ChildGroup group) throws PosixException {
    Path path = config.childErrorLog(group).toAbsolutePath().normalize();
    if (path.equals(config.mainServer().errorLog().toAbsolutePath().normalize())) {
      return errorLogFd;
    }
    Integer open = childLogFds.get(path);
    if (open != null) {
      return open;
    }
    int flags =
        OpenFlags.O_WRONLY.intValue()
            | OpenFlags.O_APPEND.intValue()
            | OpenFlags.O_CLOEXEC.intValue();
    int fd = Native.posix().open(path.toString(), flags, 0);
    if (fd < 0) {
      throw new PosixException("open(" + path + ")", Native.posix().errno());
    }
    childLogFds.put(path, fd);
    return fd;
  }

  /** The configuration a child belongs to: a graceful restart's new one for its new generation. */
  private ServerConfig configOf(ChildSlot child) {
    return nextConfig != null && child.generation > generation ? nextConfig : config;
  }

  private void closeChildLogs() {
    for (int fd : childLogFds.values()) {
      closeFd(fd);
    }
    childLogFds.clear();
  }

  private List<InheritedFd> standardFds() {
    return List.of(new InheritedFd(errorLogFd, 1), new InheritedFd(errorLogFd, 2));
  }

  private static List<String> java(List<String> options, String classPath) {
    List<String> argv = new ArrayList<>();
    argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    argv.addAll(options);
    argv.addAll(JVM_FLAGS);
    argv.add("-cp");
    argv.add(classPath);
    return argv;
  }

  private List<String> common(String user, int uid, int gid) {
    return List.of(
        "--server-root",
        config.serverRoot().toString(),
        "--config",
        config.configFile().toString(),
        "--user",
        user,
        "--uid",
        Integer.toString(uid),
        "--gid",
        Integer.toString(gid));
  }

  /** A clean environment: nothing of root's leaks into a tenant's process. */
  private static List<String> environment(Account user) {
    return List.of(
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "HOME=" + user.home(),
        "USER=" + user.name(),
        "LOGNAME=" + user.name(),
        "LANG=C.UTF-8");
  }

  private void readControl(SeqPacketChannel channel, int slot, int pid) {
    Thread reader =
        new Thread(
            () -> {
              try {
                while (true) {
                  ReceivedPacket packet = channel.receive(4096);
                  if (packet.isEndOfStream()) {
                    events.add(new Event(Kind.CONTROL_EOF, slot, pid, ""));
                    return;
                  }
                  if (packet.hasFd()) {
                    Descriptors.close(packet.fd());
                  }
                  events.add(
                      new Event(
                          Kind.CONTROL,
                          slot,
                          pid,
                          new String(packet.payload(), StandardCharsets.UTF_8)));
                }
              } catch (IOException e) {
                events.add(new Event(Kind.CONTROL_EOF, slot, pid, e.getMessage()));
              }
            },
            "control-" + (slot == ACCEPTOR ? "acceptor" : "child-" + slot));
    reader.setDaemon(true);
    reader.start();
  }

  private static String who(int slot) {
    return slot == ACCEPTOR ? "the acceptor" : "child " + slot;
  }

  private static void closeFd(int fd) {
    if (fd >= 0) {
      try {
        Descriptors.close(fd);
      } catch (PosixException e) {
        LOG.warn("{}", e.getMessage());
      }
    }
  }

  private static void closeQuietly(SeqPacketChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // already gone
      }
    }
  }

  // ---------------------------------------------------------------- files

  /**
   * Opens the error log for the children's and the acceptor's stdout and stderr, and copies the
   * launcher's own log lines (standard error) into it as well.
   */
  private void openErrorLog() throws IOException {
    Path log = config.mainServer().errorLog();
    Files.createDirectories(log.getParent());
    int flags =
        OpenFlags.O_WRONLY.intValue()
            | OpenFlags.O_CREAT.intValue()
            | OpenFlags.O_APPEND.intValue()
            | OpenFlags.O_CLOEXEC.intValue();
    errorLogFd = Native.posix().open(log.toString(), flags, 0640);
    if (errorLogFd < 0) {
      throw new PosixException("open(" + log + ")", Native.posix().errno());
    }
    if (standardErrorIs(log)) {
      return; // started by -k start, whose standard error is the log already
    }
    OutputStream file = new FileOutputStream(log.toFile(), true);
    PrintStream terminal = System.err;
    System.setErr(
        new PrintStream(new TeeOutputStream(terminal, file), true, StandardCharsets.UTF_8));
  }

  private static boolean standardErrorIs(Path log) {
    try {
      return Files.isSameFile(Path.of("/proc/self/fd/2"), log);
    } catch (IOException e) {
      return false;
    }
  }

  private void writePidFile() throws IOException {
    Path pidFile = config.pidFile();
    Files.createDirectories(pidFile.getParent());
    Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
  }

  /** Writes every byte to two streams: the terminal and the error log. */
  private static final class TeeOutputStream extends OutputStream {
    private final OutputStream first;
    private final OutputStream second;

    TeeOutputStream(OutputStream first, OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws IOException {
      first.write(b);
      second.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      first.write(b, off, len);
      second.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      first.flush();
      second.flush();
    }
  }
}
