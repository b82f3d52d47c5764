package org.perchild.protocol;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.perchild.posix.Descriptors;
import org.perchild.posix.PosixException;
import org.perchild.posix.ReceivedPacket;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.posix.TruncatedMessageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One end of a control channel, as the launcher, the acceptor and the children all use it: a reader
 * thread that receives each message (at most {@link ControlMessage#MAX_BYTES}), decodes it with its
 * direction's decoder and hands it to a {@link Receiver}, and three ways to send, chosen by what
 * the sending thread may afford:
 *
 * <ul>
 *   <li>{@link #send}: waits while the channel is full; for a thread that may wait (the launcher's
 *       supervisor loop, a process saying READY at start);
 *   <li>{@link #sendLater}: queued for a sender thread of the channel's own and never lost while
 *       the peer lives; for a message that must arrive from a thread that must not wait (a child's
 *       RETIRING, said on the thread that takes hand-offs);
 *   <li>{@link #report}: without waiting ({@code MSG_DONTWAIT}); a report the full channel has no
 *       room for is dropped and counted, the next one says the same again.
 * </ul>
 *
 * <p>A message that is too long ({@code MSG_TRUNC}) or that its decoder refuses is counted, logged
 * with the channel and its peer, and skipped (a descriptor that came with it closed): reading goes
 * on. Only the end of the stream, a failed receive, or a message that {@linkplain
 * ControlMessage#isLast() is the last} ends the reader.
 *
 * <p>{@link #close()} never hands a thread of this channel someone else's channel. Closing a
 * descriptor frees its number at once, and the launcher's next {@code socketpair} gets it for a new
 * child's channel; a reader that had not reached {@code recvmsg} yet (or a sender about to call
 * {@code sendmsg}) would then read (or write) the new child's channel. So every use of the
 * descriptor is counted: {@code close()} shuts the socket down ({@code SHUT_RDWR}), which ends a
 * waiting receive and fails a waiting send, refuses every later use, and the descriptor is closed
 * by whoever finishes last, {@code close()} itself when nothing is using it, else the last reader
 * or sender to return:
 *
 * <pre>
 * open ──close()──▶ shut down (uses in flight) ──last use returns──▶ closed
 *   └───────────────close() with no use in flight──────────────────────▲
 * </pre>
 *
 * @param <R> the messages this end receives
 * @param <S> the messages this end sends
 */
public final class ControlChannel<R extends ControlMessage, S extends ControlMessage> {

  private static final Logger LOG = LoggerFactory.getLogger(ControlChannel.class);

  /** What the reader thread gives what it received to; called on the reader thread. */
  public interface Receiver<R> {
    /** One message; the descriptor it carries, if any, is the receiver's to close. */
    void received(R message);

    /**
     * The channel ended: the peer closed its end, or a receive failed (said in {@code why}). No
     * message follows.
     */
    void ended(String why);
  }

  private final SeqPacketChannel channel;
  private final String peer;
  private final ControlMessage.Decoder<R> decoder;
  private final AtomicLong oversized = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong droppedReports = new AtomicLong();
  private final BlockingQueue<S> queued = new LinkedBlockingQueue<>();
  private Thread sender;
  // Guards users and closing: see the class comment for why the descriptor outlives close().
  private final Object uses = new Object();
  private int users;
  private boolean closing;

  /**
   * Wraps {@code channel}, whose other end is {@code peer}.
   *
   * @param peer who is at the other end, for log lines and thread names: {@code "child 3 (pid
   *     812)"}, {@code "the launcher"}
   * @param decoder how to read what arrives, e.g. {@code ChildToLauncher::decode}
   */
  public ControlChannel(SeqPacketChannel channel, String peer, ControlMessage.Decoder<R> decoder) {
    this.channel = channel;
    this.peer = peer;
    this.decoder = decoder;
  }

  /** The underlying channel; closed by {@link #close()} only, never by its caller. */
  public SeqPacketChannel channel() {
    return channel;
  }

  /** Starts the reader on a new thread named {@code name}. */
  public Thread startReading(String name, boolean daemon, Receiver<? super R> receiver) {
    Thread reader = new Thread(() -> read(receiver), name);
    reader.setDaemon(daemon);
    reader.start();
    return reader;
  }

  /**
   * Receives until the channel ends, on the calling thread; what {@link #startReading} runs.
   * Returns after the end or after a last message.
   */
  public void read(Receiver<? super R> receiver) {
    while (true) {
      if (!use()) {
        // Closed before this reader got here: its descriptor number may be a new channel now.
        receiver.ended("closed by this end");
        return;
      }
      ReceivedPacket packet;
      try {
        packet = channel.receive(ControlMessage.MAX_BYTES);
      } catch (TruncatedMessageException e) {
        LOG.warn(
            "control channel {} from {}: message dropped, above {} bytes ({} so far): {}",
            channel,
            peer,
            ControlMessage.MAX_BYTES,
            oversized.incrementAndGet(),
            e.getMessage());
        continue;
      } catch (PosixException e) {
        if (e.errnoName().equals("ECONNRESET")) {
          // The peer exited with messages it had not read yet: gone, like the end of the stream.
          LOG.debug("control channel {} from {}: {}", channel, peer, e.getMessage());
        } else {
          // A channel we cannot read is a peer we cannot hear: as good as gone.
          LOG.error("control channel {} from {} failed: {}", channel, peer, e.getMessage());
        }
        receiver.ended(e.getMessage());
        return;
      } finally {
        release();
      }
      if (packet.isEndOfStream()) {
        receiver.ended("end of stream");
        return;
      }
      if (!packet.isMessage()) {
        continue;
      }
      R message;
      try {
        message = decoder.decode(packet.payload(), packet.fd());
      } catch (IllegalArgumentException e) {
        LOG.warn(
            "control channel {} from {}: message ignored ({} so far): {}",
            channel,
            peer,
            malformed.incrementAndGet(),
            e.getMessage());
        closeReceived(packet.fd());
        continue;
      }
      receiver.received(message);
      if (message.isLast()) {
        return;
      }
    }
  }

  /**
   * Sends {@code message} (and its descriptor, which the caller keeps and closes), waiting while
   * the channel is full.
   *
   * @return false if it was not sent: too long, or the peer has gone (both logged)
   */
  public boolean send(S message) {
    byte[] payload = payloadOf(message);
    if (payload == null) {
      return false;
    }
    if (!use()) {
      LOG.warn("could not send {} to {}: the channel is closed", message.name(), peer);
      return false;
    }
    try {
      channel.send(payload, message.fd());
      return true;
    } catch (PosixException e) {
      LOG.warn("could not send {} to {}: {}", message.name(), peer, e.getMessage());
      return false;
    } finally {
      release();
    }
  }

  /**
   * Queues {@code message} for the channel's sender thread, which sends it waiting as long as it
   * takes: returns at once, and the message is lost only if the peer goes. It must carry no
   * descriptor (the caller could close it before it is sent).
   */
  public void sendLater(S message) {
    if (message.fd() >= 0) {
      throw new IllegalArgumentException(message.name() + " carries a descriptor: send it now");
    }
    synchronized (queued) {
      if (sender == null) {
        sender = new Thread(this::drain, "control-sender-" + peer.replace(' ', '-'));
        sender.setDaemon(true);
        sender.start();
      }
    }
    queued.add(message);
  }

  /**
   * Sends a report without waiting: if the channel is full it is dropped and counted (the next
   * report replaces it).
   *
   * @return false only if the peer has gone
   */
  public boolean report(S message) {
    byte[] payload = payloadOf(message);
    if (payload == null) {
      return true;
    }
    if (!use()) {
      LOG.debug("cannot report {} to {}: the channel is closed", message.name(), peer);
      return false;
    }
    try {
      if (channel.sendNonBlocking(payload, message.fd()) == SeqPacketChannel.SendResult.SENT) {
        return true;
      }
      LOG.debug(
          "control channel {} to {} full: {} report dropped ({} so far)",
          channel,
          peer,
          message.name(),
          droppedReports.incrementAndGet());
      return true;
    } catch (PosixException e) {
      LOG.debug("cannot report {} to {}: {}", message.name(), peer, e.getMessage());
      return false;
    } finally {
      release();
    }
  }

  /** Messages dropped because they were longer than {@link ControlMessage#MAX_BYTES}. */
  public long oversized() {
    return oversized.get();
  }

  /** Messages dropped because their decoder refused them. */
  public long malformed() {
    return malformed.get();
  }

  /** Reports dropped because the channel was full. */
  public long droppedReports() {
    return droppedReports.get();
  }

  /**
   * Closes the channel: the reader then ends with the end of the stream (after the messages already
   * queued) and a waiting send fails; the descriptor is closed once neither uses it any more. Later
   * calls do nothing.
   */
  public void close() {
    synchronized (uses) {
      if (closing) {
        return;
      }
      closing = true;
      // Under the lock: a use returning now must not close the descriptor before it is shut down.
      try {
        channel.shutdown();
      } catch (PosixException e) {
        LOG.warn("shutting down the control channel to {}: {}", peer, e.getMessage());
      }
      if (users == 0) {
        closeDescriptor();
      }
    }
    synchronized (queued) {
      if (sender != null) {
        sender.interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return "ControlChannel(" + channel + " to " + peer + ")";
  }

  /** Counts one use of the descriptor; false once {@link #close()} has been called. */
  private boolean use() {
    synchronized (uses) {
      if (closing) {
        return false;
      }
      users++;
      return true;
    }
  }

  /** Ends one use; the last one after {@link #close()} closes the descriptor. */
  private void release() {
    synchronized (uses) {
      users--;
      if (closing && users == 0) {
        closeDescriptor();
      }
    }
  }

  private void closeDescriptor() {
    try {
      channel.close();
    } catch (PosixException e) {
      LOG.warn("closing the control channel to {}: {}", peer, e.getMessage());
    }
  }

  /** The payload, or null (said why) if it is above the limit. */
  private byte[] payloadOf(S message) {
    byte[] payload = message.encode();
    if (payload.length > ControlMessage.MAX_BYTES) {
      LOG.error(
          "{} to {} not sent: {} bytes, above the control channel's {}",
          message.name(),
          peer,
          payload.length,
          ControlMessage.MAX_BYTES);
      return null;
    }
    return payload;
  }

  private void drain() {
    while (true) {
      S message;
      try {
        message = queued.take();
      } catch (InterruptedException e) {
        return;
      }
      if (!send(message)) {
        return; // the peer has gone, which the reader notices by itself
      }
    }
  }

  private static void closeReceived(int fd) {
    if (fd < 0) {
      return;
    }
    try {
      Descriptors.close(fd);
    } catch (PosixException e) {
      LOG.warn("closing a descriptor that came with a refused message: {}", e.getMessage());
    }
  }
}
