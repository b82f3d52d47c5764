package org.perchild.acceptor;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One accepted connection while the acceptor holds it, the attachment of its selection key.
 *
 * <pre>
 * READING_HEAD --head, handed off--> (gone from the acceptor)
 *      |--rejected, timed out, no child--> RESPONDING --written--> LINGERING --EOF or 2 s--> closed
 *      `--client closed--> closed
 * </pre>
 *
 * <p>{@link #received} holds every byte read, at most {@link AcceptorLoop#MAX_ALREADY_READ}: all of
 * it goes to the child with the socket.
 */
final class ClientConnection {

  enum State {
    READING_HEAD,
    RESPONDING,
    LINGERING
  }

  final SocketChannel channel;
  final AcceptorLoop.ListenSocket listener;
  final RequestHeadReader reader;
  final ByteBuffer received = ByteBuffer.allocate(AcceptorLoop.MAX_ALREADY_READ);
  State state = State.READING_HEAD;
  ByteBuffer response;
  long deadline;

  ClientConnection(
      SocketChannel channel,
      AcceptorLoop.ListenSocket listener,
      RequestHeadReader reader,
      long deadline) {
    this.channel = channel;
    this.listener = listener;
    this.reader = reader;
    this.deadline = deadline;
  }

  /** The bytes read so far, a copy. */
  byte[] bytesRead() {
    byte[] bytes = new byte[received.position()];
    received.get(0, bytes);
    return bytes;
  }
}
