package org.perchild.supervisor;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.perchild.config.ChildGroup;
import org.perchild.config.ServerConfig;
import org.perchild.posix.Account;
import org.perchild.posix.ChannelPair;
import org.perchild.posix.Descriptors;
import org.perchild.posix.ExitStatus;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.ChildToLauncher;
import org.perchild.protocol.ControlChannel;
import org.perchild.protocol.ExitCodes;
import org.perchild.protocol.HostReports;
import org.perchild.protocol.LauncherToAcceptor;
import org.perchild.protocol.LauncherToChild;
import org.perchild.protocol.LoadReport;
import org.perchild.protocol.ProcessCommand;
import org.perchild.protocol.SpareAssignment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every child process the launcher has, by slot and generation: the running generation's slots
 * (each with the successor of a retiring child while it starts), a graceful restart's next
 * generation until all of it is READY, and the retired processes that finish their requests. It
 * starts children and acts on their exits (backoff and respawn, a successor adopting its slot);
 * {@link Generations} moves the next generation in, with the running slots of the groups it keeps.
 * The {@link Supervisor} routes exits and the respawn tick here; {@link ControlDispatch} routes
 * READY and RETIRING.
 *
 * <p>One slot (its {@link ChildSlot}):
 *
 * <pre>
 *   STARTING ──READY──▶ READY ──RETIRING──▶ RETIRING: its successor starts
 *     ▲   │               │                   ├─successor READY──▶ READY (the successor; the old one retired)
 *     │   └─────exit──────┴──▶ GONE           ├─it exits first───▶ STARTING (the successor)
 *     └───backoff over────────┘               └─successor exits──▶ another successor after a backoff
 * </pre>
 */
final class ChildTable {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  private final ProcessSpawner spawner;
  private final LongSupplier nanoTime;
  private final ControlDispatch dispatch;
  private final AcceptorProcess acceptor;
  private final ErrorLogs logs;
  private final ChildArgFiles argFiles;
  private final Account singleUser;

  /** The configuration in force: replaced by a graceful restart once its generation is READY. */
  private ServerConfig config;

  private final List<ChildSlot> children = new ArrayList<>();

  /** The children of a graceful restart's new generation, until all of them are READY. */
  private final List<ChildSlot> nextGeneration = new ArrayList<>();

  /** Children that retired (MaxRequestsPerChild, an old generation) and finish their requests. */
  private final List<ChildSlot> retired = new ArrayList<>();

  /** Where a child's process may come from instead of a spawn; null: always spawned. */
  private ChildSpares spares;

  /** The highest slot number given so far: a slot's number is never given again. */
  private int highestSlot;

  /** The running generation's number. */
  private int generation = 1;

  ChildTable(
      ServerConfig config,
      ProcessSpawner spawner,
      LongSupplier nanoTime,
      ControlDispatch dispatch,
      AcceptorProcess acceptor,
      ErrorLogs logs,
      Account singleUser,
      ChildArgFiles argFiles) {
    this.argFiles = argFiles;
    this.config = config;
    this.spawner = spawner;
    this.nanoTime = nanoTime;
    this.dispatch = dispatch;
    this.acceptor = acceptor;
    this.logs = logs;
    this.singleUser = singleUser;
  }

  /** Children start from {@code spares} when one has their JVM options. */
  void startFrom(ChildSpares spares) {
    this.spares = spares;
  }

  /** How starting children are given the CPU first; null: not at all. */
  private StartPriority priority;

  void startWith(StartPriority priority) {
    this.priority = priority;
  }

  /**
   * Starts generation 1: every group's fixed count or minimum of children, slots numbered from 1 in
   * configuration order. An on-demand group's children above its minimum come later ({@link
   * #startOnDemand}).
   */
  void startFirstGeneration() throws IOException {
    for (ChildGroup group : config.childGroups()) {
      for (int i = 0; i < group.min(); i++) {
        ChildSlot child = new ChildSlot(++highestSlot, group, 1);
        children.add(child);
        startChild(child);
      }
    }
  }

  /** Starts one more child of the on-demand {@code group} in the running generation. */
  ChildSlot startOnDemand(ChildGroup group) throws IOException {
    ChildSlot child = new ChildSlot(highestSlot + 1, group, generation);
    startChild(child);
    children.add(child);
    return child;
  }

  /**
   * Stops a READY child of an on-demand group (idle, or to make room): the acceptor stops routing
   * to it and it finishes what it has, as a retired child does; its slot is gone.
   */
  void stopOnDemand(ChildSlot child) {
    children.remove(child);
    unannounce(child);
    retire(child);
  }

  /** An on-demand child above its group's minimum exited: its slot is gone, not started again. */
  void letGo(ChildSlot child, ExitStatus status) {
    children.remove(child);
    processGone(child);
    LOG.warn("child {} (on demand) exited: {}", child.slot, status);
  }

  /** The acceptor stops routing to {@code child}, if it was told of it. */
  private void unannounce(ChildSlot child) {
    if (child.announced) {
      ControlDispatch.send(acceptor.control(), new LauncherToAcceptor.Gone(child.slot));
      child.announced = false;
    }
  }

  /** {@code child}'s process has exited: the acceptor stops routing to it; its channels close. */
  private void processGone(ChildSlot child) {
    child.pid = 0;
    child.ready = false;
    unannounce(child);
    ControlDispatch.close(child.control);
    child.control = null;
    child.closeHandoff();
  }

  /**
   * Spawns the process of a running generation's {@code child}, with the running configuration: so
   * its generation is the running one, also for a child a graceful restart kept.
   */
  void startChild(ChildSlot child) throws IOException {
    child.generation = generation;
    startChild(child, config);
  }

  /**
   * Spawns the process of {@code child} with its control and hand-off channels; its standard output
   * and error go to its group's error log in {@code own}, its generation's configuration.
   */
  private void startChild(ChildSlot child, ServerConfig own) throws IOException {
    int logFd = logs.childLogFd(own, child.group);
    RunAs runAs = RunAs.child(child.group, singleUser);
    Optional<ChildSpares.Spare> spare =
        spares == null
            ? Optional.empty()
            : spares.take(argFiles.optionsOf(child.group.javaOptions()));
    if (spare.isPresent() && startFromSpare(child, own, runAs, logFd, spare.get())) {
      return;
    }
    // The options first: a file that cannot be written leaves no descriptor behind.
    Path argFile = argFiles.write(child.slot, child.group.javaOptions());
    ChannelPair control = ChannelPair.open();
    ChannelPair handoff = ChannelPair.open();
    int configFd = -1;
    try {
      configFd = ConfigurationHandover.childFile(own, child.group);
      ProcessCommand command =
          ProcessLaunch.child(
              config,
              runAs,
              singleUser != null,
              child.group,
              child.slot,
              child.generation,
              logFd,
              control.childFd(),
              handoff.childFd(),
              configFd,
              argFile);
      child.pid = spawner.spawn(command);
      argFiles.spawned(child.pid, argFile);
    } catch (IOException | RuntimeException e) {
      argFiles.delete(argFile);
      throw e;
    } finally {
      ControlDispatch.close(configFd);
    }
    Descriptors.close(control.childFd());
    started(child, runAs, control.parentFd(), handoff, "");
  }

  /**
   * Makes {@code spare} the process of {@code child}: sends it the arguments and descriptors a
   * spawn would have given ({@link ChildSpares}); false if it can no longer take them.
   */
  private boolean startFromSpare(
      ChildSlot child, ServerConfig own, RunAs runAs, int logFd, ChildSpares.Spare spare)
      throws IOException {
    ChannelPair handoff;
    try {
      handoff = ChannelPair.open();
    } catch (IOException | RuntimeException e) {
      spares.abandon(spare);
      throw e;
    }
    int configFd = -1;
    boolean assigned = false;
    try {
      configFd = ConfigurationHandover.childFile(own, child.group);
      assigned =
          spares.assign(
              spare,
              new SpareAssignment(
                  ProcessLaunch.childArguments(
                      config, runAs, child.group, child.slot, child.generation),
                  ProcessLaunch.environment(runAs.user()),
                  logFd,
                  handoff.childFd(),
                  configFd));
    } finally {
      ControlDispatch.close(configFd);
      if (!assigned) {
        ControlDispatch.close(handoff.childFd());
        ControlDispatch.close(handoff.parentFd());
        spares.abandon(spare);
      }
    }
    if (!assigned) {
      return false;
    }
    child.pid = spare.pid();
    started(child, runAs, spare.controlFd(), handoff, ", from a spare");
    return true;
  }

  /** The bookkeeping of a child whose process now runs, spawned or from a spare. */
  private void started(
      ChildSlot child, RunAs runAs, int controlFd, ChannelPair handoff, String how) {
    highestSlot = Math.max(highestSlot, child.slot);
    child.startedAt = nanoTime.getAsLong();
    child.lastActiveAt = child.startedAt;
    child.requestsSeen = 0;
    child.load = LoadReport.NONE;
    child.hosts = Map.of();
    child.hostReports = new HostReports();
    child.starts++;
    // Kept for the child's life, for every acceptor's BACKLOG: see LauncherToAcceptor.Backlog.
    child.handoffChildFd = handoff.childFd();
    child.control =
        new ControlChannel<>(
            new SeqPacketChannel(controlFd),
            "child " + child.slot + " (pid " + child.pid + ")",
            ChildToLauncher::decode);
    child.handoffFd = handoff.parentFd();
    dispatch.listen(child.control, child.slot, child.pid);
    if (priority != null) {
      priority.starting(child.pid);
    }
    LOG.info(
        "child {} started: pid {}, gen {}, user {}, group {}{}",
        child.slot,
        child.pid,
        child.generation,
        runAs.user().name(),
        runAs.groupName(),
        how);
  }

  /** Starts the successor of a retiring child; if it cannot start, tries again after a backoff. */
  void startSuccessor(ChildSlot slot) {
    ChildSlot successor = new ChildSlot(slot.slot, slot.group, slot.generation);
    try {
      startChild(successor);
      slot.successor = successor;
    } catch (IOException | RuntimeException e) {
      slot.failures++;
      LOG.error("could not start the replacement of child {}: {}", slot.slot, e.toString());
      slot.successorDueAt =
          nanoTime.getAsLong() + RespawnBackoff.delay(slot.failures, false).toNanos();
    }
  }

  /**
   * The successor of a retiring child is READY: the acceptor stops routing to the old process and
   * starts routing to the new one, and the old one is told to finish what it has and stop.
   */
  void takeOver(ChildSlot slot) {
    ChildSlot old = new ChildSlot(slot.slot, slot.group, slot.generation);
    old.pid = slot.pid;
    old.control = slot.control;
    // No GONE before the CHILD that follows: a CHILD for a slot the acceptor has replaces it in
    // one step (the acceptor closes the old channel), so there is no moment without a child.
    // Once the acceptor and the launcher have closed their copies, the old child reads its
    // hand-off channel to the end: every connection already handed to it is served.
    ControlDispatch.close(slot.handoffFd);
    slot.closeHandoffChildEnd();
    ControlDispatch.send(old.control, new LauncherToChild.Stop());
    retired.add(old);
    LoadReport load = slot.successor.load;
    slot.adoptSuccessor();
    slot.load = load;
    slot.ready = true;
    slot.failures = 0;
    if (!dispatch.announce(slot) && acceptor.ready()) {
      LOG.warn("child {}: the acceptor could not be told of its replacement", slot.slot);
    }
  }

  /** Whether {@code status} was a retired child's exit; if so, it is forgotten. */
  boolean retiredExited(ExitStatus status) {
    for (ChildSlot retiredChild : retired) {
      if (retiredChild.pid == status.pid()) {
        LOG.info("child {} (retired) exited: {}", retiredChild.slot, status);
        ControlDispatch.close(retiredChild.control);
        retired.remove(retiredChild);
        return true;
      }
    }
    return false;
  }

  /**
   * A process of the running generation exited, or a successor: the acceptor stops routing to it,
   * and its slot starts again after {@link RespawnBackoff}'s wait, or is taken by the successor
   * already starting. While stopping, it is only logged.
   */
  void exited(ExitStatus status, boolean stopping) {
    for (ChildSlot child : children) {
      ChildSlot successor = child.successor;
      if (successor != null && successor.pid == status.pid()) {
        ControlDispatch.close(successor.control);
        ControlDispatch.close(successor.handoffFd);
        successor.closeHandoffChildEnd();
        child.successor = null;
        if (stopping) {
          LOG.info("child {} (replacement) exited: {}", child.slot, status);
          return;
        }
        child.failures++;
        Duration delay = RespawnBackoff.delay(child.failures, status.exitedWith(ExitCodes.FATAL));
        LOG.warn(
            "the replacement of child {} exited before it was ready: {}; trying again in {} ms",
            child.slot,
            status,
            delay.toMillis());
        child.successorDueAt = nanoTime.getAsLong() + delay.toNanos();
        return;
      }
      if (child.pid == status.pid()) {
        currentExited(child, status, stopping);
        return;
      }
    }
  }

  private void currentExited(ChildSlot child, ExitStatus status, boolean stopping) {
    processGone(child);
    if (stopping) {
      if (status.exitedWith(ExitCodes.NORMAL)) {
        LOG.info("child {} exited: {}", child.slot, status);
      } else {
        LOG.warn("child {} exited: {}", child.slot, status);
      }
      return;
    }
    if (child.successor != null) {
      // Its replacement is already on the way: it takes the slot when READY.
      LOG.warn("child {} exited: {}; its replacement is starting", child.slot, status);
      child.adoptSuccessor();
      return;
    }
    child.failures =
        RespawnBackoff.healthy(nanoTime.getAsLong() - child.startedAt) ? 1 : child.failures + 1;
    boolean fatal = status.exitedWith(ExitCodes.FATAL);
    Duration delay = RespawnBackoff.delay(child.failures, fatal);
    LOG.warn(
        "child {} exited: {}{}; starting it again in {} ms",
        child.slot,
        status,
        fatal ? " (fatal: see the lines above)" : "",
        delay.toMillis());
    child.respawnAt = nanoTime.getAsLong() + delay.toNanos();
  }

  /** Starts again the children and successors that died and whose wait is over at {@code now}. */
  void respawnDue(long now) {
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

  /** The acceptor is gone: a new one must be told every ready child again. */
  void acceptorGone() {
    for (ChildSlot child : children) {
      child.announced = false;
    }
  }

  // ---------------------------------------------------------------- generations

  /** The configuration in force: the running generation's. */
  ServerConfig config() {
    return config;
  }

  /** Adds a child of the next generation and starts it under its own configuration. */
  void startInNextGeneration(ChildSlot child, ServerConfig own) throws IOException {
    nextGeneration.add(child);
    startChild(child, own);
  }

  /** Whether {@code child} belongs to the next generation, still starting. */
  boolean inNextGeneration(ChildSlot child) {
    return nextGeneration.contains(child);
  }

  /** The next generation's children, still starting. */
  List<ChildSlot> nextGeneration() {
    return Collections.unmodifiableList(nextGeneration);
  }

  /**
   * The next generation becomes the running one, under {@code fresh}, with the running slots whose
   * group {@code keptAs} keeps (it gives the group's record in {@code fresh}, or null): those go on
   * as they are, process, channels and all. Returns the other running slots, for {@link
   * Generations} to retire.
   */
  List<ChildSlot> promoteNextGeneration(
      ServerConfig fresh, int freshGeneration, Function<ChildGroup, ChildGroup> keptAs) {
    config = fresh;
    generation = freshGeneration;
    List<ChildSlot> old = new ArrayList<>();
    List<ChildSlot> kept = new ArrayList<>();
    for (ChildSlot child : children) {
      ChildGroup group = keptAs.apply(child.group);
      if (group == null) {
        old.add(child);
      } else {
        // The same children under the new record: a respawn finds the group's hosts in fresh.
        child.group = group;
        kept.add(child);
      }
    }
    children.clear();
    children.addAll(kept);
    children.addAll(nextGeneration);
    children.sort(Comparator.comparingInt(c -> c.slot));
    nextGeneration.clear();
    return old;
  }

  /** The next generation is abandoned: its children are retired. */
  void abandonNextGeneration() {
    for (ChildSlot child : nextGeneration) {
      retire(child);
    }
    nextGeneration.clear();
  }

  /** Tells a child of an old generation to finish what it has and stop. */
  void retire(ChildSlot child) {
    child.closeHandoff();
    if (child.pid != 0) {
      ControlDispatch.send(child.control, new LauncherToChild.Stop());
      retired.add(child);
    }
  }

  // ---------------------------------------------------------------- views

  /** The running generation's slots. */
  List<ChildSlot> current() {
    return Collections.unmodifiableList(children);
  }

  /** The current process of every slot, their successors, and the retired ones still running. */
  /** Whether a child's process runs and has not said READY yet. */
  boolean anyStarting() {
    return everyChild().stream().anyMatch(c -> c.pid != 0 && !c.ready);
  }

  List<ChildSlot> everyChild() {
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

  /** The slot of the running or the next generation numbered {@code slot}, or null. */
  ChildSlot slotNumbered(int slot) {
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

  /** The running generation's slots of {@code group} (by its uid and gid), running or due. */
  List<ChildSlot> slotsOf(ChildGroup group) {
    List<ChildSlot> mine = new ArrayList<>();
    for (ChildSlot child : children) {
      if (child.group.runsAs(group.user().uid(), group.group().gid())) {
        mine.add(child);
      }
    }
    return mine;
  }

  /** How many child processes are alive: current, successors, retired and the next generation. */
  int alive() {
    int alive = 0;
    for (ChildSlot child : everyChild()) {
      if (child.pid != 0) {
        alive++;
      }
    }
    return alive;
  }

  /** The highest slot number given so far. */
  int highestSlot() {
    return highestSlot;
  }

  /** The retired processes still running. */
  List<ChildSlot> retired() {
    return Collections.unmodifiableList(retired);
  }
}
