package org.perchild.protocol;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * One connection handed from the acceptor to a child: one {@code SOCK_SEQPACKET} message whose
 * payload is this record and whose {@code SCM_RIGHTS} carries the socket. The acceptor encodes it;
 * the child decodes it and gives the socket and the bytes already read to Jetty.
 *
 * <p>Wire format, big-endian: version (1 byte, {@value #VERSION}), flags (1 byte: bit 0 secure, bit
 * 1 addresses from a PROXY header), listener index (2), address family (1: 4 or 6), remote address
 * (4 or 16 bytes), remote port (2), local address (4 or 16), local port (2), length of the bytes
 * already read (4), then those bytes. Anything else is refused, never guessed at.
 *
 * @param listenerIndex which {@code Listen} socket the connection arrived on, in config order
 * @param inet6 whether the accepted socket is {@code AF_INET6} (a dual-stack listener accepts IPv4
 *     clients on such sockets); the child adopts the descriptor with this family
 * @param secure whether the listener is {@code https}
 * @param fromProxyHeader whether the addresses come from a PROXY header rather than the socket
 * @param remote the client's address
 * @param local the address the client connected to
 * @param alreadyRead the bytes the acceptor read (request head, maybe part of a body)
 */
public record HandoffMessage(
    int listenerIndex,
    boolean inet6,
    boolean secure,
    boolean fromProxyHeader,
    InetSocketAddress remote,
    InetSocketAddress local,
    byte[] alreadyRead) {

  /** The version of the format this code reads and writes. */
  public static final int VERSION = 1;

  private static final int FLAG_SECURE = 1;
  private static final int FLAG_PROXY = 2;

  /** The largest header: version, flags, index, family, two IPv6 addresses with ports, length. */
  public static final int MAX_HEADER = headerBytes(true);

  /**
   * The most bytes the acceptor reads before it hands a connection off, and so the most a message
   * carries: the acceptor's read buffer, the child's receive buffer ({@link #MAX_PAYLOAD}) and the
   * child's Jetty input buffer and request-header size are all this one number, so that a head the
   * acceptor accepted always fits the child.
   */
  public static final int MAX_ALREADY_READ = 64 * 1024;

  /** The largest payload of one hand-off message: what the child's receive buffer holds. */
  public static final int MAX_PAYLOAD = MAX_HEADER + MAX_ALREADY_READ;

  public HandoffMessage {
    check(listenerIndex, remote, local);
    alreadyRead = alreadyRead.clone();
  }

  private static void check(int listenerIndex, InetSocketAddress remote, InetSocketAddress local) {
    if (listenerIndex < 0 || listenerIndex > 0xFFFF) {
      throw new IllegalArgumentException("listener index out of range: " + listenerIndex);
    }
    Objects.requireNonNull(remote, "remote");
    Objects.requireNonNull(local, "local");
  }

  /** The bytes already read (a copy). */
  @Override
  public byte[] alreadyRead() {
    return alreadyRead.clone();
  }

  /** The bytes already read, as a read-only view rather than a copy. */
  public ByteBuffer alreadyReadBuffer() {
    return ByteBuffer.wrap(alreadyRead).asReadOnlyBuffer();
  }

  /** The payload of the message. */
  public byte[] encode() {
    return encode(
        listenerIndex, inet6, secure, fromProxyHeader, remote, local, ByteBuffer.wrap(alreadyRead));
  }

  /**
   * The payload of a message with these fields, written straight from {@code alreadyRead} (its
   * bytes from position to limit, which it leaves where they were): what the acceptor sends for
   * every connection, without making a message first.
   */
  public static byte[] encode(
      int listenerIndex,
      boolean inet6,
      boolean secure,
      boolean fromProxyHeader,
      InetSocketAddress remote,
      InetSocketAddress local,
      ByteBuffer alreadyRead) {
    check(listenerIndex, remote, local);
    if (alreadyRead.remaining() > MAX_ALREADY_READ) {
      throw new IllegalArgumentException(
          alreadyRead.remaining() + " bytes already read, above " + MAX_ALREADY_READ);
    }
    ByteBuffer buffer = ByteBuffer.allocate(headerBytes(inet6) + alreadyRead.remaining());
    buffer.put((byte) VERSION);
    buffer.put((byte) ((secure ? FLAG_SECURE : 0) | (fromProxyHeader ? FLAG_PROXY : 0)));
    buffer.putShort((short) listenerIndex);
    buffer.put((byte) (inet6 ? 6 : 4));
    putAddress(buffer, remote, inet6);
    putAddress(buffer, local, inet6);
    buffer.putInt(alreadyRead.remaining());
    buffer.put(alreadyRead.duplicate());
    return buffer.array();
  }

  /** Version, flags, index, family, two addresses of the family with ports, length. */
  private static int headerBytes(boolean inet6) {
    return 1 + 1 + 2 + 1 + ((inet6 ? 16 : 4) + 2) * 2 + 4;
  }

  private static void putAddress(ByteBuffer buffer, InetSocketAddress address, boolean inet6) {
    byte[] bytes = address.getAddress().getAddress();
    if (inet6 && bytes.length == 4) {
      // An IPv4 client on a dual-stack socket: write it as the kernel sees it, v4-mapped.
      byte[] mapped = new byte[16];
      mapped[10] = (byte) 0xFF;
      mapped[11] = (byte) 0xFF;
      System.arraycopy(bytes, 0, mapped, 12, 4);
      bytes = mapped;
    } else if (!inet6 && bytes.length != 4) {
      throw new IllegalArgumentException("an IPv6 address on an AF_INET socket: " + address);
    }
    buffer.put(bytes);
    buffer.putShort((short) address.getPort());
  }

  /**
   * Reads a payload written by {@link #encode()}.
   *
   * @throws MalformedHandoffException if it is not exactly one well-formed message
   */
  public static HandoffMessage decode(byte[] payload) throws MalformedHandoffException {
    ByteBuffer buffer = ByteBuffer.wrap(payload);
    try {
      int version = buffer.get() & 0xFF;
      if (version != VERSION) {
        throw new MalformedHandoffException("version " + version + ", expected " + VERSION);
      }
      int flags = buffer.get() & 0xFF;
      if ((flags & ~(FLAG_SECURE | FLAG_PROXY)) != 0) {
        throw new MalformedHandoffException("unknown flags " + flags);
      }
      int index = buffer.getShort() & 0xFFFF;
      int family = buffer.get();
      if (family != 4 && family != 6) {
        throw new MalformedHandoffException("address family " + family);
      }
      boolean inet6 = family == 6;
      InetSocketAddress remote = getAddress(buffer, inet6);
      InetSocketAddress local = getAddress(buffer, inet6);
      int length = buffer.getInt();
      if (length > MAX_ALREADY_READ) {
        throw new MalformedHandoffException(
            "says " + length + " bytes follow, above " + MAX_ALREADY_READ);
      }
      if (length != buffer.remaining()) {
        throw new MalformedHandoffException(
            "says " + length + " bytes follow, but " + buffer.remaining() + " do");
      }
      byte[] bytes = new byte[length];
      buffer.get(bytes);
      return new HandoffMessage(
          index,
          inet6,
          (flags & FLAG_SECURE) != 0,
          (flags & FLAG_PROXY) != 0,
          remote,
          local,
          bytes);
    } catch (BufferUnderflowException e) {
      throw new MalformedHandoffException("cut short after " + buffer.position() + " bytes");
    }
  }

  private static InetSocketAddress getAddress(ByteBuffer buffer, boolean inet6)
      throws MalformedHandoffException {
    byte[] bytes = new byte[inet6 ? 16 : 4];
    buffer.get(bytes);
    int port = buffer.getShort() & 0xFFFF;
    try {
      // A v4-mapped address comes back as the IPv4 address, as servlets should see the client.
      InetAddress address = InetAddress.getByAddress(bytes);
      return new InetSocketAddress(address, port);
    } catch (UnknownHostException e) {
      throw new MalformedHandoffException("address: " + e.getMessage());
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof HandoffMessage m
        && listenerIndex == m.listenerIndex
        && inet6 == m.inet6
        && secure == m.secure
        && fromProxyHeader == m.fromProxyHeader
        && remote.equals(m.remote)
        && local.equals(m.local)
        && Arrays.equals(alreadyRead, m.alreadyRead);
  }

  @Override
  public int hashCode() {
    return Objects.hash(listenerIndex, inet6, secure, remote, local, Arrays.hashCode(alreadyRead));
  }

  @Override
  public String toString() {
    return "HandoffMessage[listener "
        + listenerIndex
        + ", "
        + remote
        + " -> "
        + local
        + ", "
        + alreadyRead.length
        + " bytes"
        + (secure ? ", secure" : "")
        + "]";
  }
}
