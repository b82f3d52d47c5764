package org.perchild.container.threads;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.util.AtomicBiInteger;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.DumpableCollection;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.eclipse.jetty.util.thread.ThreadPoolBudget;
import org.eclipse.jetty.util.thread.TryExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The child's thread pool: the threads that run one tenant's web applications in embedded Jetty,
 * kept as httpd's perchild MPM keeps them. The child creates one per Jetty {@code Server} ({@code
 * new Server(pool)}), which starts and stops it; the status page and the load report read {@link
 * #status()}.
 *
 * <p>Threads come and go by httpd's rules, which {@link SpareThreadPolicy} decides: {@code
 * StartThreads} at start; work that finds no idle thread starts one at once if the hard limit
 * allows, else waits in an unbounded queue (Jetty must never have a job rejected for a full queue);
 * the hard limit is MaxThreadsPerChild plus the threads leased through {@link
 * #getThreadPoolBudget()} by Jetty's acceptors and selectors, so that MaxThreadsPerChild means what
 * httpd means, requests served at once. A maintenance tick (every {@link
 * SpareThreadSettings#tick()}, driven by a {@link MaintenanceTicker}) keeps the idle threads
 * between MinSpareThreads and MaxSpareThreads, ending the longest idle first and only threads idle
 * since the previous tick, so that a steady load does not have the pool end at one tick the threads
 * it starts again right after. Threads are never ended on a timeout of their own, only by the tick.
 *
 * <p>Jobs wait in one queue that every pool thread takes from, as in Jetty's {@code
 * QueuedThreadPool}: a job that finds an idle thread is queued, and whichever thread is free first
 * runs it, often one that has just finished a job and has not gone to sleep at all. A sleeping
 * thread (the most recently idle, whose caches are warm) is woken only when the threads already
 * awake are too few for the jobs queued: with {@code P} threads asleep and {@code S} spare (idle
 * threads minus queued jobs), one more is woken while {@code P > S}. A job is never bound to one
 * sleeping thread that the scheduler may be slow to run, and a thread is not woken for a job that a
 * thread already awake will take.
 *
 * <p>The paths every request takes ({@link #execute}, {@link #tryExecute}, a thread finishing a job
 * and taking the next or going to sleep) take no lock, as in {@code QueuedThreadPool}: the thread
 * count and the spare count change together in one atomic word, the jobs wait in a concurrent
 * queue, the sleeping threads in a concurrent deque. With one lock for all of it, threads that had
 * just finished a job queued behind each other for it whenever more threads were runnable than
 * there are CPUs (tens of milliseconds, measured), and Jetty's selector with them. The maintenance
 * tick, reconfiguration and stopping take a lock among themselves.
 *
 * <p>{@link #tryExecute} is the {@link TryExecutor} Jetty's execution strategies use to hand the
 * selector's production to another thread. There is no separate {@code ReservedThreadExecutor}: the
 * idle spare threads are the reserve. A job given to {@code tryExecute} is taken only when an idle
 * thread is free for it and no job is waiting for a thread: never a new thread, never behind
 * others. Otherwise Jetty keeps producing on the thread it has and queues the job. A reserve of its
 * own would hold threads outside MaxThreadsPerChild yet able to run requests (Jetty's
 * execute-produce-consume mode runs a request on the former producer), breaking the limit; using
 * the spares keeps every thread inside one count. When no spare is idle Jetty falls back to
 * queueing the job, or, for the rare {@code ThreadPool.executeImmediately} (failing a request that
 * is already being served), to a thread of its own.
 *
 * <p>The package comment draws the life of a pool thread. Stopping is polite, as {@code
 * QueuedThreadPool}'s ({@code PoliteStop}): no new work is accepted, idle threads end, busy ones
 * get the stop timeout to finish, and jobs still queued are rejected, not run.
 */
public final class SpareThreadPool extends ContainerLifeCycle
    implements ThreadPool.SizedThreadPool, TryExecutor {

  private static final Logger LOG = LoggerFactory.getLogger(SpareThreadPool.class);
  private static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(5);

  final String name;
  final MaintenanceTicker ticker;
  private final ThreadPoolBudget budget = new GrowingBudget(this);
  final AtomicInteger sequence = new AtomicInteger();

  // High: threads alive and not ending. Low: spare, the idle threads (asleep, or awake and about to
  // look at the queue) minus the jobs queued; below zero, jobs wait for a thread to finish. A job
  // takes one spare unit when it arrives, and its thread gives it back when the job is done.
  final AtomicBiInteger counts = new AtomicBiInteger();
  final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  // Threads asleep. Head: the most recently idle, woken first (its caches are warm); tail: the
  // longest idle, whom the tick ends first. `asleep` counts them: pushed before it is raised,
  // popped before it is lowered.
  final ConcurrentLinkedDeque<PoolWorker> sleeping = new ConcurrentLinkedDeque<>();
  final AtomicInteger asleep = new AtomicInteger();
  private final Set<PoolWorker> workers = ConcurrentHashMap.newKeySet();
  private final AtomicInteger busyHighWater = new AtomicInteger();
  volatile SpareThreadPolicy policy;
  volatile boolean accepting;

  // The cold paths (tick, reconfiguration, start and stop) take it, and stop waits on it for
  // threads to exit.
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition threadExited = lock.newCondition();
  private MaintenanceTicker.Ticking ticking; // guarded by lock

  private volatile Duration stopTimeout = DEFAULT_STOP_TIMEOUT;
  private volatile CountDownLatch stopped = new CountDownLatch(0);

  /**
   * A pool ticking on a daemon thread of its own.
   *
   * @param name the child's group, e.g. {@code perchild-alice}: threads are named {@code
   *     perchild-alice-1}, {@code perchild-alice-2}, …
   */
  public SpareThreadPool(String name, SpareThreadSettings settings) {
    this(name, settings, MaintenanceTicker.scheduled());
  }

  /** A pool whose maintenance tick comes from {@code ticker} (tests drive it by hand). */
  public SpareThreadPool(String name, SpareThreadSettings settings, MaintenanceTicker ticker) {
    this.name = Objects.requireNonNull(name, "name");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.policy = SpareThreadPolicy.of(settings);
    logAdjustments(policy);
    installBean(budget);
  }

  /** The name given to the constructor, prefix of every thread's name. */
  public String getName() {
    return name;
  }

  /** The settings in force, after ThreadLimit and the other adjustments. */
  public SpareThreadSettings settings() {
    return policy.settings();
  }

  /**
   * Applies new settings to a running or stopped pool. ThreadLimit stays what it was at
   * construction; adjustments are logged as warnings. Jobs waiting for a raised MaxThreadsPerChild
   * get threads at once; a lowered one takes effect as busy threads finish their jobs.
   */
  public void reconfigure(SpareThreadSettings requested) {
    boolean tickChanged;
    lock.lock();
    try {
      SpareThreadPolicy next = policy.reconfigure(requested);
      logAdjustments(next);
      tickChanged = !next.settings().tick().equals(policy.settings().tick());
      policy = next;
      if (accepting) {
        for (int i = waiting(); i > 0 && startSpare(); i--) {
          // one thread per waiting job, as far as the hard limit allows
        }
      }
    } finally {
      lock.unlock();
    }
    if (tickChanged) {
      restartTicking();
    }
  }

  @Override
  protected void doStart() throws Exception {
    lock.lock();
    try {
      stopped = new CountDownLatch(1);
      counts.set(0, 0);
      busyHighWater.set(0);
      accepting = true;
      for (int i = 0; i < policy.threadsAtStart(); i++) {
        startSpare();
      }
    } finally {
      lock.unlock();
    }
    super.doStart();
    restartTicking();
    LOG.debug("{} started with {}", this, policy);
  }

  @Override
  protected void doStop() throws Exception {
    lock.lock();
    try {
      accepting = false;
      stopTicking();
    } finally {
      lock.unlock();
    }
    endSleeping();
    super.doStop();
    PoliteStop<PoolWorker> stop =
        new PoliteStop<>(name, workers, worker -> worker.thread, this::endSleeping, threadExited);
    lock.lock();
    try {
      stop.awaitThreads(stopTimeout);
    } finally {
      lock.unlock();
    }
    stop.rejectQueued(queue);
    budget.reset();
    stopped.countDown();
  }

  /** Ends every sleeping thread, taking it out of the counts; for stopping. */
  private void endSleeping() {
    for (PoolWorker worker; (worker = sleeping.pollFirst()) != null; ) {
      asleep.decrementAndGet();
      counts.add(-1, -1);
      worker.signal(PoolWorker.END);
    }
  }

  @Override
  public void execute(Runnable job) {
    Objects.requireNonNull(job, "job");
    if (!accepting) {
      throw new RejectedExecutionException(name + " is " + getState() + ", rejecting " + job);
    }
    SpareThreadPolicy current = policy;
    while (true) {
      long c = counts.get();
      int threads = AtomicBiInteger.getHi(c);
      int spare = AtomicBiInteger.getLo(c);
      SpareThreadPolicy.Arrival arrival = current.onArrival(threads, spare, leased());
      boolean start = arrival == SpareThreadPolicy.Arrival.START;
      // A started thread is idle for this job: threads + 1, spare unchanged; else spare - 1.
      if (counts.compareAndSet(c, start ? threads + 1 : threads, start ? spare : spare - 1)) {
        queue.offer(job);
        if (start) {
          startPoolWorker();
        } else {
          wakeIfNeeded();
        }
        noteBusy();
        return;
      }
    }
  }

  /**
   * Has an idle spare thread run {@code job} at once, or returns {@code false} without queueing it
   * or starting a thread (see the class comment).
   */
  @Override
  public boolean tryExecute(Runnable job) {
    if (job == null) {
      return false;
    }
    while (accepting) {
      long c = counts.get();
      int spare = AtomicBiInteger.getLo(c);
      if (!policy.mayTryExecute(spare, queue.isEmpty() ? 0 : 1)) {
        return false;
      }
      if (counts.compareAndSet(c, AtomicBiInteger.getHi(c), spare - 1)) {
        queue.offer(job);
        wakeIfNeeded();
        noteBusy();
        return true;
      }
    }
    return false;
  }

  /**
   * Wakes sleeping threads while more sleep than there are spare units: then the threads awake
   * (woken earlier, just done with a job, or on their way to sleep) are fewer than the jobs queued.
   * Called after every job queued; a thread on its way to sleep looks at the queue once more after
   * it is counted asleep, so that a job queued meanwhile is never left behind.
   */
  private void wakeIfNeeded() {
    while (asleep.get() > counts.getLo()) {
      PoolWorker worker = sleeping.pollFirst();
      if (worker == null) {
        // Each asleep is being woken or ended by someone else, or is looking at the queue.
        return;
      }
      asleep.decrementAndGet();
      worker.signal(PoolWorker.WAKE);
    }
  }

  /**
   * One maintenance pass: keeps the idle threads between MinSpareThreads and MaxSpareThreads.
   * Called by the {@link MaintenanceTicker}; calling it by hand is harmless.
   */
  public void tick() {
    lock.lock();
    try {
      if (!accepting) {
        return;
      }
      long now = ticker.nanoTime();
      long idleBefore = now - policy.settings().tick().toNanos();
      int idleForATick = 0;
      // The deque is in order of idleSince, most recent first: the long idle are at its tail.
      for (Iterator<PoolWorker> longest = sleeping.descendingIterator(); longest.hasNext(); ) {
        if (longest.next().idleSince - idleBefore > 0) {
          break;
        }
        idleForATick++;
      }
      long c = counts.get();
      int spare = AtomicBiInteger.getLo(c);
      SpareThreadPolicy.Maintenance maintenance =
          policy.onTick(
              AtomicBiInteger.getHi(c),
              Math.max(0, spare),
              idleForATick,
              Math.max(0, -spare),
              leased());
      int ended = 0;
      for (int i = Math.min(maintenance.end(), idleForATick); i > 0; i--) {
        if (!endLongestIdle(idleBefore)) {
          break;
        }
        ended++;
      }
      int started = 0;
      for (int i = maintenance.start(); i > 0 && startSpare(); i--) {
        started++;
      }
      noteBusy();
      // A backstop to the argument in wakeIfNeeded and sleep(): whatever the interleaving, no job
      // waits longer than a tick while a thread sleeps.
      wakeIfNeeded();
      if (ended + started > 0) {
        LOG.debug("{}: tick {}", this, maintenance);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends the longest idle sleeping thread if it went to sleep at or before {@code idleBefore} and
   * is still spare. Lock held.
   */
  private boolean endLongestIdle(long idleBefore) {
    PoolWorker worker = sleeping.pollLast();
    if (worker == null) {
      return false;
    }
    asleep.decrementAndGet();
    if (worker.idleSince - idleBefore > 0 || !takeSpareThread()) {
      // Not one to end after all: back where it was, and woken if a job came meanwhile.
      sleeping.addLast(worker);
      asleep.incrementAndGet();
      wakeIfNeeded();
      return false;
    }
    worker.signal(PoolWorker.END);
    return true;
  }

  /** Takes one idle thread out of the counts, if one is spare (no job is counting on it). */
  private boolean takeSpareThread() {
    while (true) {
      long c = counts.get();
      int spare = AtomicBiInteger.getLo(c);
      if (spare <= 0) {
        return false;
      }
      if (counts.compareAndSet(c, AtomicBiInteger.getHi(c) - 1, spare - 1)) {
        return true;
      }
    }
  }

  private void tickSafely() {
    try {
      tick();
    } catch (Throwable x) {
      // A scheduled executor silently drops a task that throws; keep ticking instead.
      LOG.warn("{}: maintenance tick failed", name, x);
    }
  }

  private void restartTicking() {
    lock.lock();
    try {
      stopTicking();
      if (accepting) {
        ticking = ticker.start(name + "-maintenance", policy.settings().tick(), this::tickSafely);
      }
    } finally {
      lock.unlock();
    }
  }

  private void stopTicking() {
    lock.lock();
    try {
      if (ticking != null) {
        ticking.close();
        ticking = null;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * The counts at this instant, read together from one atomic word: {@code idle} counts threads
   * with nothing to do, asleep or about to be, and is zero while jobs wait.
   */
  public SpareThreadStatus status() {
    return SpareThreadStatus.of(
        counts.get(), leased(), busyHighWater.get(), policy.settings().maxThreadsPerChild());
  }

  /** Queued jobs that no idle thread is there for. */
  private int waiting() {
    return Math.max(0, -counts.getLo());
  }

  int leased() {
    return budget.getLeasedThreads();
  }

  private void noteBusy() {
    long c = counts.get();
    int serving = AtomicBiInteger.getHi(c) - Math.max(0, AtomicBiInteger.getLo(c)) - leased();
    if (serving > busyHighWater.get()) {
      busyHighWater.accumulateAndGet(serving, Math::max);
    }
  }

  /**
   * Counts one more idle thread and starts it, if the hard limit allows; for the cold paths.
   * Returns whether it did.
   */
  private boolean startSpare() {
    int hardLimit = policy.hardLimit(leased());
    while (true) {
      long c = counts.get();
      int threads = AtomicBiInteger.getHi(c);
      if (threads >= hardLimit) {
        return false;
      }
      if (counts.compareAndSet(c, threads + 1, AtomicBiInteger.getLo(c) + 1)) {
        startPoolWorker();
        return true;
      }
    }
  }

  /** Starts the thread of a worker already in the counts, as an idle thread. */
  private void startPoolWorker() {
    PoolWorker worker = new PoolWorker(this);
    workers.add(worker);
    try {
      worker.thread.start();
    } catch (Throwable x) {
      // Typically "unable to create native thread": queued jobs wait for the threads we have, and
      // the next arrival or tick tries again.
      workers.remove(worker);
      counts.add(-1, -1);
      LOG.warn("{}: could not start a thread", name, x);
    }
  }

  /** Called by a worker's thread as it exits. */
  void exited(PoolWorker worker) {
    workers.remove(worker);
    if (sleeping.removeFirstOccurrence(worker)) {
      asleep.decrementAndGet();
    }
    if (worker.counted) {
      // Died of an error outside any job (jobs' errors are caught), idle: replace it if work
      // waits.
      counts.add(-1, -1);
      if (accepting && waiting() > 0) {
        startSpare();
      }
    }
    lock.lock();
    try {
      threadExited.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Runs one job; a job's failure never kills its thread. */
  void runJob(Runnable job) {
    try {
      job.run();
    } catch (Throwable x) {
      LOG.warn("{}: job failed: {}", name, job, x);
    } finally {
      // An interrupt meant for this job must not reach the next one.
      Thread.interrupted();
    }
  }

  @Override
  public void join() throws InterruptedException {
    stopped.await();
  }

  @Override
  public int getThreads() {
    return counts.getHi();
  }

  @Override
  public int getIdleThreads() {
    return status().idle();
  }

  /** Low when a new job would have to wait: nothing idle and no room for another thread. */
  @Override
  public boolean isLowOnThreads() {
    long c = counts.get();
    return AtomicBiInteger.getLo(c) <= 0 && AtomicBiInteger.getHi(c) >= policy.hardLimit(leased());
  }

  /** MinSpareThreads: the pool keeps at least this many threads (idle ones). */
  @Override
  public int getMinThreads() {
    return settings().minSpareThreads();
  }

  /** MaxThreadsPerChild: requests served at once; leased threads come on top of it. */
  @Override
  public int getMaxThreads() {
    return settings().maxThreadsPerChild();
  }

  /** Sets MinSpareThreads, raising MaxSpareThreads to match if needed. */
  @Override
  public void setMinThreads(int threads) {
    SpareThreadSettings current = settings();
    reconfigure(current.withSpareThreads(threads, Math.max(threads, current.maxSpareThreads())));
  }

  /** Sets MaxThreadsPerChild, clamped to ThreadLimit. */
  @Override
  public void setMaxThreads(int threads) {
    reconfigure(settings().withMaxThreadsPerChild(threads));
  }

  /** The most threads the pool may hold now: MaxThreadsPerChild plus the leased threads. */
  public int getHardMaxThreads() {
    return policy.hardLimit(leased());
  }

  /** The budget through which Jetty's acceptors and selectors lease threads on top of the max. */
  @Override
  public ThreadPoolBudget getThreadPoolBudget() {
    return budget;
  }

  /** How long {@link #stop()} waits for busy threads in all (half before interrupting them). */
  public Duration getStopTimeout() {
    return stopTimeout;
  }

  public void setStopTimeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("stop timeout must not be negative: " + timeout);
    }
    this.stopTimeout = timeout;
  }

  @Override
  public void dump(Appendable out, String indent) throws IOException {
    long now = ticker.nanoTime();
    List<String> lines = new ArrayList<>();
    for (PoolWorker worker : workers) {
      lines.add(PoolThreadDump.line(worker.thread, worker.state(now)));
    }
    dumpObjects(
        out,
        indent,
        new DumpableCollection("threads", lines),
        new DumpableCollection("queued", new ArrayList<>(queue)));
  }

  @Override
  public String toString() {
    return String.format(
        "%s[%s]@%x{%s,%s}",
        getClass().getSimpleName(), name, hashCode(), getState(), status().summary());
  }

  private void logAdjustments(SpareThreadPolicy adjusted) {
    for (String adjustment : adjusted.adjustments()) {
      LOG.warn("{}: WARNING: {}", name, adjustment);
    }
  }
}
