package org.perchild.container.threads;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Drives a {@link SpareThreadPool}'s maintenance tick. Production uses {@link #scheduled()}, one
 * daemon thread per pool outside the pool's own count (httpd's main thread plays this part); tests
 * pass a ticker they drive by hand, so that trimming happens exactly when they say.
 */
@FunctionalInterface
public interface MaintenanceTicker {

  /**
   * Starts calling {@code tick} every {@code period} until the returned handle is closed.
   *
   * @param name a name for the ticking thread, if the ticker has one
   */
  Ticking start(String name, Duration period, Runnable tick);

  /**
   * The clock ticks are measured against, in nanoseconds ({@link System#nanoTime()}): the pool
   * tells by it which threads have been idle since the previous tick. A ticker driven by hand moves
   * its own clock a period at each tick.
   */
  default long nanoTime() {
    return System.nanoTime();
  }

  /** A running tick; closing it stops further ticks. */
  interface Ticking extends AutoCloseable {
    @Override
    void close();
  }

  /** Ticks on a daemon thread of its own, with a fixed delay between ticks. */
  static MaintenanceTicker scheduled() {
    // A lambda: the interface's one abstract method, and the system clock.
    return (name, period, tick) -> {
      ScheduledExecutorService timer =
          Executors.newSingleThreadScheduledExecutor(
              runnable -> {
                Thread thread = new Thread(runnable, name);
                thread.setDaemon(true);
                // Not the starter's loader, which may be a webapp's: that would pin it.
                thread.setContextClassLoader(MaintenanceTicker.class.getClassLoader());
                return thread;
              });
      long nanos = period.toNanos();
      timer.scheduleWithFixedDelay(tick, nanos, nanos, TimeUnit.NANOSECONDS);
      return timer::shutdownNow;
    };
  }
}
