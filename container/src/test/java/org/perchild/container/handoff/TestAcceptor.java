package org.perchild.container.handoff;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.perchild.posix.Native;

/**
 * Plays the acceptor in one JVM: accepts on loopback, reads the first bytes, dup()s the descriptor
 * of the accepted socket and closes its own channel, as the real acceptor does after sendmsg.
 */
final class TestAcceptor implements AutoCloseable {

  /** The listeners the tests run against. */
  enum Listener {
    /** An IPv4 listener and client: the socket is AF_INET. */
    IPV4(StandardProtocolFamily.INET, "127.0.0.1", "127.0.0.1"),
    /** A dual-stack listener with an IPv4 client: the socket is AF_INET6 all the same. */
    DUAL_STACK(StandardProtocolFamily.INET6, "::", "127.0.0.1"),
    /** An IPv6 listener and client. */
    IPV6(StandardProtocolFamily.INET6, "::1", "::1");

    final ProtocolFamily family;
    final String bindAddress;
    final String clientAddress;

    Listener(ProtocolFamily family, String bindAddress, String clientAddress) {
      this.family = family;
      this.bindAddress = bindAddress;
      this.clientAddress = clientAddress;
    }
  }

  /** How much the acceptor reads before it hands off. */
  enum Read {
    /** Exactly the request head, byte by byte. */
    EXACT_HEAD,
    /** Whatever has arrived when the head is complete, as a real acceptor reads. */
    UNTIL_HEAD,
    /** A full buffer: the head and the first bytes of the body, together. */
    FULL_BUFFER,
    /** The first TLS record (the ClientHello), as the acceptor reads one for its SNI. */
    TLS_RECORD,
    /** HTTP/2's 24-byte client preface and whatever came with it. */
    H2_PREFACE
  }

  /** A connection as the child receives it. */
  record Accepted(int fd, ProtocolFamily family, ByteBuffer alreadyRead, int headLength) {}

  static final int BUFFER_SIZE = 8192;

  private static final Method GET_FD_VAL;

  static {
    try {
      GET_FD_VAL = Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
      GET_FD_VAL.setAccessible(true);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final Listener listener;
  private final ServerSocketChannel server;

  TestAcceptor(Listener listener) throws IOException {
    this.listener = listener;
    server = ServerSocketChannel.open(listener.family);
    server.bind(new InetSocketAddress(InetAddress.getByName(listener.bindAddress), 0), 128);
  }

  /** Where a client connects. */
  InetSocketAddress clientTarget() throws IOException {
    int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
    return new InetSocketAddress(InetAddress.getByName(listener.clientAddress), port);
  }

  /** Accepts one connection, reads from it, and returns a dup of its descriptor. */
  Accepted accept(Read read) throws IOException {
    try (SocketChannel channel = server.accept()) {
      ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
      int headLength = -1;
      while (headLength < 0 || (read == Read.FULL_BUFFER && buffer.hasRemaining())) {
        if (read == Read.EXACT_HEAD) {
          buffer.limit(buffer.position() + 1);
        }
        if (channel.read(buffer) < 0) {
          throw new IOException("client closed before the head was complete");
        }
        if (headLength < 0) {
          headLength =
              switch (read) {
                case TLS_RECORD -> tlsRecordLength(buffer);
                case H2_PREFACE -> buffer.position() >= 24 ? buffer.position() : -1;
                default -> headLength(buffer);
              };
        }
        if (headLength < 0 && !buffer.hasRemaining() && buffer.limit() == buffer.capacity()) {
          throw new IOException("head longer than " + BUFFER_SIZE);
        }
      }
      buffer.flip();
      int dup = Native.posix().dup(fdVal(channel));
      if (dup < 0) {
        throw new IOException("dup: errno " + Native.posix().errno());
      }
      return new Accepted(dup, listener.family, buffer, headLength);
    }
  }

  private static int tlsRecordLength(ByteBuffer buffer) {
    if (buffer.position() < 5) {
      return -1;
    }
    int length = 5 + (((buffer.get(3) & 0xFF) << 8) | (buffer.get(4) & 0xFF));
    return buffer.position() >= length ? length : -1;
  }

  private static int headLength(ByteBuffer buffer) {
    String text = new String(buffer.array(), 0, buffer.position(), ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    return end < 0 ? -1 : end + 4;
  }

  static int fdVal(SocketChannel channel) {
    try {
      return (Integer) GET_FD_VAL.invoke(channel);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
