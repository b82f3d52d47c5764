package org.perchild.container;

import java.nio.charset.StandardCharsets;
import org.perchild.posix.Descriptors;
import org.perchild.posix.PosixException;
import org.perchild.posix.ReceivedPacket;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.posix.TruncatedMessageException;
import org.perchild.protocol.LoadReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The child's side of its control channel to the launcher (fd 3): UTF-8 text messages, one per
 * {@code SOCK_SEQPACKET} message. The child says {@code READY <pid>} once Jetty has started; the
 * launcher says {@code STOP}. The end of the stream means the launcher has died, and the child must
 * not outlive it. {@link ChildMain} sends READY and runs {@link #run()} on a thread of its own.
 */
public final class ControlChannel implements Runnable {

  private static final Logger LOG = LoggerFactory.getLogger(ControlChannel.class);
  private static final int MAX_MESSAGE = 4096;

  /** What the child does when the launcher asks or goes. */
  public interface Commands {
    /** {@code STOP}: stop gracefully and exit 0. */
    void stop();

    /** End of stream: the launcher has gone; exit 0 at once. */
    void launcherGone();
  }

  private final SeqPacketChannel channel;
  private final Commands commands;

  /** Listens on {@code channel} and acts through {@code commands}. */
  public ControlChannel(SeqPacketChannel channel, Commands commands) {
    this.channel = channel;
    this.commands = commands;
  }

  /** Tells the launcher the child serves: {@code READY <pid>}. */
  public void sendReady(long pid) throws PosixException {
    channel.send(("READY " + pid).getBytes(StandardCharsets.UTF_8), -1);
  }

  /**
   * Tells the launcher this child has served MaxRequestsPerChild connections: the launcher starts
   * its replacement, then stops it; until then it serves as before.
   */
  public void sendRetiring() {
    try {
      channel.send("RETIRING".getBytes(StandardCharsets.UTF_8), -1);
    } catch (PosixException e) {
      LOG.warn("cannot say RETIRING, the launcher has gone: {}", e.getMessage());
    }
  }

  /**
   * Sends one report message; false if the launcher has gone, which the reader thread notices by
   * itself.
   */
  public boolean send(String message) {
    try {
      channel.send(message.getBytes(StandardCharsets.UTF_8), -1);
      return true;
    } catch (PosixException e) {
      LOG.debug("cannot report {}: {}", message.split(" ", 2)[0], e.getMessage());
      return false;
    }
  }

  /** Reports this child's load ({@link LoadReport#message()}); false if the launcher has gone. */
  public boolean sendLoad(LoadReport load) {
    return send(load.message());
  }

  /** Starts listening on a new non-daemon thread called {@code name}. */
  public Thread start(String name) {
    Thread thread = new Thread(this, name);
    thread.setDaemon(false);
    thread.start();
    return thread;
  }

  @Override
  public void run() {
    while (true) {
      ReceivedPacket packet;
      try {
        packet = channel.receive(MAX_MESSAGE);
      } catch (TruncatedMessageException e) {
        LOG.warn("control message ignored: {}", e.getMessage());
        continue;
      } catch (PosixException e) {
        // A control channel we cannot read is a launcher we cannot hear: as good as gone.
        LOG.error("control channel {} failed: {}", channel, e.getMessage());
        commands.launcherGone();
        return;
      }
      if (packet.isEndOfStream()) {
        commands.launcherGone();
        return;
      }
      if (packet.hasFd()) {
        LOG.warn("control message came with fd {}; closing it", packet.fd());
        closeQuietly(packet.fd());
      }
      String message = new String(packet.payload(), StandardCharsets.UTF_8);
      if (message.equals("STOP")) {
        commands.stop();
        return;
      }
      LOG.warn("unknown control message ignored: {}", printable(message));
    }
  }

  private static void closeQuietly(int fd) {
    try {
      Descriptors.close(fd);
    } catch (PosixException e) {
      LOG.warn("{}", e.getMessage());
    }
  }

  private static String printable(String message) {
    String shown = message.length() > 80 ? message.substring(0, 80) + "…" : message;
    return shown.replaceAll("\\p{Cntrl}", "?");
  }
}
