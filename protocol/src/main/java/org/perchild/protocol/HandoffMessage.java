package org.perchild.protocol;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One connection handed from the acceptor to a child: one {@code SOCK_SEQPACKET} message whose
 * payload is this record and whose {@code SCM_RIGHTS} carries the socket. The acceptor encodes it;
 * the child decodes it and gives the socket and the bytes already read to Jetty.
 *
 * <p>Wire format, big-endian: version (1 byte, {@value #VERSION}), flags (1 byte: bit 0 secure, bit
 * 1 addresses from a PROXY header follow), listener index (2), address family of the socket (1: 4
 * or 6), the socket's remote address (4 or 16 bytes) and port (2), its local address and port; if
 * bit 1: the family of the PROXY header's addresses (1: 4 or 6), its source address and port, its
 * destination address and port; then the length of the chosen virtual host's name (1) and its bytes
 * (US-ASCII), the length of the bytes already read (4), then those bytes. Anything else is refused,
 * never guessed at.
 *
 * @param listenerIndex which {@code Listen} socket the connection arrived on, in config order
 * @param inet6 whether the accepted socket is {@code AF_INET6} (a dual-stack listener accepts IPv4
 *     clients on such sockets); the child adopts the descriptor with this family
 * @param secure whether the listener is {@code https} (the bytes already read begin with a TLS
 *     ClientHello, never decrypted by the acceptor)
 * @param remote the socket's peer: the client, or the proxy that sent a PROXY header
 * @param local the socket's local address, by which the child chooses the virtual host as the
 *     acceptor did
 * @param proxied the addresses a PROXY header gave (the client's and the one it connected to),
 *     which the web applications and the logs see; null when there was none (or a {@code LOCAL}
 *     one)
 * @param virtualHost the {@code ServerName} of the virtual host the acceptor chose for the
 *     connection (by SNI on a TLS listener, by the first request's host on others), at most {@value
 *     #MAX_HOST_NAME} characters; empty when it has none
 * @param alreadyRead the bytes the acceptor read after any PROXY header (request head, maybe part
 *     of a body, or the TLS ClientHello)
 */
public record HandoffMessage(
    int listenerIndex,
    boolean inet6,
    boolean secure,
    InetSocketAddress remote,
    InetSocketAddress local,
    Proxied proxied,
    String virtualHost,
    byte[] alreadyRead) {

  /**
   * The addresses of a PROXY header.
   *
   * @param source the client's address and port
   * @param destination the address and port the client connected to (the proxy's)
   */
  public record Proxied(InetSocketAddress source, InetSocketAddress destination) {
    public Proxied {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(destination, "destination");
      if (isInet6(source) != isInet6(destination)) {
        throw new IllegalArgumentException(
            "a PROXY header's addresses are of one family: " + source + ", " + destination);
      }
    }

    boolean inet6() {
      return isInet6(source);
    }
  }

  /** The version of the format this code reads and writes. */
  public static final int VERSION = 2;

  /** The longest virtual host name a message carries (a DNS name has at most 253). */
  public static final int MAX_HOST_NAME = 255;

  private static final int FLAG_SECURE = 1;
  private static final int FLAG_PROXY = 2;

  /**
   * The largest header: version, flags, index, family, two IPv6 addresses with ports, the same for
   * a PROXY header, the longest host name, length.
   */
  public static final int MAX_HEADER = headerBytes(true, true, true, MAX_HOST_NAME);

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
    check(listenerIndex, remote, local, virtualHost);
    alreadyRead = alreadyRead.clone();
  }

  /** A message without a PROXY header's addresses and without a virtual host name. */
  public HandoffMessage(
      int listenerIndex,
      boolean inet6,
      boolean secure,
      InetSocketAddress remote,
      InetSocketAddress local,
      byte[] alreadyRead) {
    this(listenerIndex, inet6, secure, remote, local, null, "", alreadyRead);
  }

  private static void check(
      int listenerIndex, InetSocketAddress remote, InetSocketAddress local, String virtualHost) {
    if (listenerIndex < 0 || listenerIndex > 0xFFFF) {
      throw new IllegalArgumentException("listener index out of range: " + listenerIndex);
    }
    Objects.requireNonNull(remote, "remote");
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(virtualHost, "virtualHost");
    if (virtualHost.length() > MAX_HOST_NAME) {
      throw new IllegalArgumentException(
          "virtual host name of " + virtualHost.length() + " characters, above " + MAX_HOST_NAME);
    }
    for (int i = 0; i < virtualHost.length(); i++) {
      char c = virtualHost.charAt(i);
      if (c <= ' ' || c >= 0x7F) {
        throw new IllegalArgumentException("virtual host name is not printable ASCII");
      }
    }
  }

  private static boolean isInet6(InetSocketAddress address) {
    return address.getAddress().getAddress().length == 16;
  }

  /** The client's address as web applications see it: the PROXY header's, else the peer's. */
  public InetSocketAddress clientAddress() {
    return proxied != null ? proxied.source() : remote;
  }

  /** The address the client connected to, as web applications see it. */
  public InetSocketAddress serverAddress() {
    return proxied != null ? proxied.destination() : local;
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
        listenerIndex,
        inet6,
        secure,
        remote,
        local,
        proxied,
        virtualHost,
        ByteBuffer.wrap(alreadyRead));
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
      InetSocketAddress remote,
      InetSocketAddress local,
      Proxied proxied,
      String virtualHost,
      ByteBuffer alreadyRead) {
    check(listenerIndex, remote, local, virtualHost);
    if (alreadyRead.remaining() > MAX_ALREADY_READ) {
      throw new IllegalArgumentException(
          alreadyRead.remaining() + " bytes already read, above " + MAX_ALREADY_READ);
    }
    byte[] name = virtualHost.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer buffer =
        ByteBuffer.allocate(
            headerBytes(inet6, proxied != null, proxied != null && proxied.inet6(), name.length)
                + alreadyRead.remaining());
    buffer.put((byte) VERSION);
    buffer.put((byte) ((secure ? FLAG_SECURE : 0) | (proxied != null ? FLAG_PROXY : 0)));
    buffer.putShort((short) listenerIndex);
    buffer.put((byte) (inet6 ? 6 : 4));
    putAddress(buffer, remote, inet6);
    putAddress(buffer, local, inet6);
    if (proxied != null) {
      buffer.put((byte) (proxied.inet6() ? 6 : 4));
      putAddress(buffer, proxied.source(), proxied.inet6());
      putAddress(buffer, proxied.destination(), proxied.inet6());
    }
    buffer.put((byte) name.length);
    buffer.put(name);
    buffer.putInt(alreadyRead.remaining());
    buffer.put(alreadyRead.duplicate());
    return buffer.array();
  }

  /**
   * Version, flags, index, family, two addresses of the family with ports; if {@code proxied}, a
   * family and two addresses of it ({@code proxiedInet6} says which); the name's length byte and
   * {@code nameLength} bytes; the length of the bytes already read.
   */
  private static int headerBytes(
      boolean inet6, boolean proxied, boolean proxiedInet6, int nameLength) {
    int addresses = ((inet6 ? 16 : 4) + 2) * 2;
    int proxy = proxied ? 1 + ((proxiedInet6 ? 16 : 4) + 2) * 2 : 0;
    return 1 + 1 + 2 + 1 + addresses + proxy + 1 + nameLength + 4;
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
      Proxied proxied = null;
      if ((flags & FLAG_PROXY) != 0) {
        int proxiedFamily = buffer.get();
        if (proxiedFamily != 4 && proxiedFamily != 6) {
          throw new MalformedHandoffException("PROXY address family " + proxiedFamily);
        }
        InetSocketAddress source = getAddress(buffer, proxiedFamily == 6);
        InetSocketAddress destination = getAddress(buffer, proxiedFamily == 6);
        try {
          proxied = new Proxied(source, destination);
        } catch (IllegalArgumentException e) {
          // One v4-mapped address and one IPv6: two families once unmapped, refused as such.
          throw new MalformedHandoffException(e.getMessage());
        }
      }
      byte[] name = new byte[buffer.get() & 0xFF];
      buffer.get(name);
      String virtualHost = new String(name, StandardCharsets.US_ASCII);
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
      try {
        return new HandoffMessage(
            index, inet6, (flags & FLAG_SECURE) != 0, remote, local, proxied, virtualHost, bytes);
      } catch (IllegalArgumentException e) {
        throw new MalformedHandoffException(e.getMessage());
      }
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
        && remote.equals(m.remote)
        && local.equals(m.local)
        && Objects.equals(proxied, m.proxied)
        && virtualHost.equals(m.virtualHost)
        && Arrays.equals(alreadyRead, m.alreadyRead);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        listenerIndex,
        inet6,
        secure,
        remote,
        local,
        proxied,
        virtualHost,
        Arrays.hashCode(alreadyRead));
  }

  @Override
  public String toString() {
    return "HandoffMessage[listener "
        + listenerIndex
        + ", "
        + remote
        + " -> "
        + local
        + (proxied != null ? ", PROXY " + proxied.source() + " -> " + proxied.destination() : "")
        + (virtualHost.isEmpty() ? "" : ", host " + virtualHost)
        + ", "
        + alreadyRead.length
        + " bytes"
        + (secure ? ", secure" : "")
        + "]";
  }
}
