package org.perchild.container;

import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * client socket attached as {@code SCM_RIGHTS}. {@link ChildMain} runs it on a thread of its own.
 *
 * <p>A message without a descriptor, a malformed one or a truncated one closes whatever arrived, is
 * logged and counted, and the next message is read. The end of the stream (the acceptor has gone; a
 * new one may be given a new channel later) ends the receiver, not the child: the connections
 * already handed off keep being served.
 */
public final class HandoffReceiver implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(HandoffReceiver.class);

  private final SeqPacketChannel channel;
  private final HandoffConnector connector;
  private final LongAdder received = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final CountDownLatch ended = new CountDownLatch(1);
  private volatile long retireAfter;
  private volatile Runnable onRetire = () -> {};

  /** A receiver that reads {@code channel} and feeds {@code connector}. */
  public HandoffReceiver(SeqPacketChannel channel, HandoffConnector connector) {
    this.channel = channel;
    this.connector = connector;
  }

  /** Starts the receiver on a new non-daemon thread called {@code name}. */
  public Thread start(String name) {
    Thread thread = new Thread(this, name);
    thread.setDaemon(false);
    thread.start();
    return thread;
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
   * Waits until the hand-off channel has been read to its end (the acceptor and the launcher have
   * closed their ends), so that every connection already handed to this child is taken; true if it
   * ended within {@code limit}.
   */
  public boolean awaitEnd(Duration limit) throws InterruptedException {
    return ended.await(limit.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void run() {
    try {
      receive();
    } finally {
      ended.countDown();
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
