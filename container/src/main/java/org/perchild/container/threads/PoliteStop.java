package org.perchild.container.threads;

import static org.perchild.container.threads.PoolThreadDump.topFrame;

import java.time.Duration;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.function.Function;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a {@link SpareThreadPool}'s stop, polite as {@code QueuedThreadPool}'s: once the pool
 * accepts no new work and its idle threads are ending, busy threads get half the stop timeout to
 * finish their job, then are interrupted and get the other half; any still running are logged by
 * name and top frame. Jobs still queued are not run: they are closed if {@link java.io.Closeable}
 * (Jetty's way of rejecting), else logged.
 *
 * <p>The pool's {@code doStop} makes one per stop; it runs once in a pool's life, never beside the
 * lock-free paths, which is why it can stand apart from them.
 *
 * @param <W> the pool's own record of a thread
 */
final class PoliteStop<W> {

  // The pool's logger, so that a stop's warnings stay where operators look for the pool's.
  private static final Logger LOG = LoggerFactory.getLogger(SpareThreadPool.class);
  private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final String name;
  private final Set<W> workers;
  private final Function<W, Thread> threadOf;
  private final Runnable endSleeping;
  private final Condition threadExited;

  /**
   * @param name the pool's name, for the log
   * @param workers the pool's live threads, which leave the set as they exit
   * @param endSleeping ends the threads asleep in the pool, taking them out of its counts
   * @param threadExited signalled, under the pool's lock, whenever a pool thread exits
   */
  PoliteStop(
      String name,
      Set<W> workers,
      Function<W, Thread> threadOf,
      Runnable endSleeping,
      Condition threadExited) {
    this.name = name;
    this.workers = workers;
    this.threadOf = threadOf;
    this.endSleeping = endSleeping;
    this.threadExited = threadExited;
  }

  /** Waits for, interrupts, then gives up on the pool threads still running. Lock held. */
  void awaitThreads(Duration stopTimeout) {
    long halfTimeout = stopTimeout.toNanos() / 2;
    if (!awaitOthersExited(halfTimeout)) {
      for (W worker : workers) {
        Thread thread = threadOf.apply(worker);
        if (thread != Thread.currentThread()) {
          LOG.debug("{}: interrupting {}", name, thread);
          thread.interrupt();
        }
      }
      awaitOthersExited(halfTimeout);
    }
    for (W worker : workers) {
      Thread thread = threadOf.apply(worker);
      if (thread != Thread.currentThread()) {
        LOG.warn("{}: could not stop {} {}", name, thread, topFrame(thread));
      }
    }
  }

  /** Rejects the jobs left in {@code queue}, which no thread will run now. */
  void rejectQueued(Queue<Runnable> queue) {
    for (Runnable job; (job = queue.poll()) != null; ) {
      if (!ThreadPool.reject(job, null)) {
        LOG.warn("{}: stopped without running {}", name, job);
      }
    }
  }

  /** Waits up to {@code nanos} for every pool thread but the caller to exit. Lock held. */
  private boolean awaitOthersExited(long nanos) {
    // A pool thread may be the one stopping the server (Jetty's ShutdownHandler): never wait for
    // it.
    long deadline = System.nanoTime() + nanos;
    boolean interrupted = false;
    try {
      while (workers.size() > (isPoolThread() ? 1 : 0)) {
        // A thread that finished its job as the stop began may have gone to sleep since.
        endSleeping.run();
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          threadExited.awaitNanos(Math.min(left, SWEEP_NANOS));
        } catch (InterruptedException e) {
          // Finish stopping all the same (as QueuedThreadPool does); the caller keeps its flag.
          interrupted = true;
        }
      }
      return true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private boolean isPoolThread() {
    for (W worker : workers) {
      if (threadOf.apply(worker) == Thread.currentThread()) {
        return true;
      }
    }
    return false;
  }
}
