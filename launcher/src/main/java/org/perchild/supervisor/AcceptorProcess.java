package org.perchild.supervisor;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongSupplier;
import org.perchild.config.ServerConfig;
import org.perchild.posix.Account;
import org.perchild.posix.ChannelPair;
import org.perchild.posix.Descriptors;
import org.perchild.posix.ExitStatus;
import org.perchild.posix.PosixException;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.AcceptorToLauncher;
import org.perchild.protocol.ControlChannel;
import org.perchild.protocol.ExitCodes;
import org.perchild.protocol.LauncherToAcceptor;
import org.perchild.protocol.Scoreboard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acceptor as the launcher tracks it: its pid, the launcher's end of its control channel,
 * whether it said READY, its failures in a row and when to start it again. The {@link Supervisor}
 * starts it, routes its exit here and asks for the respawn; {@link ControlDispatch} marks it READY.
 * The listen sockets stay open in the launcher across its restarts, so the kernel's backlog holds
 * the connections that arrive meanwhile.
 *
 * <pre>
 *   start() ──▶ STARTING ──READY──▶ READY ──exit──▶ GONE ──backoff over, respawnDue()──▶ STARTING
 *                  └──────────────────exit──────────────▲        (while stopping: GONE for good)
 * </pre>
 */
final class AcceptorProcess {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  private final ProcessSpawner spawner;
  private final LongSupplier nanoTime;
  private final ControlDispatch dispatch;
  private final ErrorLogs logs;
  private final List<Integer> listenFds;
  private final Account singleUser;

  private int pid;
  private ControlChannel<AcceptorToLauncher, LauncherToAcceptor> control;
  private boolean ready;

  /** Set at READY: a scoreboard goes out in the same turn, after the CHILD announcements. */
  private boolean scoreboardOwed;

  private int failures;
  private long startedAt;
  private long respawnAt = -1;
  private int starts;

  /** Its latest COUNTERS report. */
  private Scoreboard.Counters counters = Scoreboard.Counters.NONE;

  AcceptorProcess(
      ProcessSpawner spawner,
      LongSupplier nanoTime,
      ControlDispatch dispatch,
      ErrorLogs logs,
      List<Integer> listenFds,
      Account singleUser) {
    this.spawner = spawner;
    this.nanoTime = nanoTime;
    this.dispatch = dispatch;
    this.logs = logs;
    this.listenFds = List.copyOf(listenFds);
    this.singleUser = singleUser;
  }

  /** Spawns it with its control channel and the listen sockets, as {@code running} says. */
  void start(ServerConfig running) throws PosixException {
    ChannelPair channel = ChannelPair.open();
    RunAs runAs = RunAs.acceptor(running, singleUser);
    int configFd = ConfigurationHandover.acceptorFile(running);
    try {
      pid =
          spawner.spawn(
              ProcessLaunch.acceptor(
                  running, runAs, logs.errorLogFd(), channel.childFd(), configFd, listenFds));
    } finally {
      ControlDispatch.close(configFd);
    }
    startedAt = nanoTime.getAsLong();
    starts++;
    Descriptors.close(channel.childFd());
    control =
        new ControlChannel<>(
            new SeqPacketChannel(channel.parentFd()),
            "the acceptor (pid " + pid + ")",
            AcceptorToLauncher::decode);
    dispatch.listen(control, ControlDispatch.ACCEPTOR, pid);
    LOG.info(
        "acceptor started: pid {}, user {}, group {}", pid, runAs.user().name(), runAs.groupName());
  }

  /** Whether {@code status} is this acceptor's exit. */
  boolean owns(ExitStatus status) {
    return status.pid() == pid;
  }

  /**
   * It exited: the launcher closes its end of the channel and, unless the server is stopping,
   * starts a new one after {@link RespawnBackoff}'s wait.
   */
  void exited(ExitStatus status, boolean stopping) {
    pid = 0;
    ready = false;
    ControlDispatch.close(control);
    control = null;
    if (stopping) {
      LOG.info("acceptor exited: {}", status);
      return;
    }
    failures = RespawnBackoff.healthy(nanoTime.getAsLong() - startedAt) ? 1 : failures + 1;
    Duration delay = RespawnBackoff.delay(failures, status.exitedWith(ExitCodes.FATAL));
    LOG.warn(
        "acceptor exited: {}; starting a new one in {} ms (the listen sockets stay open)",
        status,
        delay.toMillis());
    respawnAt = nanoTime.getAsLong() + delay.toNanos();
  }

  /** Starts it again if it died and its wait is over at {@code now}. */
  void respawnDue(long now, ServerConfig running) {
    if (pid == 0 && respawnAt != -1 && now - respawnAt >= 0) {
      respawnAt = -1;
      try {
        start(running);
      } catch (IOException | RuntimeException e) {
        failures++;
        LOG.error("could not start the acceptor: {}", e.toString());
        respawnAt = now + RespawnBackoff.delay(failures, false).toNanos();
      }
    }
  }

  /** Its row of the scoreboard. */
  Scoreboard.Acceptor row(Instant now, long nanos) {
    return new Scoreboard.Acceptor(
        pid,
        pid == 0
            ? Scoreboard.State.GONE
            : ready ? Scoreboard.State.READY : Scoreboard.State.STARTING,
        pid == 0 ? null : now.minusNanos(nanos - startedAt),
        Math.max(0, starts - 1),
        counters);
  }

  /** Its pid, or 0 while there is none. */
  int pid() {
    return pid;
  }

  /** The launcher's end of its control channel, or null while there is none. */
  ControlChannel<AcceptorToLauncher, LauncherToAcceptor> control() {
    return control;
  }

  /** Whether it said READY: only then is it told of children. */
  boolean ready() {
    return ready;
  }

  /** It said READY. */
  void becameReady() {
    ready = true;
    scoreboardOwed = true;
  }

  /**
   * Whether it is owed a scoreboard now (once after each READY): the first one tells it that the
   * ready children have all been announced, and it starts accepting then.
   */
  boolean takeScoreboardOwed() {
    boolean owed = scoreboardOwed;
    scoreboardOwed = false;
    return owed;
  }

  /** It sent COUNTERS. */
  void counters(Scoreboard.Counters latest) {
    counters = latest;
  }
}
