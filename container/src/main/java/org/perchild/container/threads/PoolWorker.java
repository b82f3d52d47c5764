package org.perchild.container.threads;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.util.AtomicBiInteger;

/**
 * One thread of a {@link SpareThreadPool}: it takes jobs from the pool's queue, gives its spare
 * unit back after each, and sleeps on the pool's deque when there is nothing to do, until the pool
 * wakes or ends it. Part of the pool's lock-free core, kept in a file of its own only for length:
 * it reads the pool's fields directly, as it did as an inner class.
 */
final class PoolWorker implements Runnable {
  static final int NONE = 0;
  static final int WAKE = 1;
  static final int END = 2;

  private final SpareThreadPool pool;

  final Thread thread;
  // Set, then the thread unparked, by whoever takes the worker off the sleeping deque.
  private volatile int signal = NONE;
  private volatile Runnable running;
  volatile long idleSince;
  // In the counts, until the worker leaves or whoever ends it takes it out. Own thread only.
  boolean counted = true;

  PoolWorker(SpareThreadPool pool) {
    this.pool = pool;
    this.idleSince = pool.ticker.nanoTime();
    this.thread = new Thread(this, pool.name + "-" + pool.sequence.incrementAndGet());
    // Not the starter's loader, which may be a webapp's: a pool thread would pin it.
    thread.setContextClassLoader(SpareThreadPool.class.getClassLoader());
  }

  /** Wakes or ends a worker just taken off the sleeping deque. */
  void signal(int what) {
    signal = what;
    LockSupport.unpark(thread);
  }

  @Override
  public void run() {
    try {
      while (true) {
        Runnable job = pool.queue.poll();
        if (job != null) {
          running = job;
          pool.runJob(job);
          running = null;
          if (!afterJob()) {
            return;
          }
        } else if (!pool.accepting) {
          // Stopping: an idle thread leaves, its spare unit with it.
          pool.counts.add(-1, -1);
          counted = false;
          return;
        } else if (!sleep()) {
          return;
        }
      }
    } finally {
      pool.exited(this);
    }
  }

  /**
   * Gives the job's spare unit back, or leaves when the pool is stopping or holds more threads than
   * its hard limit now allows; false to exit.
   */
  private boolean afterJob() {
    while (true) {
      long c = pool.counts.get();
      int threads = AtomicBiInteger.getHi(c);
      int spare = AtomicBiInteger.getLo(c);
      SpareThreadPolicy current = pool.policy;
      boolean leave = !pool.accepting || !current.keepAfterJob(threads, pool.leased());
      if (pool.counts.compareAndSet(c, leave ? threads - 1 : threads, leave ? spare : spare + 1)) {
        counted = !leave;
        return !leave;
      }
    }
  }

  /**
   * Sleeps on the deque until woken for work (true) or ended (false). Counted asleep first, then it
   * looks at the queue and the pool's state once more: whoever queued a job or began to stop
   * meanwhile either saw it asleep, and wakes or ends it, or is seen here.
   */
  private boolean sleep() {
    idleSince = pool.ticker.nanoTime();
    pool.sleeping.addFirst(this);
    pool.asleep.incrementAndGet();
    if ((!pool.queue.isEmpty() || !pool.accepting) && pool.sleeping.removeFirstOccurrence(this)) {
      pool.asleep.decrementAndGet();
      return true;
    }
    int what;
    while ((what = signal) == NONE) {
      LockSupport.park(pool);
      // A sleeping thread has nothing to interrupt, and a flag left set would have park()
      // return at once, over and over.
      Thread.interrupted();
    }
    signal = NONE;
    if (what == END) {
      counted = false;
      return false;
    }
    return true;
  }

  /** For dump(). */
  String state(long now) {
    Runnable job = running;
    if (job != null) {
      return "BUSY";
    }
    if (signal == END || !counted) {
      return "ENDING";
    }
    if (pool.sleeping.contains(this)) {
      return "IDLE " + TimeUnit.NANOSECONDS.toMillis(now - idleSince) + "ms";
    }
    return "BUSY";
  }
}
