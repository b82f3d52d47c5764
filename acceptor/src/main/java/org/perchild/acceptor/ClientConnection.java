package org.perchild.acceptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import org.perchild.config.VirtualHost;
import org.perchild.protocol.HandoffMessage;

/**
 * One accepted connection while the acceptor holds it, the attachment of its selection key.
 *
 * <pre>
 * READING_PROXY --header (or LOCAL)--> READING_HEAD       (on an address:port with PROXY protocol On)
 *      `--no valid header, timed out, client closed--> closed (no answer: the peer is a proxy)
 * READING_HEAD --head, hello or h2c request, handed off--> (gone from the acceptor)
 *      |--no READY child of its group--> WAITING_FOR_CHILD --a child READY, handed off--> (gone)
 *      |                                      `--ChildWaitTimeout, or too many held--> RESPONDING (503)
 *      |--rejected, timed out--> RESPONDING --written--> LINGERING --EOF or 2 s--> closed
 *      `--client closed--> closed
 * </pre>
 *
 * <p>Most clients send their whole head at once, and the acceptor reads it right after {@code
 * accept} into a buffer it shares between connections: such a connection is handed off without ever
 * being registered with the selector ({@link #key} stays null) or given a buffer of its own. Only a
 * connection whose head is not complete after that first read gets {@link #received}, which then
 * holds every byte read (request head, ClientHello, or HTTP/2 preface and frames), at most {@link
 * org.perchild.protocol.HandoffMessage#MAX_ALREADY_READ}: all of it goes to the child with the
 * socket.
 */
final class ClientConnection {

  enum State {
    READING_PROXY,
    READING_HEAD,
    RESPONDING,
    LINGERING,
    /** Routed, and waiting for a READY child of its group (AcceptorLoop.hold). */
    WAITING_FOR_CHILD
  }

  final SocketChannel channel;
  final AcceptorLoop.ListenSocket listener;
  final FirstBytesReader reader;

  /** Null until the connection needs the selector: more bytes to read, or a response to write. */
  SelectionKey key;

  /** Null while the connection's bytes are in the loop's shared first-read buffer. */
  ByteBuffer received;

  State state;

  /**
   * How many of the bytes read are a PROXY header ({@link ProxyHeaderReader}): they are not handed
   * on; the client's own bytes begin there.
   */
  int proxyHeaderLength;

  /** The client's addresses from a PROXY header; null without one (or with a LOCAL one). */
  HandoffMessage.Proxied proxied;

  ByteBuffer response;
  long deadline;

  /** Once routed: what was read, and the virtual host it goes to. */
  FirstBytesReader.Routable routable;

  VirtualHost vhost;

  ClientConnection(
      SocketChannel channel,
      AcceptorLoop.ListenSocket listener,
      FirstBytesReader reader,
      boolean proxyHeaderFirst,
      long deadline) {
    this.state = proxyHeaderFirst ? State.READING_PROXY : State.READING_HEAD;
    this.channel = channel;
    this.listener = listener;
    this.reader = reader;
    this.deadline = deadline;
  }

  /** The client's address: the PROXY header's source, else the socket's peer. */
  Object client() {
    if (proxied != null) {
      return proxied.source();
    }
    try {
      return channel.getRemoteAddress();
    } catch (java.io.IOException e) {
      return "a client";
    }
  }

  /** How many bytes have been read from the client and kept. */
  int receivedBytes() {
    return received == null ? 0 : received.position();
  }

  /** Has {@code selector} watch {@code ops} on this connection, registering it on first need. */
  void watch(Selector selector, int ops) throws IOException {
    if (key == null) {
      key = channel.register(selector, ops, this);
    } else {
      key.interestOps(ops);
    }
  }
}
