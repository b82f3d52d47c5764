package org.perchild.container;

import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.component.Graceful;
import org.perchild.container.handoff.HandoffConnector;
import org.perchild.posix.Descriptors;
import org.perchild.posix.PosixException;
import org.perchild.posix.ReceivedPacket;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.posix.TruncatedMessageException;
import org.perchild.protocol.HandoffMessage;
import org.perchild.protocol.MalformedHandoffException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads connections from the hand-off channel (fd 4, from the acceptor) and gives each to the
 * {@link HandoffConnector}: one {@link HandoffMessage} per {@code SOCK_SEQPACKET} message, the
 * client socket attached as {@code SCM_RIGHTS}. A bean of {@link ChildProcess}: {@link #doStart}
 * starts its thread; the thread ends with the channel.
 *
 * <p>A message without a descriptor, a malformed one or a truncated one closes whatever arrived, is
 * logged and counted, and the next message is read. The end of the stream (the acceptor has gone; a
 * new one may be given a new channel later) ends the receiver, not the child: the connections
 * already handed off keep being served.
 *
 * <p>It is {@link Graceful}: {@link #shutdown()} completes once the channel has been read to its
 * end (the acceptor and the launcher have closed their ends, so every connection already handed to
 * this child is taken), or after the drain limit, whichever comes first. It does not stop
 * receiving: a connection that arrives during the drain is served.
 *
 * <pre>
 *   STOPPED ──start──▶ STARTED, receiving ──end of stream / failed receive──▶ STARTED, ended
 *                          │ shutdown(): completes at the end, or after the drain limit
 *                          ▼ stop: the thread is left to end with the channel (it is a daemon)
 *                       STOPPED
 * </pre>
 */
public final class HandoffReceiver extends AbstractLifeCycle implements Runnable, Graceful {

  private static final Logger LOG = LoggerFactory.getLogger(HandoffReceiver.class);

  private final SeqPacketChannel channel;
  private final HandoffConnector connector;
  private final LongAdder received = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final CompletableFuture<Void> ended = new CompletableFuture<>();
  private final String threadName;
  private final Duration drainLimit;
  private volatile CompletableFuture<Void> drained;
  private volatile long retireAfter;
  private volatile Runnable onRetire = () -> {};

  /**
   * A receiver that reads {@code channel} and feeds {@code connector}.
   *
   * @param threadName the name of its thread, e.g. {@code perchild-handoff-alice-3}
   * @param drainLimit how long {@link #shutdown()} waits for the channel to end; the bound is kept
   *     on the connector's (Jetty's) scheduler
   */
  public HandoffReceiver(
      SeqPacketChannel channel,
      HandoffConnector connector,
      String threadName,
      Duration drainLimit) {
    this.channel = channel;
    this.connector = connector;
    this.threadName = threadName;
    this.drainLimit = drainLimit;
  }

  @Override
  protected void doStart() throws Exception {
    // A daemon: the control channel's reader keeps the child alive, and its STOP or its end decides
    // when the process exits, not the acceptor's end of this channel.
    Thread thread = new Thread(this, threadName);
    thread.setDaemon(true);
    thread.start();
    super.doStart();
  }

  /**
   * Nothing to end by force: by the time the child stops, the drain has let the channel end; if it
   * has not, the blocked receive ends with the process, and closing the descriptor under it would
   * only race a connection being taken.
   */
  @Override
  protected void doStop() throws Exception {
    if (!ended.isDone()) {
      LOG.info("hand-off channel {} still open at stop", channel);
    }
    super.doStop();
  }

  /**
   * Calls {@code onRetire} once, when the {@code connections}-th connection has been received
   * (httpd 2.4's MaxConnectionsPerChild); 0 for never.
   */
  public void retireAfter(long connections, Runnable onRetire) {
    this.onRetire = onRetire;
    this.retireAfter = connections;
  }

  /**
   * Completes when the hand-off channel has been read to its end, or after the drain limit (said in
   * the log); the same future for every call.
   */
  @Override
  public CompletableFuture<Void> shutdown() {
    synchronized (ended) {
      if (drained == null) {
        CompletableFuture<Void> bounded = new CompletableFuture<>();
        ended.whenComplete((v, x) -> bounded.complete(null));
        connector
            .getScheduler()
            .schedule(
                () -> {
                  if (bounded.complete(null)) {
                    LOG.warn("hand-off channel {} did not end within {}", channel, drainLimit);
                  }
                },
                drainLimit);
        drained = bounded;
      }
      return drained;
    }
  }

  @Override
  public boolean isShutdown() {
    return drained != null;
  }

  /** Whether the channel has been read to its end (or failed). */
  public boolean hasEnded() {
    return ended.isDone();
  }

  @Override
  public void run() {
    try {
      receive();
    } finally {
      ended.complete(null);
    }
  }

  private void receive() {
    while (true) {
      ReceivedPacket packet;
      try {
        packet = channel.receive(HandoffMessage.MAX_PAYLOAD);
      } catch (TruncatedMessageException e) {
        // The descriptors that came with it are already closed.
        refused.increment();
        LOG.warn("hand-off refused ({} so far): {}", refused.sum(), e.getMessage());
        continue;
      } catch (PosixException e) {
        LOG.error(
            "hand-off channel {} failed; no new connections arrive, open ones are served: {}",
            channel,
            e.getMessage());
        return;
      }
      if (packet.isEndOfStream()) {
        LOG.warn(
            "hand-off channel {} closed by the acceptor after {} connections; open connections"
                + " are still served",
            channel,
            received.sum());
        return;
      }
      accept(packet);
    }
  }

  private void accept(ReceivedPacket packet) {
    if (!packet.hasFd()) {
      refused.increment();
      LOG.warn(
          "hand-off refused ({} so far): a {}-byte message without a socket",
          refused.sum(),
          packet.payload().length);
      return;
    }
    HandoffMessage message;
    try {
      message = HandoffMessage.decode(packet.payload());
    } catch (MalformedHandoffException e) {
      refused.increment();
      String closing = "closed fd " + packet.fd();
      try {
        Descriptors.close(packet.fd());
      } catch (PosixException closeFailed) {
        closing = closeFailed.getMessage();
      }
      LOG.warn("hand-off refused ({} so far): {}; {}", refused.sum(), e.getMessage(), closing);
      return;
    }
    received.increment();
    if (retireAfter > 0 && received.sum() == retireAfter) {
      onRetire.run();
    }
    connector.handOff(
        packet.fd(),
        message.inet6() ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET,
        message.alreadyReadBuffer(),
        message);
  }

  /** Connections received and given to the connector. */
  public long getReceived() {
    return received.sum();
  }

  /** Messages refused: no socket, malformed or truncated. */
  public long getRefused() {
    return refused.sum();
  }
}
