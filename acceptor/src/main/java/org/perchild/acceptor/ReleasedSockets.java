package org.perchild.acceptor;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the acceptor lets go of its copy of a client socket: at once when the selector never saw it,
 * else only once the selector has dropped its key ({@link #closeReleased}). A socket may have been
 * handed to a child, so closing it must never do more than {@code close(2)} of the acceptor's own
 * descriptor.
 *
 * <p>Closed while still registered, a non-blocking JDK channel shuts the socket down for writing
 * ({@code SHUT_WR}) and defers the close: that would end a handed-off connection under the child.
 * Once deregistered, {@code close} is a plain {@code close(2)} of our descriptor and nothing else.
 * The channel is deliberately left in non-blocking mode: {@code O_NONBLOCK} belongs to the open
 * file description the child now shares, and switching it back to blocking here could undo the
 * child's own {@code configureBlocking(false)} if the child were quicker than the acceptor.
 *
 * <p>Used by the selector thread only.
 */
final class ReleasedSockets {

  private static final Logger LOG = LoggerFactory.getLogger(ReleasedSockets.class);

  private final Selector selector;
  private final List<SocketChannel> toClose = new ArrayList<>();

  ReleasedSockets(Selector selector) {
    this.selector = selector;
  }

  /**
   * Lets go of {@code channel}: closed now if {@code key} is null (never registered), else taken
   * out of the selector and closed by the next {@link #closeReleased}.
   */
  void release(SelectionKey key, SocketChannel channel) {
    if (key == null) {
      closeNow(channel);
      return;
    }
    key.cancel();
    toClose.add(channel);
  }

  /** Closes the released sockets once the selector has dropped their keys. */
  void closeReleased() throws IOException {
    if (toClose.isEmpty()) {
      return;
    }
    selector.selectNow();
    for (SocketChannel channel : toClose) {
      if (channel.isRegistered()) {
        // Cannot happen after selectNow; never risk the SHUT_WR above for it.
        LOG.error("{} still registered after its key was flushed; leaking it", channel);
        continue;
      }
      closeNow(channel);
    }
    toClose.clear();
  }

  /** Closes a socket the selector never saw. */
  static void closeNow(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.debug("close: {}", e.toString());
    }
  }
}
