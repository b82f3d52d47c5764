package org.perchild.container.threads;

import java.time.Duration;
import java.util.Objects;

/**
 * The thread directives of one child, as the configuration parsed them: what a {@link
 * SpareThreadPool} is asked to do. Values are checked only for sense here (no negative counts); the
 * httpd-style adjustments between them, such as lowering MaxThreadsPerChild to ThreadLimit, are
 * made and logged by {@link SpareThreadPolicy}.
 *
 * @param startThreads threads started with the pool ({@code StartThreads})
 * @param minSpareThreads fewest idle threads the maintenance tick keeps ({@code MinSpareThreads})
 * @param maxSpareThreads most idle threads the maintenance tick keeps ({@code MaxSpareThreads})
 * @param maxThreadsPerChild most threads serving requests at once ({@code MaxThreadsPerChild})
 * @param threadLimit ceiling of MaxThreadsPerChild for the server's life ({@code ThreadLimit})
 * @param tick period of the maintenance tick (1 s in httpd)
 */
public record SpareThreadSettings(
    int startThreads,
    int minSpareThreads,
    int maxSpareThreads,
    int maxThreadsPerChild,
    int threadLimit,
    Duration tick) {

  /** The maintenance period httpd uses. */
  public static final Duration DEFAULT_TICK = Duration.ofSeconds(1);

  public SpareThreadSettings {
    requireAtLeast("StartThreads", startThreads, 0);
    requireAtLeast("MinSpareThreads", minSpareThreads, 0);
    requireAtLeast("MaxSpareThreads", maxSpareThreads, 0);
    requireAtLeast("MaxThreadsPerChild", maxThreadsPerChild, 1);
    requireAtLeast("ThreadLimit", threadLimit, 1);
    Objects.requireNonNull(tick, "tick");
    if (tick.isNegative() || tick.isZero()) {
      throw new IllegalArgumentException("maintenance tick must be positive, not " + tick);
    }
  }

  /** Perchild's defaults, as the README's directive table gives them. */
  public static SpareThreadSettings defaults() {
    return new SpareThreadSettings(5, 5, 10, 64, 64, DEFAULT_TICK);
  }

  public SpareThreadSettings withStartThreads(int threads) {
    return new SpareThreadSettings(
        threads, minSpareThreads, maxSpareThreads, maxThreadsPerChild, threadLimit, tick);
  }

  public SpareThreadSettings withSpareThreads(int min, int max) {
    return new SpareThreadSettings(startThreads, min, max, maxThreadsPerChild, threadLimit, tick);
  }

  public SpareThreadSettings withMaxThreadsPerChild(int threads) {
    return new SpareThreadSettings(
        startThreads, minSpareThreads, maxSpareThreads, threads, threadLimit, tick);
  }

  public SpareThreadSettings withThreadLimit(int limit) {
    return new SpareThreadSettings(
        startThreads, minSpareThreads, maxSpareThreads, maxThreadsPerChild, limit, tick);
  }

  public SpareThreadSettings withTick(Duration period) {
    return new SpareThreadSettings(
        startThreads, minSpareThreads, maxSpareThreads, maxThreadsPerChild, threadLimit, period);
  }

  private static void requireAtLeast(String directive, int value, int least) {
    if (value < least) {
      throw new IllegalArgumentException(
          directive + " must be at least " + least + ", not " + value);
    }
  }
}
