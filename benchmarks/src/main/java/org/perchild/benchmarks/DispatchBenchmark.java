package org.perchild.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.eclipse.jetty.util.thread.TryExecutor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.perchild.container.ChildServer;
import org.perchild.container.threads.SpareThreadPool;
import org.perchild.container.threads.SpareThreadSettings;

/**
 * Dispatch through the child's thread pool, without Jetty, sockets or other processes around it:
 * how long a job takes from {@code execute} to a pool thread and back to the caller, and how many
 * such jobs the pool hands out per second. {@code pool=spare} is perchild's {@link SpareThreadPool}
 * with the default settings (StartThreads 5, MinSpareThreads 5, MaxSpareThreads 10,
 * MaxThreadsPerChild 64); {@code pool=queued} is Jetty's {@link QueuedThreadPool} as the child
 * builds it for {@code bench/bench.sh --threads} ({@link ChildServer#queuedThreadPool}), reserved
 * threads included.
 *
 * <p>The jobs do nothing but tell the caller they ran, so every figure is the pools' own cost:
 * counters, queue, waking a thread, the scheduler. Run with {@code bench/dispatch.sh} (JMH's
 * options after it).
 */
@State(Scope.Benchmark)
@Fork(2)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class DispatchBenchmark {

  /** Jobs each caller hands out at once in {@link #burst}: the connections a wrk run keeps. */
  private static final int BURST = 32;

  @Param({"spare", "queued"})
  public String pool;

  private ThreadPool threads;
  private TryExecutor tryExecutor;

  @Setup(Level.Trial)
  public void start() throws Exception {
    SpareThreadSettings settings = SpareThreadSettings.defaults();
    switch (pool) {
      case "spare" -> threads = new SpareThreadPool("bench", settings);
      case "queued" ->
          threads =
              ChildServer.queuedThreadPool(
                  "bench", settings.maxThreadsPerChild(), settings.minSpareThreads());
      default -> throw new IllegalArgumentException("pool must be spare or queued: " + pool);
    }
    tryExecutor = (TryExecutor) threads;
    ((LifeCycle) threads).start();
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    ((LifeCycle) threads).stop();
  }

  /**
   * One job at a time, from one caller: the way from {@code execute} to a sleeping or idle thread
   * and back, the latency a request adds when it is dispatched.
   */
  @Benchmark
  @Threads(1)
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void roundTrip() {
    Countdown done = new Countdown(1);
    threads.execute(done);
    done.await();
  }

  /**
   * As {@link #roundTrip}, but the job goes first to {@code tryExecute}, as Jetty's selector hands
   * its production to another thread, and to {@code execute} only if declined.
   */
  @Benchmark
  @Threads(1)
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void tryExecuteRoundTrip() {
    Countdown done = new Countdown(1);
    if (!tryExecutor.tryExecute(done)) {
      threads.execute(done);
    }
    done.await();
  }

  /**
   * Two callers each hand out {@value #BURST} jobs and wait for all of them: jobs per second when
   * work arrives from several threads at once and the queue fills and drains.
   */
  @Benchmark
  @Threads(2)
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public void burst() {
    Countdown done = new Countdown(BURST);
    for (int i = 0; i < BURST; i++) {
      threads.execute(done);
    }
    done.await();
  }

  /** A job that counts down and wakes the caller waiting for the count to reach zero. */
  private static final class Countdown implements Runnable {
    private final Thread caller = Thread.currentThread();
    private final AtomicInteger left;

    Countdown(int jobs) {
      left = new AtomicInteger(jobs);
    }

    @Override
    public void run() {
      if (left.decrementAndGet() == 0) {
        LockSupport.unpark(caller);
      }
    }

    void await() {
      while (left.get() > 0) {
        LockSupport.park(this);
      }
    }
  }
}
