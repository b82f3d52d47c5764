package org.perchild.acceptor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.perchild.config.ChildGroup;
import org.perchild.posix.Descriptors;
import org.perchild.posix.PosixException;
import org.perchild.posix.ReceivedPacket;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.posix.TruncatedMessageException;
import org.perchild.protocol.HandoffMessage;
import org.perchild.protocol.LauncherToAcceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The READY children the acceptor can hand connections to, by slot: each with its uid/gid and the
 * acceptor's end of its hand-off channel. The launcher adds one with {@code CHILD} and removes it
 * with {@code GONE}; the acceptor asks for the candidates of a virtual host's group, best first.
 *
 * <p>Best first means the fewest connections handed to it in the last {@link #WINDOW_NANOS}: the
 * acceptor never hears when a child finishes a connection, so recent hand-offs are its estimate of
 * the load in flight (most connections are short; a long one ages out of the window). Ties go to
 * the child that was handed a connection longest ago, so idle children take turns.
 *
 * <p>Used by the selector thread only.
 */
final class ChildSlots {

  private static final Logger LOG = LoggerFactory.getLogger(AcceptorLoop.class);

  /** How long a hand-off counts towards a child's load. */
  static final long WINDOW_NANOS = 5_000_000_000L;

  /** One READY child. */
  static final class Slot {
    final int slot;
    final int uid;
    final int gid;
    final SeqPacketChannel handoff;

    /**
     * The child's own end of the same channel ({@code BACKLOG}), read only once the child has gone:
     * what it holds then is what the child never took. Null without one.
     */
    SeqPacketChannel backlog;

    private final long[] recent = new long[64];
    private int recentCount;
    private int recentStart;
    private long lastHandoff = Long.MIN_VALUE;

    Slot(int slot, int uid, int gid, SeqPacketChannel handoff) {
      this.slot = slot;
      this.uid = uid;
      this.gid = gid;
      this.handoff = handoff;
    }

    /**
     * The hand-offs still queued on the channel of a child that has gone, which it never took: the
     * kernel keeps them, descriptors and all, while the acceptor holds the child's end ({@code
     * BACKLOG}). Empty without that end.
     */
    List<ReceivedPacket> untaken() {
      List<ReceivedPacket> untaken = new ArrayList<>();
      if (backlog == null) {
        return untaken;
      }
      try {
        for (ReceivedPacket packet = backlog.receiveNonBlocking(HandoffMessage.MAX_PAYLOAD);
            packet.isMessage();
            packet = backlog.receiveNonBlocking(HandoffMessage.MAX_PAYLOAD)) {
          if (packet.hasFd()) {
            untaken.add(packet);
          }
        }
      } catch (PosixException | TruncatedMessageException e) {
        LOG.warn("Reading back what slot {} never took: {}", slot, e.getMessage());
      }
      return untaken;
    }

    /**
     * Sends one hand-off ({@code payload} and the client's {@code fd}) without waiting; false if
     * the channel is full or failed (the caller tries the group's next child, or holds it).
     */
    boolean handOff(byte[] payload, int fd) {
      try {
        if (handoff.sendNonBlocking(payload, fd) == SeqPacketChannel.SendResult.SENT) {
          return true;
        }
        LOG.debug("Hand-off channel of slot {} is full", slot);
      } catch (PosixException | RuntimeException e) {
        LOG.warn("Hand-off to slot {} failed: {}", slot, e.getMessage());
      }
      return false;
    }

    private void close() {
      try {
        handoff.close();
        if (backlog != null) {
          backlog.close();
        }
      } catch (PosixException e) {
        LOG.warn("Closing the hand-off channel of slot {}: {}", slot, e.getMessage());
      }
    }

    /** Hand-offs within the window ending at {@code now}; older ones are forgotten. */
    int load(long now) {
      while (recentCount > 0 && now - recent[recentStart] > WINDOW_NANOS) {
        recentStart = (recentStart + 1) % recent.length;
        recentCount--;
      }
      return recentCount;
    }

    void handedOff(long now) {
      lastHandoff = now;
      if (recentCount == recent.length) {
        // More than the ring holds in the window: keep the newest, the count stays saturated.
        recentStart = (recentStart + 1) % recent.length;
        recentCount--;
      }
      recent[(recentStart + recentCount) % recent.length] = now;
      recentCount++;
    }

    @Override
    public String toString() {
      return "slot " + slot + " (" + uid + "/" + gid + ", " + handoff + ")";
    }
  }

  private final Map<Integer, Slot> slots = new TreeMap<>();

  /**
   * Adds a READY child; returns the slot it replaces (whose channel the caller closes), or null.
   */
  Slot add(int slot, int uid, int gid, SeqPacketChannel handoff) {
    return slots.put(slot, new Slot(slot, uid, gid, handoff));
  }

  /** {@code CHILD}: a READY child, replacing (and closing) what the slot had. */
  void ready(LauncherToAcceptor.Child child) {
    Slot replaced =
        add(child.slot(), child.uid(), child.gid(), new SeqPacketChannel(child.handoffFd()));
    if (replaced != null) {
      replaced.close();
    }
    LOG.info(
        "Child slot {} ready: uid {}, gid {}, hand-off fd {}",
        child.slot(),
        child.uid(),
        child.gid(),
        child.handoffFd());
  }

  /** {@code BACKLOG}: the child's own end of its channel, kept until the child has gone. */
  void backlog(LauncherToAcceptor.Backlog backlog) {
    Slot slot = get(backlog.slot());
    if (slot == null || slot.backlog != null) {
      LOG.warn("BACKLOG for slot {}, which is not ready here or has one", backlog.slot());
      try {
        Descriptors.close(backlog.childEndFd());
      } catch (PosixException e) {
        LOG.warn("{}", e.getMessage());
      }
    } else {
      slot.backlog = new SeqPacketChannel(backlog.childEndFd());
      LOG.debug("Child slot {}: its own end, fd {}", backlog.slot(), backlog.childEndFd());
    }
  }

  /**
   * {@code GONE}: the child is no longer routed to and its channels close; returns the hand-offs it
   * never took, for the caller to route again.
   */
  List<ReceivedPacket> gone(int slot) {
    Slot removed = remove(slot);
    if (removed == null) {
      LOG.warn("GONE for slot {}, which is not ready here", slot);
      return List.of();
    }
    List<ReceivedPacket> untaken = removed.untaken();
    removed.close();
    LOG.info("Child slot {} gone", slot);
    if (!untaken.isEmpty()) {
      LOG.info(
          "Child slot {} gone with {} connections it never took: routed again",
          slot,
          untaken.size());
    }
    return untaken;
  }

  /** Closes every child's channels, at the acceptor's exit. */
  void closeAll() {
    for (Slot slot : List.copyOf(slots.values())) {
      slot.close();
      slots.remove(slot.slot);
    }
  }

  /** The READY child in {@code slot}, or null. */
  Slot get(int slot) {
    return slots.get(slot);
  }

  /** Removes a child; returns it (whose channel the caller closes), or null if it was not here. */
  Slot remove(int slot) {
    return slots.remove(slot);
  }

  /** The READY children of {@code group}, least loaded first. */
  List<Slot> candidates(ChildGroup group, long now) {
    List<Slot> matching = new ArrayList<>();
    for (Slot each : slots.values()) {
      if (group.runsAs(each.uid, each.gid)) {
        each.load(now);
        matching.add(each);
      }
    }
    matching.sort(
        Comparator.comparingInt((Slot s) -> s.load(now)).thenComparingLong(s -> s.lastHandoff));
    return matching;
  }
}
