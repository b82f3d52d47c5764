package org.perchild.container.threads;

import java.time.Duration;

/** A maintenance tick the test drives by hand: {@link #tick()} is one tick, on the test thread. */
final class ManualTicker implements MaintenanceTicker {
  private volatile Runnable tick;

  @Override
  public Ticking start(String name, Duration period, Runnable tick) {
    this.tick = tick;
    return () -> this.tick = null;
  }

  void tick() {
    Runnable current = tick;
    if (current == null) {
      throw new IllegalStateException("no pool is ticking");
    }
    current.run();
  }
}
