package org.perchild.container;

import java.time.Duration;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.perchild.protocol.ChildToLauncher;
import org.perchild.protocol.ControlChannel;
import org.perchild.protocol.LauncherToChild;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LOAD and HOSTS every second on the control channel, for the launcher's scoreboard: a bean of
 * {@link ChildProcess}, run on the child's housekeeping {@link Scheduler} rather than a thread of
 * its own. LOAD is dropped if the channel is full (the next one says it again); the parts of a
 * HOSTS report are sent waiting, so that a report in several parts arrives whole. Each round
 * schedules the next once it is done, so two rounds never overlap.
 *
 * <pre>
 *   STOPPED ──start──▶ STARTED (a round every second) ──stop, or the launcher has gone──▶ no rounds
 * </pre>
 */
public final class LoadReporter extends AbstractLifeCycle {

  /** How often the child reports. */
  public static final Duration INTERVAL = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(LoadReporter.class);

  private final ControlChannel<LauncherToChild, ChildToLauncher> control;
  private final ChildServer server;
  private final Scheduler scheduler;
  private long report;
  private volatile Scheduler.Task next;

  /** Reports {@code server}'s load on {@code control}, on {@code scheduler}. */
  public LoadReporter(
      ControlChannel<LauncherToChild, ChildToLauncher> control,
      ChildServer server,
      Scheduler scheduler) {
    this.control = control;
    this.server = server;
    this.scheduler = scheduler;
  }

  @Override
  protected void doStart() throws Exception {
    super.doStart();
    next = scheduler.schedule(this::round, INTERVAL);
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
    boolean launcherListens;
    try {
      launcherListens = sendReports(++report);
    } catch (RuntimeException e) {
      // A report that cannot be made this time is said again by the next one.
      LOG.warn("report {} not sent: {}", report, e.toString(), e);
      launcherListens = true;
    }
    if (launcherListens && isRunning()) {
      next = scheduler.schedule(this::round, INTERVAL);
    }
  }

  /** One round of reports; false once the launcher has gone. */
  private boolean sendReports(long n) {
    if (!control.report(new ChildToLauncher.Load(server.load()))) {
      return false;
    }
    for (ChildToLauncher.Hosts part :
        ChildToLauncher.Hosts.split(n, server.hostCounters().snapshot())) {
      if (!control.send(part)) {
        return false;
      }
    }
    return true;
  }
}
