package org.perchild.acceptor;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the acceptor has done since it started: connections accepted, handed to a child, answered by
 * the acceptor itself (by status code), and closed by the client before a head arrived. The
 * selector thread counts; a status page may read from any thread.
 */
public final class AcceptorCounters {

  private final LongAdder accepted = new LongAdder();
  private final LongAdder handedOff = new LongAdder();
  private final LongAdder clientClosed = new LongAdder();
  private final Map<Integer, LongAdder> answered = new ConcurrentHashMap<>();

  /** A snapshot of the counters. */
  public record Snapshot(
      long accepted, long handedOff, long clientClosed, Map<Integer, Long> answeredByStatus) {}

  void accepted() {
    accepted.increment();
  }

  void handedOff() {
    handedOff.increment();
  }

  void clientClosed() {
    clientClosed.increment();
  }

  void answered(int status) {
    answered.computeIfAbsent(status, s -> new LongAdder()).increment();
  }

  /** The counters now, statuses in ascending order. */
  public Snapshot snapshot() {
    Map<Integer, Long> byStatus = new TreeMap<>();
    answered.forEach((status, count) -> byStatus.put(status, count.sum()));
    return new Snapshot(accepted.sum(), handedOff.sum(), clientClosed.sum(), byStatus);
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
        + s.answeredByStatus();
  }
}
