package org.perchild.container.threads;

import java.time.Duration;

/**
 * A maintenance tick the test drives by hand: {@link #tick()} is one tick, on the test thread, and
 * moves the ticker's clock one period on first, so that every thread idle when the tick runs has
 * been idle a whole period.
 */
final class ManualTicker implements MaintenanceTicker {
  private volatile Runnable tick;
  private volatile long period;
  private volatile long now = 1_000_000_000L;

  @Override
  public Ticking start(String name, Duration period, Runnable tick) {
    this.period = period.toNanos();
    this.tick = tick;
    return () -> this.tick = null;
  }

  @Override
  public long nanoTime() {
    return now;
  }

  void tick() {
    now += period;
    tickAtOnce();
  }

  /** One tick without moving the clock: as if it came right after the previous one. */
  void tickAtOnce() {
    Runnable current = tick;
    if (current == null) {
      throw new IllegalStateException("no pool is ticking");
    }
    current.run();
  }
}
