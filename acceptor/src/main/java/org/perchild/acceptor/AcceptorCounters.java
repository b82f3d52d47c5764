package org.perchild.acceptor;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the acceptor has done since it started: connections accepted, handed to a child, answered by
 * the acceptor itself (by status code), closed instead of answered (TLS and h2c, by the status an
 * HTTP/1 connection would have got), closed by the client before a head arrived, and held for a
 * group that had no READY child (then handed off, or answered 503 after ChildWaitTimeout). The
 * selector thread counts; a status page may read from any thread.
 */
public final class AcceptorCounters {

  private final LongAdder accepted = new LongAdder();
  private final LongAdder handedOff = new LongAdder();
  private final LongAdder clientClosed = new LongAdder();
  private final LongAdder held = new LongAdder();
  private final Map<Integer, LongAdder> answered = new ConcurrentHashMap<>();
  private final Map<Integer, LongAdder> closed = new ConcurrentHashMap<>();

  /**
   * A snapshot of the counters.
   *
   * @param answeredByStatus connections answered with an HTTP response, by its status
   * @param closedByStatus TLS and h2c connections that would have been answered with that status,
   *     had the acceptor been able to speak HTTP on them, and were closed instead
   * @param held connections held for a group with no READY child
   */
  public record Snapshot(
      long accepted,
      long handedOff,
      long clientClosed,
      Map<Integer, Long> answeredByStatus,
      Map<Integer, Long> closedByStatus,
      long held) {}

  void accepted() {
    accepted.increment();
  }

  void handedOff() {
    handedOff.increment();
  }

  void clientClosed() {
    clientClosed.increment();
  }

  void held() {
    held.increment();
  }

  void answered(int status) {
    answered.computeIfAbsent(status, s -> new LongAdder()).increment();
  }

  void closedInsteadOf(int status) {
    closed.computeIfAbsent(status, s -> new LongAdder()).increment();
  }

  /** The counters now, statuses in ascending order. */
  public Snapshot snapshot() {
    return new Snapshot(
        accepted.sum(),
        handedOff.sum(),
        clientClosed.sum(),
        byStatus(answered),
        byStatus(closed),
        held.sum());
  }

  private static Map<Integer, Long> byStatus(Map<Integer, LongAdder> counts) {
    Map<Integer, Long> byStatus = new TreeMap<>();
    counts.forEach((status, count) -> byStatus.put(status, count.sum()));
    return byStatus;
  }

  @Override
  public String toString() {
    Snapshot s = snapshot();
    return "accepted "
        + s.accepted()
        + ", handed off "
        + s.handedOff()
        + ", client closed "
        + s.clientClosed()
        + ", answered "
        + s.answeredByStatus()
        + ", closed instead of "
        + s.closedByStatus()
        + ", held for a child "
        + s.held();
  }
}
