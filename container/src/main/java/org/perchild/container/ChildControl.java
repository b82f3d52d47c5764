package org.perchild.container;

import java.time.Duration;
import java.util.function.Supplier;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.perchild.protocol.ChildToLauncher;
import org.perchild.protocol.ControlChannel;
import org.perchild.protocol.LauncherToChild;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The child's end of its control channel to the launcher, as a bean of {@link ChildProcess}: {@link
 * #doStart} starts its reader thread, which acts on what the launcher says. {@code STOP} and the
 * end of the channel are handed to {@link ChildMain}, which decides how the process ends, and so is
 * {@code ROUTES} (a graceful restart kept this child: the other tenants' hosts may have changed);
 * {@code DUMP} is answered with the root lifecycle's Jetty dump, built and sent in parts on the
 * housekeeping scheduler, never on the reader's thread (which must stay free to hear {@code STOP})
 * nor on the hand-off receiver's.
 *
 * <pre>
 *   STOPPED ──start──▶ STARTED, reading ──STOP (the last message) / end of channel──▶ reader ended
 * </pre>
 *
 * <p>The reader thread is not a daemon: once {@code main} returns, it keeps the child alive until
 * STOP or the end of the channel. Stopping this bean does not end it: STOP already has.
 */
public final class ChildControl extends AbstractLifeCycle
    implements ControlChannel.Receiver<LauncherToChild> {

  private static final Logger LOG = LoggerFactory.getLogger(ChildControl.class);

  /** What ChildMain does when the launcher says STOP or goes away. */
  public interface Orders {
    /** {@code STOP}: drain, stop and exit; called on the reader's thread. */
    void stop();

    /** The channel ended: the launcher has gone. */
    void launcherGone();

    /**
     * {@code ROUTES}: a graceful restart kept this child; route by the new generation's table from
     * the memory file {@code configFd} (the callee closes it). Called on the reader's thread.
     */
    void routes(int configFd);
  }

  private final ControlChannel<LauncherToChild, ChildToLauncher> control;
  private final String threadName;
  private final Scheduler scheduler;
  private final Supplier<String> dump;
  private final Orders orders;

  /**
   * The child's control end.
   *
   * @param threadName its reader's name, e.g. {@code perchild-control-alice-3}
   * @param scheduler where a dump is built and sent
   * @param dump the text of a dump, the root lifecycle's {@code dump()}
   */
  public ChildControl(
      ControlChannel<LauncherToChild, ChildToLauncher> control,
      String threadName,
      Scheduler scheduler,
      Supplier<String> dump,
      Orders orders) {
    this.control = control;
    this.threadName = threadName;
    this.scheduler = scheduler;
    this.dump = dump;
    this.orders = orders;
  }

  @Override
  protected void doStart() throws Exception {
    control.startReading(threadName, false, this);
    super.doStart();
  }

  @Override
  public void received(LauncherToChild message) {
    if (message instanceof LauncherToChild.Stop) {
      orders.stop();
    } else if (message instanceof LauncherToChild.Routes routes) {
      orders.routes(routes.configFd());
    } else if (message instanceof LauncherToChild.Dump asked) {
      scheduler.schedule(() -> answer(asked.request()), Duration.ZERO);
    }
  }

  @Override
  public void ended(String why) {
    orders.launcherGone();
  }

  /** Sends the dump in parts, waiting: a dump with a part missing would be refused whole. */
  private void answer(long request) {
    String text;
    try {
      text = dump.get();
    } catch (RuntimeException e) {
      text = "the dump failed: " + e;
      LOG.warn("dump {} failed", request, e);
    }
    var parts = ChildToLauncher.DumpPart.split(request, text);
    for (ChildToLauncher.DumpPart part : parts) {
      if (!control.send(part)) {
        return;
      }
    }
    LOG.info("dump {} sent: {} characters in {} part(s)", request, text.length(), parts.size());
  }
}
