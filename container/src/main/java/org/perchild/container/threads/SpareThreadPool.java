package org.perchild.container.threads;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
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
 * <ul>
 *   <li>{@code StartThreads} threads exist when the pool starts.
 *   <li>Work that finds no idle thread starts a thread at once, if the hard limit allows; otherwise
 *       it waits in an unbounded queue (Jetty must never have a job rejected for a full queue).
 *   <li>The hard limit is MaxThreadsPerChild plus the threads leased through {@link
 *       #getThreadPoolBudget()} by Jetty's acceptors and selectors: a lease grows the pool instead
 *       of eating into MaxThreadsPerChild, which therefore means what httpd means, requests served
 *       at once.
 *   <li>A maintenance tick (every {@link SpareThreadSettings#tick()}, driven by a {@link
 *       MaintenanceTicker}) starts threads until MinSpareThreads are idle and ends the idle threads
 *       above MaxSpareThreads, longest idle first; only threads that have been idle since the
 *       previous tick count as excess, so that a steady load does not have the pool end at one tick
 *       the threads it starts again right after (a thread that served within the last tick is in
 *       use). Threads are never ended on a timeout of their own, only by the tick.
 * </ul>
 *
 * <p>Jobs wait in one queue that every pool thread takes from, as in Jetty's {@code
 * QueuedThreadPool}: a job that finds an idle thread is queued and that thread is woken (the most
 * recently idle, whose caches are warm), but whichever thread is free first runs it, often one that
 * has just finished a job and has not gone to sleep at all. A job is never bound to one sleeping
 * thread that the scheduler may be slow to run.
 *
 * <p>{@link #tryExecute} is the {@link TryExecutor} Jetty's execution strategies use to hand the
 * selector's production to another thread. There is no separate {@code ReservedThreadExecutor}: the
 * idle spare threads are the reserve. A job given to {@code tryExecute} is taken only when an idle
 * thread is free for it, no job is waiting for a thread (never a new thread, never behind others)
 * and no thread woken earlier is still on its way: Jetty stops producing on the calling thread once
 * {@code tryExecute} succeeds, so the thread taking over must be one the scheduler is running
 * promptly; otherwise Jetty keeps producing and queues the job. A reserve of its own would hold
 * threads outside MaxThreadsPerChild yet able to run requests (Jetty's execute-produce-consume mode
 * runs a request on the former producer), breaking the limit; using the spares keeps every thread
 * inside one count. When no spare is idle Jetty falls back to queueing the job, or, for the rare
 * {@code ThreadPool.executeImmediately} (failing a request that is already being served), to a
 * thread of its own.
 *
 * <p>Lifecycle of a pool thread; all transitions happen under the pool's lock:
 *
 * <pre>
 *            start / tick                 arrival (no idle thread, room)
 *                 │                                    │
 *                 ▼   arrival / tryExecute: woken      ▼
 *               IDLE ─────────────────────────────▶ BUSY ──┐ job done, queue not empty:
 *                 ▲                                 │  ▲   │ take the next job
 *                 │  queue empty (job done, or      │  └───┘
 *                 │  woken but the job was taken)   │
 *                 └─────────────────────────────────┘
 *                 │                                 │ job done while stopping,
 *   tick: idle above MaxSpareThreads,               │ or above the hard limit
 *   longest idle first; or stopping                 │
 *                 ▼                                 ▼
 *              ENDING ──▶ (thread exits)  ◀──── ENDING
 * </pre>
 *
 * <p>Stopping is polite, as {@code QueuedThreadPool}'s: no new work is accepted and idle threads
 * end; busy threads get half the stop timeout to finish their job, then are interrupted and get the
 * other half; any still running are logged by name and top frame. Jobs still queued are not run:
 * they are closed if {@link java.io.Closeable} (Jetty's way of rejecting), else logged.
 */
public final class SpareThreadPool extends ContainerLifeCycle
    implements ThreadPool.SizedThreadPool, TryExecutor {

  private static final Logger LOG = LoggerFactory.getLogger(SpareThreadPool.class);
  private static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(5);

  private final String name;
  private final MaintenanceTicker ticker;
  private final ThreadPoolBudget budget = new GrowingBudget(this);
  private final AtomicInteger sequence = new AtomicInteger();

  // One lock for all counts: at most a few dozen threads per child, and every decision needs a
  // consistent view of threads, idle and queue together.
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition threadExited = lock.newCondition();
  private final Set<Worker> workers = new LinkedHashSet<>();
  // Head: the most recently idle, who gets the next job (its caches are warm); tail: the longest
  // idle, whom the tick ends first.
  private final Deque<Worker> idle = new ArrayDeque<>();
  private final Deque<Runnable> queue = new ArrayDeque<>();
  // Threads taken off the idle deque and woken for a queued job, not yet back at the queue.
  private int woken;
  private SpareThreadPolicy policy;
  private boolean accepting;
  private int endingThreads;
  private int busyHighWater;

  private volatile Duration stopTimeout = DEFAULT_STOP_TIMEOUT;
  private volatile CountDownLatch stopped = new CountDownLatch(0);
  private MaintenanceTicker.Ticking ticking; // guarded by lock

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
    lock.lock();
    try {
      return policy.settings();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Applies new settings to a running or stopped pool. ThreadLimit stays what it was at
   * construction; adjustments are logged as warnings. Jobs waiting for a raised MaxThreadsPerChild
   * get threads at once; a lowered one takes effect as busy threads finish their jobs.
   */
  public void reconfigure(SpareThreadSettings requested) {
    List<Worker> toStart = new ArrayList<>();
    boolean tickChanged;
    lock.lock();
    try {
      SpareThreadPolicy next = policy.reconfigure(requested);
      logAdjustments(next);
      tickChanged = !next.settings().tick().equals(policy.settings().tick());
      policy = next;
      if (accepting) {
        int room = policy.hardLimit(leased()) - threads();
        for (int i = Math.min(room, waiting()); i > 0; i--) {
          toStart.add(newWorker(false));
        }
      }
    } finally {
      lock.unlock();
    }
    toStart.forEach(this::startThread);
    if (tickChanged) {
      restartTicking();
    }
  }

  @Override
  protected void doStart() throws Exception {
    List<Worker> toStart = new ArrayList<>();
    lock.lock();
    try {
      stopped = new CountDownLatch(1);
      accepting = true;
      busyHighWater = 0;
      for (int i = 0; i < policy.threadsAtStart(); i++) {
        toStart.add(newWorker(true));
      }
    } finally {
      lock.unlock();
    }
    toStart.forEach(this::startThread);
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
      for (Worker worker; (worker = idle.pollFirst()) != null; ) {
        worker.end();
      }
    } finally {
      lock.unlock();
    }
    super.doStop();
    long halfTimeout = stopTimeout.toNanos() / 2;
    List<Runnable> unrun;
    lock.lock();
    try {
      if (!awaitOthersExited(halfTimeout)) {
        for (Worker worker : workers) {
          if (worker.thread != Thread.currentThread()) {
            LOG.debug("{}: interrupting {}", name, worker.thread);
            worker.thread.interrupt();
          }
        }
        awaitOthersExited(halfTimeout);
      }
      for (Worker worker : workers) {
        if (worker.thread != Thread.currentThread()) {
          LOG.warn("{}: could not stop {} {}", name, worker.thread, topFrame(worker.thread));
        }
      }
      unrun = new ArrayList<>(queue);
      queue.clear();
    } finally {
      lock.unlock();
    }
    for (Runnable job : unrun) {
      if (!ThreadPool.reject(job, null)) {
        LOG.warn("{}: stopped without running {}", name, job);
      }
    }
    budget.reset();
    stopped.countDown();
  }

  /** Waits up to {@code nanos} for every pool thread but the caller to exit. Lock held. */
  private boolean awaitOthersExited(long nanos) {
    // A pool thread may be the one stopping the server (Jetty's ShutdownHandler): never wait for
    // it.
    long deadline = System.nanoTime() + nanos;
    boolean interrupted = false;
    try {
      while (workers.size() > (isPoolThread() ? 1 : 0)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          threadExited.awaitNanos(left);
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
    for (Worker worker : workers) {
      if (worker.thread == Thread.currentThread()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void execute(Runnable job) {
    Objects.requireNonNull(job, "job");
    Worker started = null;
    lock.lock();
    try {
      if (!accepting) {
        throw new RejectedExecutionException(name + " is " + getState() + ", rejecting " + job);
      }
      SpareThreadPolicy.Arrival arrival = policy.onArrival(threads(), available(), leased());
      queue.addLast(job);
      switch (arrival) {
        case HAND_OFF -> wakeIdle();
        case START -> started = newWorker(false);
        case QUEUE -> {}
      }
      noteBusy();
    } finally {
      lock.unlock();
    }
    if (started != null) {
      startThread(started);
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
    lock.lock();
    try {
      if (!accepting || !policy.mayTryExecute(available(), waiting(), woken)) {
        return false;
      }
      queue.addLast(job);
      wakeIdle();
      noteBusy();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * One maintenance pass: keeps the idle threads between MinSpareThreads and MaxSpareThreads.
   * Called by the {@link MaintenanceTicker}; calling it by hand is harmless.
   */
  public void tick() {
    List<Worker> toStart = new ArrayList<>();
    lock.lock();
    try {
      if (!accepting) {
        return;
      }
      long now = ticker.nanoTime();
      long period = policy.settings().tick().toNanos();
      int idleForATick = 0;
      // The deque is in order of idleSince, most recent first: the long idle are at its tail.
      for (Iterator<Worker> longest = idle.descendingIterator(); longest.hasNext(); ) {
        if (now - longest.next().idleSince < period) {
          break;
        }
        idleForATick++;
      }
      SpareThreadPolicy.Maintenance maintenance =
          policy.onTick(threads(), available(), idleForATick, waiting(), leased());
      for (int i = Math.min(maintenance.end(), idleForATick); i > 0; i--) {
        idle.pollLast().end();
      }
      int forQueued = waiting();
      for (int i = 0; i < maintenance.start(); i++) {
        toStart.add(newWorker(i >= forQueued));
      }
      noteBusy();
      if (!maintenance.equals(SpareThreadPolicy.Maintenance.NONE)) {
        LOG.debug("{}: tick {}", this, maintenance);
      }
    } finally {
      lock.unlock();
    }
    toStart.forEach(this::startThread);
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

  /** The counts at this instant. */
  public SpareThreadStatus status() {
    lock.lock();
    try {
      return new SpareThreadStatus(
          threads(),
          idle.size(),
          serving(),
          leased(),
          waiting(),
          busyHighWater,
          policy.settings().maxThreadsPerChild());
    } finally {
      lock.unlock();
    }
  }

  /** Threads alive and not ending. Lock held. */
  private int threads() {
    return workers.size() - endingThreads;
  }

  /**
   * Threads free for a new job: the idle ones, and those woken for a job that another thread took
   * meanwhile. Lock held.
   */
  private int available() {
    return idle.size() + Math.max(0, woken - queue.size());
  }

  /** Queued jobs that no woken thread is on its way to take. Lock held. */
  private int waiting() {
    return Math.max(0, queue.size() - woken);
  }

  /**
   * Has a thread come for the job just queued: none needs waking if a woken thread will find the
   * queue empty without it; else the most recently idle. Lock held; {@link #available()} > 0.
   */
  private void wakeIdle() {
    if (woken < queue.size()) {
      Worker worker = idle.pollFirst();
      if (worker != null) {
        woken++;
        worker.wake();
      }
    }
  }

  /** Threads serving requests: neither idle, nor ending, nor leased. Lock held. */
  private int serving() {
    return Math.max(0, threads() - idle.size() - leased());
  }

  private int leased() {
    return budget.getLeasedThreads();
  }

  private void noteBusy() {
    busyHighWater = Math.max(busyHighWater, serving());
  }

  /**
   * Registers a worker: idle from the start, or first taking a job from the queue (it is started
   * for one). Lock held.
   */
  private Worker newWorker(boolean idleAtStart) {
    Worker worker = new Worker();
    workers.add(worker);
    if (idleAtStart) {
      idle.addFirst(worker);
    } else {
      // Counted as woken from the start, so that no other thread is woken for the same job.
      woken++;
      worker.wake();
    }
    return worker;
  }

  /** Starts a registered worker's thread; outside the lock, as starting a thread is slow. */
  private void startThread(Worker worker) {
    try {
      worker.thread.start();
    } catch (Throwable x) {
      // Typically "unable to create native thread": queued jobs wait for the threads we have,
      // and the next arrival or tick tries again.
      lock.lock();
      try {
        forget(worker);
        threadExited.signalAll();
      } finally {
        lock.unlock();
      }
      LOG.warn("{}: could not start a thread", name, x);
    }
  }

  /** Called by a worker's thread as it exits. */
  private void exited(Worker worker) {
    List<Worker> toStart = new ArrayList<>();
    lock.lock();
    try {
      boolean leaving = worker.leaving;
      forget(worker);
      if (!leaving) {
        // Died of an error outside any job (jobs' errors are caught): replace it if work waits.
        if (accepting && waiting() > 0 && threads() < policy.hardLimit(leased())) {
          toStart.add(newWorker(false));
        }
      }
      threadExited.signalAll();
    } finally {
      lock.unlock();
    }
    toStart.forEach(this::startThread);
  }

  /** Takes a worker whose thread is gone out of every count. Lock held. */
  private void forget(Worker worker) {
    workers.remove(worker);
    idle.remove(worker);
    if (worker.leaving) {
      endingThreads--;
    }
    if (worker.wokenUp) {
      worker.wokenUp = false;
      woken--;
    }
  }

  /** Runs one job; a job's failure never kills its thread. */
  private void runJob(Runnable job) {
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
    return status().total();
  }

  @Override
  public int getIdleThreads() {
    return status().idle();
  }

  /** Low when a new job would have to wait: nothing idle and no room for another thread. */
  @Override
  public boolean isLowOnThreads() {
    lock.lock();
    try {
      return available() - waiting() <= 0 && threads() >= policy.hardLimit(leased());
    } finally {
      lock.unlock();
    }
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
    lock.lock();
    try {
      return policy.hardLimit(leased());
    } finally {
      lock.unlock();
    }
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
    List<Worker> all;
    List<Runnable> jobs;
    long now = ticker.nanoTime();
    List<String> states = new ArrayList<>();
    lock.lock();
    try {
      all = new ArrayList<>(workers);
      jobs = new ArrayList<>(queue);
      for (Worker worker : all) {
        states.add(worker.state(now));
      }
    } finally {
      lock.unlock();
    }
    // Stack traces outside the lock: they stop the world briefly and must not stall execute().
    List<String> lines = new ArrayList<>(all.size());
    for (int i = 0; i < all.size(); i++) {
      Thread thread = all.get(i).thread;
      String state = states.get(i);
      lines.add(
          thread.getName()
              + " "
              + state
              + (state.startsWith("IDLE") ? "" : " " + topFrame(thread)));
    }
    dumpObjects(
        out,
        indent,
        new DumpableCollection("threads", lines),
        new DumpableCollection("queued", jobs));
  }

  /** Where a thread is: its top frame, and the first frame outside the JDK if that differs. */
  private static String topFrame(Thread thread) {
    StackTraceElement[] trace = thread.getStackTrace();
    if (trace.length == 0) {
      return "@ ???";
    }
    for (StackTraceElement frame : trace) {
      String type = frame.getClassName();
      if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")) {
        return frame == trace[0] ? "@ " + frame : "@ " + trace[0] + " in " + frame;
      }
    }
    return "@ " + trace[0];
  }

  @Override
  public String toString() {
    SpareThreadStatus s = status();
    return String.format(
        "%s[%s]@%x{%s,total=%d,idle=%d,busy=%d/%d,leased=%d,queued=%d,highWater=%d}",
        getClass().getSimpleName(),
        name,
        hashCode(),
        getState(),
        s.total(),
        s.idle(),
        s.busy(),
        s.maxThreadsPerChild(),
        s.leased(),
        s.queued(),
        s.busyHighWater());
  }

  private void logAdjustments(SpareThreadPolicy adjusted) {
    for (String adjustment : adjusted.adjustments()) {
      LOG.warn("{}: WARNING: {}", name, adjustment);
    }
  }

  /** One pool thread; its fields are guarded by the pool's lock. */
  private final class Worker implements Runnable {
    private final Thread thread;
    private final Condition wakeup = lock.newCondition();
    // Off the idle deque only to take from the queue: a new worker starts as if woken.
    private boolean idling = true;
    private boolean wokenUp;
    private Runnable running;
    private boolean leaving;
    private long idleSince = ticker.nanoTime();

    Worker() {
      this.thread = new Thread(this, name + "-" + sequence.incrementAndGet());
      // Not the starter's loader, which may be a webapp's: a pool thread would pin it.
      thread.setContextClassLoader(SpareThreadPool.class.getClassLoader());
    }

    /** Wakes an idle worker, just taken off the idle deque, to take a job. Lock held. */
    void wake() {
      wokenUp = true;
      wakeup.signal();
    }

    /** Tells a worker that is no longer on the idle deque to exit. Lock held. */
    void end() {
      leaving = true;
      endingThreads++;
      wakeup.signal();
    }

    @Override
    public void run() {
      try {
        Runnable job = nextJob(false);
        while (job != null) {
          runJob(job);
          job = nextJob(true);
        }
      } finally {
        exited(this);
      }
    }

    /** The next job to run, waiting idle for one if need be; null to exit. */
    private Runnable nextJob(boolean finishedJob) {
      lock.lock();
      try {
        running = null;
        if (finishedJob && (!accepting || !policy.keepAfterJob(threads(), leased()))) {
          end();
          return null;
        }
        while (!leaving) {
          if (!idling) {
            Runnable queued = queue.pollFirst();
            if (queued != null) {
              running = queued;
              return queued;
            }
            if (!accepting) {
              end();
              return null;
            }
            idling = true;
            idleSince = ticker.nanoTime();
            idle.addFirst(this);
          }
          while (!wokenUp && !leaving) {
            try {
              wakeup.await();
            } catch (InterruptedException e) {
              // An idle thread has nothing to interrupt; stopping ends it through end().
            }
          }
          if (wokenUp) {
            wokenUp = false;
            woken--;
            idling = false;
          }
        }
        return null;
      } finally {
        lock.unlock();
      }
    }

    /** For dump(). Lock held. */
    String state(long now) {
      if (leaving) {
        return running == null ? "ENDING" : "ENDING after " + running;
      }
      if (running != null || !idling || wokenUp) {
        return "BUSY";
      }
      return "IDLE " + TimeUnit.NANOSECONDS.toMillis(now - idleSince) + "ms";
    }
  }

  /**
   * Leases grow the pool (see the class comment) instead of eating into MaxThreadsPerChild, so no
   * number of acceptors or selectors can leave requests without threads.
   */
  private static final class GrowingBudget extends ThreadPoolBudget {
    GrowingBudget(ThreadPool.SizedThreadPool pool) {
      super(pool);
    }

    @Override
    public boolean check(int maxThreads) {
      if (maxThreads < 1) {
        throw new IllegalStateException("no threads left for requests: max=" + maxThreads);
      }
      return true;
    }
  }
}
