package org.perchild.container.threads;

import java.util.ArrayList;
import java.util.List;

/**
 * How many threads a {@link SpareThreadPool} starts and ends, given its counts: the pure half of
 * the pool, free of threads and clocks so that unit tests can drive it tick by tick. The pool calls
 * it on every arrival of work, after every job and on every maintenance tick, with counts read
 * together from one atomic word.
 *
 * <p>The rules are httpd's:
 *
 * <ul>
 *   <li>work that finds no idle thread starts one at once if the hard limit allows, else waits in
 *       the queue;
 *   <li>the hard limit is MaxThreadsPerChild plus the threads leased to Jetty's acceptors and
 *       selectors, so that MaxThreadsPerChild counts requests served at once;
 *   <li>each tick starts threads until MinSpareThreads are idle (up to the hard limit) and ends the
 *       idle threads above MaxSpareThreads;
 *   <li>ThreadLimit, fixed by the first settings, caps MaxThreadsPerChild for the server's life.
 * </ul>
 *
 * <p>Instances are immutable; {@link #reconfigure} returns a new one. Settings that had to be
 * adjusted are listed by {@link #adjustments()} in httpd's words, for the pool to log as warnings.
 */
public final class SpareThreadPolicy {

  /** What to do with a job that arrives. */
  public enum Arrival {
    /** Give it to an idle thread. */
    HAND_OFF,
    /** Start a thread for it. */
    START,
    /** Queue it until a thread finishes its job. */
    QUEUE
  }

  /**
   * What a maintenance tick does.
   *
   * @param start threads to start: first for queued jobs, the rest as spares
   * @param end idle threads to end, longest idle first
   */
  public record Maintenance(int start, int end) {
    public static final Maintenance NONE = new Maintenance(0, 0);
  }

  private final SpareThreadSettings settings;
  private final List<String> adjustments;

  private SpareThreadPolicy(SpareThreadSettings settings, List<String> adjustments) {
    this.settings = settings;
    this.adjustments = List.copyOf(adjustments);
  }

  /** The policy for a pool's first settings, whose ThreadLimit then holds for the server's life. */
  public static SpareThreadPolicy of(SpareThreadSettings requested) {
    return adjust(requested, requested.threadLimit(), new ArrayList<>());
  }

  /**
   * The policy for settings given later (a graceful restart, a JMX call). ThreadLimit cannot
   * change: MaxThreadsPerChild is clamped to this policy's limit, as httpd does.
   */
  public SpareThreadPolicy reconfigure(SpareThreadSettings requested) {
    List<String> notes = new ArrayList<>();
    int limit = settings.threadLimit();
    if (requested.threadLimit() != limit) {
      notes.add(
          String.format(
              "changing ThreadLimit to %d from original value of %d not allowed during restart;"
                  + " keeping %d",
              requested.threadLimit(), limit, limit));
    }
    return adjust(requested, limit, notes);
  }

  private static SpareThreadPolicy adjust(
      SpareThreadSettings requested, int threadLimit, List<String> notes) {
    int maxThreads = requested.maxThreadsPerChild();
    if (maxThreads > threadLimit) {
      notes.add(
          String.format(
              "MaxThreadsPerChild of %d exceeds ThreadLimit of %d threads, lowering"
                  + " MaxThreadsPerChild to %d",
              maxThreads, threadLimit, threadLimit));
      maxThreads = threadLimit;
    }
    int start = requested.startThreads();
    if (start > maxThreads) {
      notes.add(
          String.format(
              "StartThreads of %d exceeds MaxThreadsPerChild of %d, lowering StartThreads to %d",
              start, maxThreads, maxThreads));
      start = maxThreads;
    }
    int minSpare = requested.minSpareThreads();
    int maxSpare = requested.maxSpareThreads();
    if (maxSpare < minSpare) {
      // Otherwise every tick would start threads that the next one ends.
      notes.add(
          String.format(
              "MaxSpareThreads of %d is below MinSpareThreads of %d, raising MaxSpareThreads to %d",
              maxSpare, minSpare, minSpare));
      maxSpare = minSpare;
    }
    SpareThreadSettings effective =
        new SpareThreadSettings(
            start, minSpare, maxSpare, maxThreads, threadLimit, requested.tick());
    return new SpareThreadPolicy(effective, notes);
  }

  /** The settings in force, after adjustment. */
  public SpareThreadSettings settings() {
    return settings;
  }

  /** Why {@link #settings()} differs from what was asked, one sentence each; often empty. */
  public List<String> adjustments() {
    return adjustments;
  }

  /** Threads to start with the pool. */
  public int threadsAtStart() {
    return settings.startThreads();
  }

  /** Most threads the pool may hold: MaxThreadsPerChild plus those leased to Jetty. */
  public int hardLimit(int leased) {
    return settings.maxThreadsPerChild() + Math.max(0, leased);
  }

  /** What to do with a job that arrives when the pool has these counts. */
  public Arrival onArrival(int threads, int idle, int leased) {
    if (idle > 0) {
      return Arrival.HAND_OFF;
    }
    return threads < hardLimit(leased) ? Arrival.START : Arrival.QUEUE;
  }

  /**
   * Whether a job may go straight to an idle thread without queueing ({@code TryExecutor}): only
   * when a thread is idle and nothing waits, so that such jobs never overtake the queue.
   */
  public boolean mayTryExecute(int idle, int queued) {
    return idle > 0 && queued == 0;
  }

  /**
   * Whether a thread that has just finished a job stays in the pool; it does not when the hard
   * limit was lowered below the thread count (a reconfiguration, or a lease returned).
   */
  public boolean keepAfterJob(int threads, int leased) {
    return threads <= hardLimit(leased);
  }

  /**
   * What a maintenance tick does when the pool has these counts.
   *
   * @param idle threads idle now
   * @param idleForATick of those, the threads idle since the previous tick at least: only they
   *     count as excess above MaxSpareThreads
   */
  public Maintenance onTick(int threads, int idle, int idleForATick, int queued, int leased) {
    int room = Math.max(0, hardLimit(leased) - threads);
    int wanted = queued + Math.max(0, settings.minSpareThreads() - idle);
    int start = Math.min(wanted, room);
    if (start > 0) {
      return new Maintenance(start, 0);
    }
    int excess = Math.min(idle - settings.maxSpareThreads(), idleForATick);
    if (queued == 0 && excess > 0) {
      return new Maintenance(0, excess);
    }
    return Maintenance.NONE;
  }

  @Override
  public String toString() {
    return String.format(
        "SpareThreadPolicy{start=%d,spare=%d..%d,max=%d,limit=%d,tick=%s}",
        settings.startThreads(),
        settings.minSpareThreads(),
        settings.maxSpareThreads(),
        settings.maxThreadsPerChild(),
        settings.threadLimit(),
        settings.tick());
  }
}
