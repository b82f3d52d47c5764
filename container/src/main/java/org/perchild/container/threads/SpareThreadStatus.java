package org.perchild.container.threads;

import org.eclipse.jetty.util.AtomicBiInteger;

/**
 * A snapshot of a {@link SpareThreadPool}'s counts, read at one instant from one atomic word, for
 * the status page and the load report to the launcher.
 *
 * <p>{@code busy} means what httpd's scoreboard means: threads serving requests. Threads leased to
 * Jetty's own acceptors and selectors are counted apart in {@code leased}, so once they run, {@code
 * total == busy + idle + leased}.
 *
 * @param total threads in the pool, whatever they do
 * @param idle threads waiting for work (the spare threads)
 * @param busy threads serving requests, never more than MaxThreadsPerChild
 * @param leased threads leased to Jetty components through the {@code ThreadPoolBudget}
 * @param queued jobs waiting for a thread
 * @param busyHighWater the most threads seen serving requests at once since the pool started
 * @param maxThreadsPerChild the effective MaxThreadsPerChild, after ThreadLimit
 */
public record SpareThreadStatus(
    int total,
    int idle,
    int busy,
    int leased,
    int queued,
    int busyHighWater,
    int maxThreadsPerChild) {

  /**
   * The status a {@link SpareThreadPool} reports from its counts word ({@code counts}: threads
   * high, spare low, where spare below zero counts the jobs no thread is free for) and the numbers
   * it keeps beside it.
   */
  static SpareThreadStatus of(long counts, int leased, int busyHighWater, int maxThreadsPerChild) {
    int threads = AtomicBiInteger.getHi(counts);
    int spare = AtomicBiInteger.getLo(counts);
    int idle = Math.max(0, Math.min(spare, threads));
    return new SpareThreadStatus(
        threads,
        idle,
        Math.max(0, threads - idle - leased),
        leased,
        Math.max(0, -spare),
        busyHighWater,
        maxThreadsPerChild);
  }

  /** The counts as the pool's {@code toString()} shows them, in Jetty's {@code key=value} style. */
  String summary() {
    return String.format(
        "total=%d,idle=%d,busy=%d/%d,leased=%d,queued=%d,highWater=%d",
        total, idle, busy, maxThreadsPerChild, leased, queued, busyHighWater);
  }
}
