package org.perchild.container;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.Graceful;
import org.perchild.container.handoff.HandoffConnector;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.ChildToLauncher;
import org.perchild.protocol.ControlChannel;
import org.perchild.protocol.LauncherToChild;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The child process as one Jetty lifecycle, built and started by {@link ChildMain} once it has its
 * configuration: its beans are, in start order, the {@link ChildServer} (the housekeeping
 * scheduler, Jetty's server and the {@code AppBase} deployers), the {@link HandoffReceiver}, the
 * {@link LoadReporter}, the {@link IdleHeapTrim} and the {@link ChildControl}; they stop in the
 * reverse order. Its {@link #dump()} is what {@code perchild dump SLOT} prints.
 *
 * <p>{@link #drainAndStop()} is the child's graceful stop: {@link Graceful#shutdown} of the whole
 * tree, in which the hand-off receiver completes once its channel has ended (at most {@link
 * #HANDOFF_DRAIN}), the hand-off connector then waits for its connections in flight (at most {@link
 * #CONNECTIONS_DRAIN}) before it refuses any, and Jetty's graceful handler starts answering 503
 * only after that; then Jetty's own stop, which waits {@code GracefulShutdownTimeout} for the
 * requests still running.
 *
 * <pre>
 *   STOPPED ──start──▶ STARTED ──drainAndStop: hand-offs end (3 s) ─▶ connections close (6 s)
 *                                  ─▶ stop (GracefulShutdownTimeout) ──▶ STOPPED
 * </pre>
 */
public final class ChildProcess extends ContainerLifeCycle {

  /** How long a stopping child waits for its hand-off channel to end before it goes on. */
  public static final Duration HANDOFF_DRAIN = Duration.ofSeconds(3);

  /** How long a stopping child lets the connections it has finish before Jetty's own stop. */
  public static final Duration CONNECTIONS_DRAIN = Duration.ofSeconds(6);

  /** Beyond the two drains, for the futures to be completed on the scheduler. */
  private static final Duration DRAIN_SLACK = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(ChildProcess.class);

  private final ChildServer server;
  private final HandoffReceiver receiver;

  /**
   * The child's lifecycle, not started.
   *
   * @param name names its threads, e.g. {@code alice-3}
   * @param server the child's Jetty, with a hand-off connector
   * @param handoff the hand-off channel from the acceptor
   * @param control the control channel to the launcher
   * @param maxRequestsPerChild after how many connections it says RETIRING; 0 for never
   * @param orders what to do on STOP and when the launcher has gone
   */
  public ChildProcess(
      String name,
      ChildServer server,
      SeqPacketChannel handoff,
      ControlChannel<LauncherToChild, ChildToLauncher> control,
      long maxRequestsPerChild,
      ChildControl.Orders orders) {
    this.server = server;
    HandoffConnector connector = server.connector();
    receiver = new HandoffReceiver(handoff, connector, "perchild-handoff-" + name, HANDOFF_DRAIN);
    connector.drainAfter(receiver, CONNECTIONS_DRAIN);
    if (maxRequestsPerChild > 0) {
      // Said on the hand-off thread, which must never wait for the control channel: queued.
      receiver.retireAfter(
          maxRequestsPerChild, () -> control.sendLater(new ChildToLauncher.Retiring()));
    }
    addBean(server, true);
    addBean(receiver, true);
    addBean(new LoadReporter(control, server, server.scheduler()), true);
    addBean(new IdleHeapTrim(server::load, server.scheduler()), true);
    addBean(
        new ChildControl(
            control, "perchild-control-" + name, server.scheduler(), this::dump, orders),
        true);
  }

  /** The child's Jetty. */
  public ChildServer server() {
    return server;
  }

  /** The hand-off receiver. */
  public HandoffReceiver receiver() {
    return receiver;
  }

  /**
   * Drains gracefully, then stops: see the class comment.
   *
   * @return true if it stopped cleanly
   */
  public boolean drainAndStop() {
    Duration bound = HANDOFF_DRAIN.plus(CONNECTIONS_DRAIN).plus(DRAIN_SLACK);
    try {
      Graceful.shutdown(this).get(bound.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // Requests still running: Jetty's stop below waits for them, GracefulShutdownTimeout long.
      LOG.info("requests still in flight after {}: Jetty's graceful stop waits for them", bound);
    } catch (ExecutionException e) {
      LOG.warn("the graceful drain failed: {}", e.getCause().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      stop();
      return true;
    } catch (Exception e) {
      LOG.error("Jetty did not stop cleanly", e);
      return false;
    }
  }
}
