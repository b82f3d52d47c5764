package org.perchild.supervisor;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.perchild.config.ChildGroup;
import org.perchild.config.ServerConfig;
import org.perchild.posix.ExitStatus;
import org.perchild.protocol.ExitCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The children of on-demand groups ({@code ChildPerUserID user group min-max}) above their minimum:
 * PHP-FPM's {@code ondemand} and peruser's habit for a tenant that is idle most of the time. The
 * {@link Supervisor}'s loop calls {@link #turn} every turn:
 *
 * <ul>
 *   <li><b>Grow.</b> A group gets one more child while the acceptor holds its connections ({@code
 *       WANTED}: it has no READY child, or none took them) or every READY child of it is busy (each
 *       serving {@code MaxThreadsPerChild} requests, or with requests queued), one start at a time
 *       per group, up to its maximum.
 *   <li><b>Cap.</b> At most {@code ServerLimit} child processes are alive at once, draining ones
 *       included: at the cap, the least recently used idle child of another group above its minimum
 *       (no request in progress) is stopped to make room, and the group waits until it has gone.
 *       Starts are capped too, {@link #startsPerSecond} a second: a flood of cold hosts waits for
 *       them, held by the acceptor, and gets 503 after {@code ChildWaitTimeout}.
 *   <li><b>Shrink.</b> A child above the minimum that has had no connection for {@code
 *       ChildIdleTimeout} is stopped, as a graceful stop: it finishes what it has.
 *   <li><b>Crash.</b> Such a child that exits is not started again on its own: the next demand
 *       starts one, after {@link RespawnBackoff}'s wait when it keeps failing.
 * </ul>
 *
 * <p>The fixed counts and the minimums are the {@link ChildTable}'s, which keeps them running as
 * before. Only the supervisor thread uses this.
 */
final class OnDemandGroups {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  /** How long a {@code WANTED} counts: the acceptor repeats it every second while it holds. */
  static final long WANTED_NANOS = 2_000_000_000L;

  /** Per group (its uid and gid), what demand and failures say. */
  private static final class Demand {
    boolean wanted;
    long wantedAt;
    int held;
    int failures;

    /** When the next start may come, after failures; valid while {@link #failures} > 0. */
    long notBefore;

    boolean waitingForRoom;
  }

  private record Ids(int uid, int gid) {
    static Ids of(ChildGroup group) {
      return new Ids(group.user().uid(), group.group().gid());
    }
  }

  private final ChildTable children;
  private final LongSupplier nanoTime;
  private final Map<Ids, Demand> demand = new HashMap<>();

  /** When the latest on-demand starts were, for {@link #startsPerSecond}. */
  private final ArrayDeque<Long> recentStarts = new ArrayDeque<>();

  private final int startsPerSecond;

  /** The children stopped to make room, until they have gone. */
  private final List<ChildSlot> makingRoom = new ArrayList<>();

  OnDemandGroups(ChildTable children, LongSupplier nanoTime) {
    this(children, nanoTime, Math.max(2, Runtime.getRuntime().availableProcessors()));
  }

  OnDemandGroups(ChildTable children, LongSupplier nanoTime, int startsPerSecond) {
    this.children = children;
    this.nanoTime = nanoTime;
    this.startsPerSecond = startsPerSecond;
  }

  /** The acceptor's {@code WANTED}: it holds {@code held} connections for this group. */
  void wanted(int uid, int gid, int held) {
    Demand d = demand.computeIfAbsent(new Ids(uid, gid), ids -> new Demand());
    d.wanted = true;
    d.wantedAt = nanoTime.getAsLong();
    d.held = held;
  }

  /** Grows, caps and shrinks the on-demand groups at {@code now}: see the class. */
  void turn(long now) {
    ServerConfig config = children.config();
    makingRoom.retainAll(children.retired());
    for (ChildGroup group : config.childGroups()) {
      if (group.onDemand()) {
        List<ChildSlot> mine = children.slotsOf(group);
        noteActivity(mine, now);
        grow(group, mine, config, now);
        shrink(group, mine, config, now);
      }
    }
  }

  /**
   * Whether {@code status} is the exit of an on-demand child above its group's minimum; if so its
   * slot is let go (the next demand starts another) instead of being started again.
   */
  boolean exited(ExitStatus status) {
    long now = nanoTime.getAsLong();
    for (ChildSlot child : children.current()) {
      if (child.pid != status.pid() || child.successor != null || !child.group.onDemand()) {
        continue;
      }
      if (children.slotsOf(child.group).size() - 1 < child.group.min()) {
        return false; // one of its minimum: started again as every other
      }
      Demand d = demand.computeIfAbsent(Ids.of(child.group), ids -> new Demand());
      if (child.ready && RespawnBackoff.healthy(now - child.startedAt)) {
        d.failures = 0;
      } else {
        d.failures++;
        Duration delay = RespawnBackoff.delay(d.failures, status.exitedWith(ExitCodes.FATAL));
        d.notBefore = now + delay.toNanos();
        LOG.warn(
            "child {} of on-demand group {} exited {}: {}; the next start waits {} ms",
            child.slot,
            child.group.label(),
            child.ready ? "" : "before it was ready",
            status,
            delay.toMillis());
      }
      children.letGo(child, status);
      return true;
    }
    return false;
  }

  /**
   * A child of {@code group} said READY: it takes what the acceptor holds (a {@code WANTED} that
   * comes after this is a new one), and the group's starts are healthy again.
   */
  void childReady(ChildGroup group) {
    Demand d = demand.get(Ids.of(group));
    if (d != null) {
      d.wanted = false;
      d.failures = 0;
      d.waitingForRoom = false;
    }
  }

  /** How many on-demand starts are allowed a second. */
  int startsPerSecond() {
    return startsPerSecond;
  }

  // ---------------------------------------------------------------- the three moves

  /** A child whose LOAD shows a connection or a new request was used at {@code now}. */
  private static void noteActivity(List<ChildSlot> mine, long now) {
    for (ChildSlot child : mine) {
      if (child.load.connections() > 0
          || child.load.busy() > 0
          || child.load.requests() != child.requestsSeen) {
        child.lastActiveAt = now;
        child.requestsSeen = child.load.requests();
      }
    }
  }

  private void grow(ChildGroup group, List<ChildSlot> mine, ServerConfig config, long now) {
    Demand d = demand.get(Ids.of(group));
    boolean wanted = d != null && d.wanted && now - d.wantedAt < WANTED_NANOS;
    int max = config.threads().maxThreadsPerChild();
    List<ChildSlot> ready = mine.stream().filter(c -> c.ready && c.pid != 0).toList();
    boolean allBusy =
        !ready.isEmpty()
            && ready.stream().allMatch(c -> c.load.queued() > 0 || c.load.busy() >= max);
    if ((!wanted && !allBusy) || mine.size() >= group.max()) {
      return;
    }
    if (mine.stream().anyMatch(c -> !c.ready)) {
      return; // one is on its way: it takes what waits once READY
    }
    if (d == null) {
      d = demand.computeIfAbsent(Ids.of(group), ids -> new Demand());
    }
    if (d.failures > 0 && now - d.notBefore < 0) {
      return;
    }
    if (children.alive() >= config.serverLimit()) {
      makeRoom(group, d, config);
      return;
    }
    while (!recentStarts.isEmpty() && now - recentStarts.peekFirst() >= 1_000_000_000L) {
      recentStarts.removeFirst();
    }
    if (recentStarts.size() >= startsPerSecond) {
      return;
    }
    recentStarts.addLast(now);
    String why =
        wanted
            ? d.held + " connection" + (d.held == 1 ? "" : "s") + " held for it"
            : "every child busy";
    try {
      ChildSlot child = children.startOnDemand(group);
      d.waitingForRoom = false;
      LOG.info(
          "on-demand group {} {}: child {} started ({}), {} of {}",
          group.label(),
          group.range(),
          child.slot,
          why,
          mine.size() + 1,
          group.max());
    } catch (IOException | RuntimeException e) {
      d.failures++;
      d.notBefore = now + RespawnBackoff.delay(d.failures, false).toNanos();
      LOG.error("could not start a child of on-demand group {}: {}", group.label(), e.toString());
    }
  }

  /**
   * ServerLimit is reached: stops the least recently used idle child of another group above its
   * minimum, unless one stopped for room is still going; the group waits for it either way.
   */
  private void makeRoom(ChildGroup group, Demand d, ServerConfig config) {
    if (!makingRoom.isEmpty()) {
      return;
    }
    ChildSlot victim = null;
    for (ChildGroup other : config.childGroups()) {
      if (!other.onDemand() || Ids.of(other).equals(Ids.of(group))) {
        continue;
      }
      List<ChildSlot> theirs = children.slotsOf(other);
      if (theirs.size() <= other.min()) {
        continue;
      }
      for (ChildSlot child : theirs) {
        if (child.ready
            && child.pid != 0
            && child.load.busy() == 0
            && child.load.queued() == 0
            && (victim == null || child.lastActiveAt - victim.lastActiveAt < 0)) {
          victim = child;
        }
      }
    }
    if (victim == null) {
      if (!d.waitingForRoom) {
        LOG.warn(
            "on-demand group {} waits: ServerLimit {} child processes are alive and none of"
                + " another group is idle above its minimum",
            group.label(),
            config.serverLimit());
        d.waitingForRoom = true;
      }
      return;
    }
    LOG.info(
        "ServerLimit {} reached: stopping child {} of {}, the least recently used idle one, to"
            + " make room for {}",
        config.serverLimit(),
        victim.slot,
        victim.group.label(),
        group.label());
    makingRoom.add(victim);
    children.stopOnDemand(victim);
  }

  private void shrink(ChildGroup group, List<ChildSlot> mine, ServerConfig config, long now) {
    long idle = config.childIdleTimeout().toNanos();
    if (idle <= 0 || mine.size() <= group.min()) {
      return;
    }
    ChildSlot oldest = null;
    for (ChildSlot child : mine) {
      if (child.ready
          && child.pid != 0
          && child.load.connections() == 0
          && child.load.busy() == 0
          && now - child.lastActiveAt >= idle
          && (oldest == null || child.lastActiveAt - oldest.lastActiveAt < 0)) {
        oldest = child;
      }
    }
    if (oldest != null) {
      LOG.info(
          "child {} of on-demand group {} stops: no connection for ChildIdleTimeout {} s",
          oldest.slot,
          group.label(),
          config.childIdleTimeout().toSeconds());
      children.stopOnDemand(oldest);
    }
  }
}
