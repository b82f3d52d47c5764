package org.perchild.container.threads;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pool with real threads and a maintenance tick driven by hand. */
@Timeout(20)
class SpareThreadPoolTest {

  private static final Duration AWAIT = Duration.ofSeconds(5);

  private final ManualTicker ticker = new ManualTicker();
  private final List<CountDownLatch> gates = new ArrayList<>();
  private SpareThreadPool pool;

  @AfterEach
  void stopPool() throws Exception {
    gates.forEach(CountDownLatch::countDown);
    if (pool != null) {
      pool.stop();
    }
  }

  private SpareThreadPool start(String name, SpareThreadSettings settings) throws Exception {
    pool = new SpareThreadPool(name, settings, ticker);
    pool.setStopTimeout(Duration.ofSeconds(2));
    pool.start();
    return pool;
  }

  private CountDownLatch gate() {
    CountDownLatch gate = new CountDownLatch(1);
    gates.add(gate);
    return gate;
  }

  private static Set<String> liveThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith(prefix + "-") && !name.endsWith("-maintenance"))
        .collect(Collectors.toSet());
  }

  @Test
  void startThreadsExistWhenThePoolStarts() throws Exception {
    start("perchild-alice", new SpareThreadSettings(3, 1, 5, 8, 8, Duration.ofSeconds(1)));

    SpareThreadStatus status = pool.status();
    assertEquals(3, status.total());
    assertEquals(3, status.idle());
    assertEquals(0, status.busy());
    await().atMost(AWAIT).until(() -> liveThreads("perchild-alice").size() == 3);
    assertTrue(
        liveThreads("perchild-alice").stream().allMatch(n -> n.matches("perchild-alice-\\d+")));
  }

  @Test
  void burstRunsExactlyMaxThreadsPerChildAtOnceQueuesTheRestThenTicksTrimToMaxSpare()
      throws Exception {
    start("perchild-burst", new SpareThreadSettings(2, 1, 3, 8, 8, Duration.ofSeconds(1)));
    CountDownLatch gate = gate();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger mostRunning = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();

    for (int i = 0; i < 20; i++) {
      pool.execute(
          () -> {
            mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
              gate.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } finally {
              running.decrementAndGet();
              done.incrementAndGet();
            }
          });
    }

    // Threads started at once, without a tick; no more than eight ever run.
    await().atMost(AWAIT).until(() -> running.get() == 8);
    SpareThreadStatus during = pool.status();
    assertEquals(8, during.total());
    assertEquals(8, during.busy());
    assertEquals(0, during.idle());
    assertEquals(12, during.queued());
    assertTrue(pool.isLowOnThreads());

    gate.countDown();
    await().atMost(AWAIT).until(() -> done.get() == 20);
    assertEquals(8, mostRunning.get());
    await().atMost(AWAIT).until(() -> pool.status().idle() == 8);
    assertEquals(8, pool.status().busyHighWater());

    ticker.tick();
    SpareThreadStatus after = pool.status();
    assertEquals(3, after.idle());
    assertEquals(3, after.total());
    await().atMost(AWAIT).until(() -> liveThreads("perchild-burst").size() == 3);
    ticker.tick();
    assertEquals(3, pool.status().total());
  }

  @Test
  void ticksEndTheLongestIdleThreadsFirst() throws Exception {
    start("perchild-order", new SpareThreadSettings(0, 0, 2, 4, 4, Duration.ofSeconds(1)));
    List<CountDownLatch> jobGates = new ArrayList<>();
    List<AtomicReference<Thread>> ranOn = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      CountDownLatch jobGate = gate();
      AtomicReference<Thread> thread = new AtomicReference<>();
      jobGates.add(jobGate);
      ranOn.add(thread);
      pool.execute(
          () -> {
            thread.set(Thread.currentThread());
            try {
              jobGate.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
    await().atMost(AWAIT).until(() -> ranOn.stream().allMatch(t -> t.get() != null));

    // Idle in the order 0, 1, 2, 3: thread 0 is the longest idle.
    for (int i = 0; i < 4; i++) {
      jobGates.get(i).countDown();
      int idle = i + 1;
      await().atMost(AWAIT).until(() -> pool.status().idle() == idle);
    }
    ticker.tick();

    await()
        .atMost(AWAIT)
        .until(() -> !ranOn.get(0).get().isAlive() && !ranOn.get(1).get().isAlive());
    assertTrue(ranOn.get(2).get().isAlive());
    assertTrue(ranOn.get(3).get().isAlive());
    assertEquals(2, pool.status().total());
  }

  @Test
  void ticksStartThreadsUpToMinSpareThreads() throws Exception {
    start("perchild-floor", new SpareThreadSettings(0, 3, 5, 8, 8, Duration.ofSeconds(1)));
    assertEquals(0, pool.status().total());

    ticker.tick();
    assertEquals(3, pool.status().idle());
    await().atMost(AWAIT).until(() -> liveThreads("perchild-floor").size() == 3);
  }

  @Test
  void aTickEndsOnlyThreadsIdleSinceThePreviousTick() throws Exception {
    start("perchild-recent", new SpareThreadSettings(0, 0, 1, 4, 4, Duration.ofSeconds(1)));
    CountDownLatch gate = gate();
    AtomicInteger running = new AtomicInteger();
    executeWaiting(4, gate, running);
    await().atMost(AWAIT).until(() -> running.get() == 4);
    gate.countDown();
    await().atMost(AWAIT).until(() -> pool.status().idle() == 4);

    // A tick right away: the four served a moment ago, so none is excess yet.
    ticker.tickAtOnce();
    assertEquals(4, pool.status().total());
    // A period later they have been idle a whole tick: all but MaxSpareThreads end.
    ticker.tick();
    assertEquals(1, pool.status().total());
    await().atMost(AWAIT).until(() -> liveThreads("perchild-recent").size() == 1);
  }

  @Test
  void tryExecuteUsesAnIdleSpareOrDeclinesWithoutStartingOne() throws Exception {
    start("perchild-try", new SpareThreadSettings(1, 0, 5, 8, 8, Duration.ofSeconds(1)));
    CountDownLatch gate = gate();
    CountDownLatch ran = new CountDownLatch(1);

    assertTrue(
        pool.tryExecute(
            () -> {
              ran.countDown();
              try {
                gate.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }));
    ran.await();
    assertFalse(pool.tryExecute(() -> {}));
    assertEquals(1, pool.status().total());
  }

  @Test
  void raisingMaxThreadsPerChildServesWaitingWorkAtOnceButNotPastThreadLimit() throws Exception {
    start("perchild-raise", new SpareThreadSettings(0, 0, 5, 2, 4, Duration.ofSeconds(1)));
    CountDownLatch gate = gate();
    AtomicInteger running = new AtomicInteger();
    executeWaiting(6, gate, running);
    await().atMost(AWAIT).until(() -> running.get() == 2);

    pool.setMaxThreads(10);

    assertEquals(4, pool.getMaxThreads(), "clamped to ThreadLimit");
    await().atMost(AWAIT).until(() -> running.get() == 4);
    assertEquals(2, pool.status().queued());
  }

  /** A queued job Jetty would close when rejected, as its connections' tasks are. */
  private static final class ClosingJob implements Runnable, java.io.Closeable {
    final AtomicBoolean ran = new AtomicBoolean();
    final AtomicBoolean closed = new AtomicBoolean();

    @Override
    public void run() {
      ran.set(true);
    }

    @Override
    public void close() {
      closed.set(true);
    }
  }

  @Test
  void stopInterruptsStuckJobsAfterHalfTheTimeoutAndGivesUpOnDeafOnes() throws Exception {
    start("perchild-stop", new SpareThreadSettings(0, 0, 5, 2, 2, Duration.ofSeconds(1)));
    pool.setStopTimeout(Duration.ofMillis(600));
    CountDownLatch never = gate();
    AtomicBoolean interrupted = new AtomicBoolean();
    AtomicBoolean deafRelease = new AtomicBoolean();
    AtomicInteger running = new AtomicInteger();
    Set<Thread> deaf = ConcurrentHashMap.newKeySet();

    pool.execute(
        () -> {
          running.incrementAndGet();
          try {
            never.await();
          } catch (InterruptedException e) {
            interrupted.set(true);
          }
        });
    pool.execute(
        () -> {
          running.incrementAndGet();
          deaf.add(Thread.currentThread());
          // Ignores interrupts: the pool must give up on it rather than wait for ever.
          while (!deafRelease.get()) {
            Thread.onSpinWait();
          }
        });
    ClosingJob queued = new ClosingJob();
    pool.execute(queued);
    await().atMost(AWAIT).until(() -> running.get() == 2);
    assertEquals(1, pool.status().queued());

    long began = System.nanoTime();
    pool.stop();
    long tookMillis = (System.nanoTime() - began) / 1_000_000;

    assertTrue(interrupted.get(), "the stuck job was interrupted");
    assertTrue(tookMillis >= 300, "waited before interrupting: " + tookMillis + " ms");
    assertTrue(tookMillis < 3_000, "stop gave up in time: " + tookMillis + " ms");
    assertEquals(1, pool.status().total(), "the deaf thread is still there, and was logged");
    assertFalse(queued.ran.get(), "queued jobs are not run once stopping");
    assertTrue(queued.closed.get(), "queued jobs are closed, Jetty's way of rejecting");
    assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> {}));

    deafRelease.set(true);
    Thread deafThread = deaf.iterator().next();
    await().atMost(AWAIT).until(() -> !deafThread.isAlive());
    assertEquals(0, pool.status().total());
  }

  @Test
  void stopWaitsForBusyJobsToFinishBeforeInterrupting() throws Exception {
    start("perchild-polite", new SpareThreadSettings(2, 0, 5, 4, 4, Duration.ofSeconds(1)));
    pool.setStopTimeout(Duration.ofSeconds(10));
    CountDownLatch gate = gate();
    CountDownLatch running = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    AtomicBoolean finished = new AtomicBoolean();
    pool.execute(
        () -> {
          running.countDown();
          try {
            gate.await();
            finished.set(true);
          } catch (InterruptedException e) {
            interrupted.set(true);
          }
        });
    running.await();

    Thread stopper =
        new Thread(
            () -> {
              try {
                pool.stop();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    stopper.start();
    await().atMost(AWAIT).until(() -> pool.isStopping() && pool.status().total() == 1);
    gate.countDown();
    stopper.join();

    assertTrue(finished.get());
    assertFalse(interrupted.get());
    assertEquals(0, pool.status().total());
    pool.join(); // returns at once: stopped
  }

  @Test
  void dumpNamesEveryThreadAndWhatItDoes() throws Exception {
    start("perchild-dump", new SpareThreadSettings(2, 0, 5, 4, 4, Duration.ofSeconds(1)));
    CountDownLatch gate = gate();
    CountDownLatch running = new CountDownLatch(1);
    pool.execute(
        () -> {
          running.countDown();
          try {
            gate.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    running.await();

    String dump = pool.dump();
    assertTrue(dump.contains("SpareThreadPool[perchild-dump]"), dump);
    assertTrue(dump.contains(" IDLE "), dump);
    assertTrue(dump.contains(" BUSY @ "), dump);
    assertTrue(dump.contains("perchild-dump-1"), dump);
  }

  @Test
  void everyJobRunsUnderConcurrentArrivalsWithNoTickToRescueALostWakeUp() throws Exception {
    // Four feeders each give the pool small bursts of jobs, directly and through tryExecute, and
    // wait for each burst to finish before the next: the pool's few threads keep going to sleep
    // and being woken. The manual ticker never ticks and no later job comes to the rescue, so a
    // job queued with no thread woken for it stalls its feeder.
    start("perchild-stress", new SpareThreadSettings(2, 1, 3, 4, 4, Duration.ofSeconds(1)));
    int feeders = 4;
    int bursts = 20_000;
    AtomicInteger stalls = new AtomicInteger();
    AtomicInteger taken = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int f = 0; f < feeders; f++) {
      Thread feeder =
          new Thread(
              () -> {
                for (int burst = 0; burst < bursts && stalls.get() == 0; burst++) {
                  int size = 1 + burst % 3;
                  CountDownLatch done = new CountDownLatch(size);
                  for (int i = 0; i < size; i++) {
                    if (i == 0 && burst % 2 == 0 && pool.tryExecute(done::countDown)) {
                      taken.incrementAndGet();
                    } else {
                      pool.execute(done::countDown);
                    }
                  }
                  try {
                    if (!done.await(5, TimeUnit.SECONDS)) {
                      stalls.incrementAndGet();
                    }
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              });
      threads.add(feeder);
      feeder.start();
    }
    for (Thread feeder : threads) {
      feeder.join();
    }
    assertEquals(0, stalls.get(), "bursts whose jobs did not all run: " + pool);
    assertTrue(taken.get() > 0, "some jobs went through tryExecute");
    await().atMost(AWAIT).until(() -> pool.status().idle() == pool.status().total());
    assertEquals(0, pool.status().queued());
    assertTrue(pool.status().total() <= 4, pool.toString());
  }

  /** Executes {@code count} jobs that each count themselves in {@code running}, then wait. */
  private void executeWaiting(int count, CountDownLatch gate, AtomicInteger running) {
    for (int i = 0; i < count; i++) {
      pool.execute(
          () -> {
            running.incrementAndGet();
            try {
              gate.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
  }
}
