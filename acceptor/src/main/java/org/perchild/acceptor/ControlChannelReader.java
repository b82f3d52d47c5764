package org.perchild.acceptor;

import java.util.function.Consumer;
import org.perchild.posix.Descriptors;
import org.perchild.posix.PosixException;
import org.perchild.posix.ReceivedPacket;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.posix.TruncatedMessageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that listens to the launcher: it blocks in {@code recvmsg} on the control channel,
 * parses each message ({@link ControlMessage}) and gives it to the acceptor loop, which applies it
 * on its own thread. A message it cannot parse is logged and dropped (a descriptor that came with
 * it is closed); the end of the channel, or a receive that fails, is passed on as {@link
 * ControlMessage.EndOfStream} and ends the thread.
 */
final class ControlChannelReader implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(ControlChannelReader.class);
  private static final int MAX_MESSAGE = 256 * 1024; // a SCOREBOARD of ServerLimit children

  private final SeqPacketChannel control;
  private final Consumer<ControlMessage> sink;

  ControlChannelReader(SeqPacketChannel control, Consumer<ControlMessage> sink) {
    this.control = control;
    this.sink = sink;
  }

  /** Starts the reader on a daemon thread named for what it serves. */
  Thread start() {
    Thread thread = new Thread(this, "acceptor-control");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  @Override
  public void run() {
    while (true) {
      ReceivedPacket packet;
      try {
        packet = control.receive(MAX_MESSAGE);
      } catch (TruncatedMessageException e) {
        LOG.warn("Control message dropped: {}", e.getMessage());
        continue;
      } catch (PosixException e) {
        LOG.error("Control channel failed, stopping as if the launcher had gone", e);
        sink.accept(new ControlMessage.EndOfStream());
        return;
      }
      if (packet.isEndOfStream()) {
        sink.accept(new ControlMessage.EndOfStream());
        return;
      }
      if (!packet.isMessage()) {
        continue;
      }
      ControlMessage message;
      try {
        message = ControlMessage.parse(packet.payload(), packet.fd());
      } catch (IllegalArgumentException e) {
        LOG.warn("Control message ignored: {}", e.getMessage());
        closeQuietly(packet.fd());
        continue;
      }
      if (!(message instanceof ControlMessage.Child || message instanceof ControlMessage.Reload)) {
        closeQuietly(packet.fd());
      }
      sink.accept(message);
      if (message instanceof ControlMessage.Stop) {
        return;
      }
    }
  }

  private static void closeQuietly(int fd) {
    if (fd < 0) {
      return;
    }
    try {
      Descriptors.close(fd);
    } catch (PosixException e) {
      LOG.warn("Closing a descriptor that came with a control message: {}", e.getMessage());
    }
  }
}
