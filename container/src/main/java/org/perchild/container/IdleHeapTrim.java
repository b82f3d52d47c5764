package org.perchild.container;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.perchild.protocol.LoadReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives an idle child's heap back to the machine: a bean of {@link ChildProcess}, run on the
 * child's housekeeping {@link Scheduler}. The children's collector (Serial, the default) returns
 * memory only when a full collection shrinks the heap, and an idle JVM never collects: the garbage
 * of its start (deploying, the first requests) would stay resident for as long as the tenant is
 * quiet. So once a child has had no request and no connection for a whole {@link #INTERVAL}, it
 * asks for one full collection ({@code System.gc()}), and not again until it has served something.
 * A busy child is never touched; a child whose {@code ChildJavaOptions} say {@code
 * -XX:+DisableExplicitGC} keeps its heap.
 *
 * <pre>
 *   serving ──a whole interval with no request, no connection──▶ collect once ──▶ trimmed
 *   trimmed ──a request──▶ serving
 * </pre>
 */
public final class IdleHeapTrim extends AbstractLifeCycle {

  /** How long a child must be idle before its heap is given back, and how often it looks. */
  public static final Duration INTERVAL = Duration.ofSeconds(20);

  private static final Logger LOG = LoggerFactory.getLogger(IdleHeapTrim.class);

  private final Supplier<LoadReport> load;
  private final Scheduler scheduler;
  private final Runnable collect;
  private long requestsBefore = -1;
  private boolean trimmed;
  private volatile Scheduler.Task next;

  /** Trims the heap of the child whose load {@code load} says, on {@code scheduler}. */
  public IdleHeapTrim(Supplier<LoadReport> load, Scheduler scheduler) {
    this(load, scheduler, System::gc);
  }

  /** As above, with the collection given: the tests'. */
  IdleHeapTrim(Supplier<LoadReport> load, Scheduler scheduler, Runnable collect) {
    this.load = load;
    this.scheduler = scheduler;
    this.collect = collect;
  }

  @Override
  protected void doStart() throws Exception {
    super.doStart();
    next = scheduler.schedule(this::round, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  protected void doStop() throws Exception {
    Scheduler.Task task = next;
    if (task != null) {
      task.cancel();
    }
    super.doStop();
  }

  private void round() {
    if (!isRunning()) {
      return;
    }
    try {
      look();
    } finally {
      if (isRunning()) {
        next = scheduler.schedule(this::round, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /** One look: collects if nothing happened since the last one and it has not collected yet. */
  void look() {
    LoadReport now = load.get();
    boolean idle = now.requests() == requestsBefore && now.busy() == 0 && now.connections() == 0;
    requestsBefore = now.requests();
    if (!idle) {
      trimmed = false;
      return;
    }
    if (trimmed) {
      return;
    }
    trimmed = true;
    long before = Runtime.getRuntime().totalMemory();
    collect.run();
    LOG.debug(
        "idle: heap {} KiB, {} KiB after a full collection",
        before / 1024,
        Runtime.getRuntime().totalMemory() / 1024);
  }
}
