package org.perchild.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Puts a child's {@code HOSTS} parts ({@link ChildToLauncher.Hosts}) back together: the launcher
 * keeps one per child and replaces the child's table only with a report whose every part arrived,
 * in order. A part that was lost (a report the child could not send at once is dropped) makes its
 * report incomplete: it is discarded, and the next report starts afresh. Not thread-safe: the
 * supervisor's thread is its one user.
 */
public final class HostReports {

  private long report = -1;
  private int parts;
  private int received;
  private final Map<String, long[]> pending = new LinkedHashMap<>();
  private long incomplete;

  /**
   * Adds one part.
   *
   * @return the whole report's hosts, if this part completed it; else null
   */
  public Map<String, long[]> add(ChildToLauncher.Hosts part) {
    if (part.part() == 1) {
      if (report != -1) {
        incomplete++;
      }
      report = part.report();
      parts = part.parts();
      received = 0;
      pending.clear();
    } else if (part.report() != report || part.parts() != parts || part.part() != received + 1) {
      if (report != -1) {
        incomplete++;
      }
      report = -1;
      pending.clear();
      return null;
    }
    pending.putAll(part.hosts());
    received = part.part();
    if (received < parts) {
      return null;
    }
    Map<String, long[]> whole = new LinkedHashMap<>(pending);
    report = -1;
    pending.clear();
    return whole;
  }

  /** How many reports were discarded because a part of them did not arrive. */
  public long incomplete() {
    return incomplete;
  }
}
