package org.perchild.supervisor;

import java.time.Duration;

/**
 * How long the supervisor waits before it starts a process again, httpd's and nginx's habit: a
 * first crash is replaced at once (its group must serve again within seconds), repeated crashes
 * wait twice as long each time up to a minute, and a fatal exit (code 2: a configuration or
 * privilege error that a restart will not cure) waits from five seconds up to five minutes, so a
 * broken child never spins in a tight loop. A process that ran long enough counts as healthy again.
 */
final class RespawnBackoff {

  /** A process that ran this long before it died starts its count of failures anew. */
  static final Duration HEALTHY_AFTER = Duration.ofSeconds(10);

  private static final Duration CRASH_CAP = Duration.ofSeconds(60);
  private static final Duration FATAL_FIRST = Duration.ofSeconds(5);
  private static final Duration FATAL_CAP = Duration.ofMinutes(5);

  private RespawnBackoff() {}

  /**
   * The wait before the restart that follows the {@code failures}-th failure in a row.
   *
   * @param failures consecutive failures, 1 for the first
   * @param fatal whether the last exit was the fatal code 2
   */
  static Duration delay(int failures, boolean fatal) {
    if (failures < 1) {
      throw new IllegalArgumentException("failures: " + failures);
    }
    if (fatal) {
      return capped(FATAL_FIRST, failures - 1, FATAL_CAP);
    }
    return failures == 1 ? Duration.ZERO : capped(Duration.ofSeconds(1), failures - 2, CRASH_CAP);
  }

  private static Duration capped(Duration first, int doublings, Duration cap) {
    Duration delay = first;
    for (int i = 0; i < doublings && delay.compareTo(cap) < 0; i++) {
      delay = delay.multipliedBy(2);
    }
    return delay.compareTo(cap) > 0 ? cap : delay;
  }

  /** Whether a process that ran {@code ranNanos} before it died counts as healthy again. */
  static boolean healthy(long ranNanos) {
    return ranNanos >= HEALTHY_AFTER.toNanos();
  }
}
