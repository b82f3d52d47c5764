package org.perchild.container.threads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.container.threads.SpareThreadPolicy.Arrival;
import org.perchild.container.threads.SpareThreadPolicy.Maintenance;

/**
 * The policy driven without threads: a small model of the pool's counts, moved by arrivals, job
 * completions and ticks given by hand.
 */
@Timeout(10)
class SpareThreadPolicyTest {

  private static SpareThreadSettings settings(int start, int minSpare, int maxSpare, int max) {
    return new SpareThreadSettings(start, minSpare, maxSpare, max, 64, Duration.ofSeconds(1));
  }

  /** The pool's counts, changed only as the policy says. */
  private static final class Model {
    final SpareThreadPolicy policy;
    final int leased;
    int threads;
    int idle;
    int queued;

    Model(SpareThreadPolicy policy, int leased) {
      this.policy = policy;
      this.leased = leased;
      this.threads = policy.threadsAtStart();
      this.idle = threads;
    }

    int busy() {
      return threads - idle;
    }

    Arrival arrive() {
      Arrival arrival = policy.onArrival(threads, idle, leased);
      switch (arrival) {
        case HAND_OFF -> idle--;
        case START -> threads++;
        case QUEUE -> queued++;
      }
      return arrival;
    }

    void finishJob() {
      if (!policy.keepAfterJob(threads, leased)) {
        threads--;
      } else if (queued > 0) {
        queued--;
      } else {
        idle++;
      }
    }

    Maintenance tick() {
      // In this model every idle thread has been idle since the previous tick.
      Maintenance maintenance = policy.onTick(threads, idle, idle, queued, leased);
      for (int i = 0; i < maintenance.start(); i++) {
        threads++;
        if (queued > 0) {
          queued--;
        } else {
          idle++;
        }
      }
      threads -= maintenance.end();
      idle -= maintenance.end();
      return maintenance;
    }
  }

  @Test
  void burstStartsThreadsAtOnceUpToTheMaximumThenQueues() {
    Model pool = new Model(SpareThreadPolicy.of(settings(5, 5, 10, 8)), 0);
    List<Arrival> arrivals = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      arrivals.add(pool.arrive());
    }

    // The five spares take the first jobs, three threads start without waiting for a tick, and
    // the rest wait.
    assertEquals(List.of(Arrival.HAND_OFF), distinct(arrivals.subList(0, 5)));
    assertEquals(List.of(Arrival.START), distinct(arrivals.subList(5, 8)));
    assertEquals(List.of(Arrival.QUEUE), distinct(arrivals.subList(8, 20)));
    assertEquals(8, pool.threads);
    assertEquals(12, pool.queued);
  }

  @Test
  void leasedThreadsComeOnTopOfMaxThreadsPerChild() {
    Model pool = new Model(SpareThreadPolicy.of(settings(0, 0, 10, 8)), 3);
    for (int i = 0; i < 3; i++) {
      pool.arrive(); // the acceptor and selector jobs Jetty leased threads for
    }
    for (int i = 0; i < 20; i++) {
      pool.arrive();
    }
    assertEquals(11, pool.threads);
    assertEquals(11, pool.policy.hardLimit(3));
    assertEquals(8, pool.busy() - pool.leased, "requests served at once");
  }

  @Test
  void idleTicksTrimToMaxSpareThreadsAndNoFurther() {
    Model pool = new Model(SpareThreadPolicy.of(settings(0, 2, 4, 8)), 0);
    for (int i = 0; i < 8; i++) {
      pool.arrive();
    }
    for (int i = 0; i < 8; i++) {
      pool.finishJob();
    }
    assertEquals(8, pool.idle);

    assertEquals(new Maintenance(0, 4), pool.tick());
    assertEquals(4, pool.idle);
    assertEquals(4, pool.threads);
    assertEquals(Maintenance.NONE, pool.tick());
    assertEquals(Maintenance.NONE, pool.tick());
    assertEquals(4, pool.threads);
  }

  @Test
  void nothingIsTrimmedWhileWorkWaits() {
    SpareThreadPolicy policy = SpareThreadPolicy.of(settings(0, 0, 1, 8));
    assertEquals(Maintenance.NONE, policy.onTick(8, 3, 3, 2, 0));
  }

  @Test
  void onlyThreadsIdleSinceThePreviousTickAreExcess() {
    SpareThreadPolicy policy = SpareThreadPolicy.of(settings(0, 2, 4, 16));
    // Ten idle, but six of them served a request since the previous tick: they are in use.
    assertEquals(new Maintenance(0, 4), policy.onTick(12, 10, 4, 0, 0));
    assertEquals(new Maintenance(0, 6), policy.onTick(12, 10, 10, 0, 0));
    assertEquals(Maintenance.NONE, policy.onTick(12, 10, 0, 0, 0));
    // Never below MaxSpareThreads, however long they have been idle.
    assertEquals(new Maintenance(0, 1), policy.onTick(5, 5, 5, 0, 0));
  }

  @Test
  void ticksKeepMinSpareThreadsIdleWithinTheHardLimit() {
    Model pool = new Model(SpareThreadPolicy.of(settings(0, 3, 6, 8)), 0);
    assertEquals(0, pool.threads);
    assertEquals(new Maintenance(3, 0), pool.tick());
    assertEquals(3, pool.idle);
    assertEquals(Maintenance.NONE, pool.tick());

    for (int i = 0; i < 6; i++) {
      pool.arrive();
    }
    // Six busy, no spare: the floor asks for three more, the limit allows two.
    assertEquals(new Maintenance(2, 0), pool.tick());
    assertEquals(8, pool.threads);
    assertEquals(2, pool.idle);
    assertEquals(Maintenance.NONE, pool.tick());
  }

  @Test
  void neverMoreThanMaxThreadsPerChildBusyAndNeverIdleWhileWorkWaits() {
    Random random = new Random(42);
    for (int leased : new int[] {0, 2}) {
      Model pool = new Model(SpareThreadPolicy.of(settings(2, 1, 3, 8)), leased);
      for (int step = 0; step < 50_000; step++) {
        int action = random.nextInt(10);
        if (action < 5) {
          pool.arrive();
        } else if (action < 9) {
          if (pool.busy() > 0) {
            pool.finishJob();
          }
        } else {
          pool.tick();
        }
        assertTrue(pool.busy() <= pool.policy.hardLimit(leased), "step " + step);
        assertTrue(pool.queued == 0 || pool.idle == 0, "idle thread while work waits");
        assertTrue(
            pool.queued == 0 || pool.threads == pool.policy.hardLimit(leased),
            "work waits below the limit");
      }
    }
  }

  @Test
  void threadLimitCapsMaxThreadsPerChildForTheServersLife() {
    SpareThreadPolicy first =
        SpareThreadPolicy.of(new SpareThreadSettings(5, 5, 10, 100, 64, Duration.ofSeconds(1)));
    assertEquals(64, first.settings().maxThreadsPerChild());
    assertEquals(
        List.of(
            "MaxThreadsPerChild of 100 exceeds ThreadLimit of 64 threads, lowering"
                + " MaxThreadsPerChild to 64"),
        first.adjustments());

    // A graceful restart may not raise ThreadLimit, so it cannot raise MaxThreadsPerChild past it.
    SpareThreadPolicy restarted =
        first.reconfigure(first.settings().withThreadLimit(256).withMaxThreadsPerChild(200));
    assertEquals(64, restarted.settings().threadLimit());
    assertEquals(64, restarted.settings().maxThreadsPerChild());
    assertEquals(2, restarted.adjustments().size());
    assertTrue(restarted.adjustments().get(0).startsWith("changing ThreadLimit to 256"));

    SpareThreadPolicy lowered = restarted.reconfigure(first.settings().withMaxThreadsPerChild(16));
    assertEquals(16, lowered.settings().maxThreadsPerChild());
    assertEquals(List.of(), lowered.adjustments());
  }

  @Test
  void inconsistentSpareAndStartCountsAreAdjusted() {
    SpareThreadPolicy policy =
        SpareThreadPolicy.of(new SpareThreadSettings(20, 6, 2, 8, 8, Duration.ofSeconds(1)));
    assertEquals(8, policy.threadsAtStart());
    assertEquals(6, policy.settings().maxSpareThreads());
    assertEquals(2, policy.adjustments().size());
  }

  @Test
  void tryExecuteOnlyUsesAnIdleThreadAndNeverOvertakesTheQueue() {
    SpareThreadPolicy policy = SpareThreadPolicy.of(settings(0, 0, 4, 8));
    assertTrue(policy.mayTryExecute(1, 0));
    assertFalse(policy.mayTryExecute(0, 0));
    assertFalse(policy.mayTryExecute(1, 1));
  }

  @Test
  void aLoweredLimitShrinksThePoolAsJobsFinish() {
    SpareThreadPolicy policy = SpareThreadPolicy.of(settings(0, 0, 4, 4));
    assertTrue(policy.keepAfterJob(4, 0));
    assertFalse(policy.keepAfterJob(5, 0));
    assertTrue(policy.keepAfterJob(5, 1));
  }

  private static <T> List<T> distinct(List<T> values) {
    return values.stream().distinct().toList();
  }
}
