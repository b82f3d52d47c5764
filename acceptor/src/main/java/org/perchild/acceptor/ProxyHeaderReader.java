package org.perchild.acceptor;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.perchild.protocol.HandoffMessage;

/**
 * Reads the PROXY protocol header (HAProxy's, versions 1 and 2) that a load balancer sends before
 * anything of the client's own: the acceptor calls it on an address:port where {@code
 * RemoteIPProxyProtocol On} applies, before it reads the request head or the TLS ClientHello that
 * follow the header. A parser of our own, since the acceptor must know the header's length exactly
 * (its bytes are not forwarded) and the child's Jetty must never see them.
 *
 * <p><b>Bytes.</b> Each call passes every byte the connection has sent so far, from the buffer's
 * position (the connection's first byte) to its limit; nothing is read outside that range, and the
 * buffer's position and limit are left as they were. The header is at most {@link #V1_MAX_BYTES}
 * bytes (v1) or {@link #V2_HEADER_BYTES} + {@link #V2_MAX_ADDRESS_BYTES} (v2), so reading the
 * prefix again after each read costs little, and the reader keeps no state: the same bytes always
 * give the same answer, whatever the chunks they came in.
 *
 * <pre>
 * NeedMore --more bytes--> NeedMore
 *    |--> Addresses (the header's length, the client's and the proxy's addresses)
 *    |--> Local     (the header's length; serve as a direct connection)
 *    `--> Refused   (close the connection: no header, or a broken one)
 * </pre>
 *
 * <p>Version 1: {@code PROXY TCP4|TCP6 src dst srcport dstport\r\n}, or {@code PROXY UNKNOWN
 * ...\r\n} (no addresses), at most 107 bytes. Version 2: the 12-byte signature, version 2 with
 * command {@code LOCAL} (a load balancer's own connection, a health check: no addresses) or {@code
 * PROXY}, family and transport, the length of what follows; {@code PROXY} over TCP with IPv4 or
 * IPv6 gives addresses, the UNIX and UNSPEC families (and a datagram transport) none; the TLVs
 * after the addresses are skipped once checked to fit exactly.
 */
public final class ProxyHeaderReader {

  /** The longest version 1 header, CRLF included, as the specification sets it. */
  public static final int V1_MAX_BYTES = 107;

  /** The fixed part of a version 2 header: signature, version and command, family, length. */
  public static final int V2_HEADER_BYTES = 16;

  /**
   * The most bytes a version 2 header may carry after its fixed part (addresses and TLVs). The
   * specification allows 65535; HAProxy's TLVs (unique id, SSL, authority, CRC) fit in far less,
   * and a header must leave room in the acceptor's buffer for the request head after it.
   */
  public static final int V2_MAX_ADDRESS_BYTES = 4096;

  private static final byte[] V2_SIGNATURE = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };
  private static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);

  private static final int V2_INET_ADDRESS_BYTES = 12;
  private static final int V2_INET6_ADDRESS_BYTES = 36;
  private static final int V2_UNIX_ADDRESS_BYTES = 216;

  private ProxyHeaderReader() {}

  /** What the bytes so far say. */
  public sealed interface Outcome permits NeedMore, Addresses, Local, Refused {}

  /** No whole header yet, and nothing wrong so far: read more and call again. */
  public record NeedMore() implements Outcome {}

  /**
   * A header with the client's addresses.
   *
   * @param length the header's bytes, which are not forwarded: the client's own bytes start there
   * @param proxied the client's address (source) and the one it connected to (destination)
   * @param version 1 or 2
   */
  public record Addresses(int length, HandoffMessage.Proxied proxied, int version)
      implements Outcome {}

  /**
   * A valid header without addresses to use: v2 {@code LOCAL} (a health check of the proxy's own),
   * v1 {@code UNKNOWN}, v2 {@code PROXY} of the UNSPEC or UNIX family. The connection is served as
   * a direct one, with the socket's own addresses.
   *
   * @param length the header's bytes, which are not forwarded
   * @param what which kind of header, for the logs ({@code "v2 LOCAL"}, {@code "v1 UNKNOWN"}, ...)
   */
  public record Local(int length, String what) implements Outcome {}

  /**
   * Not a valid header: the connection is closed without an answer.
   *
   * @param reason why, for the debug log
   */
  public record Refused(String reason) implements Outcome {}

  private static final NeedMore NEED_MORE = new NeedMore();

  /** What the connection's bytes so far ({@code bytes}' position to limit) say. */
  public static Outcome read(ByteBuffer bytes) {
    int start = bytes.position();
    int available = bytes.limit() - start;
    if (available == 0) {
      return NEED_MORE;
    }
    if (startsWith(bytes, start, available, V2_SIGNATURE)) {
      return available < V2_SIGNATURE.length ? NEED_MORE : readV2(bytes, start, available);
    }
    if (startsWith(bytes, start, available, V1_SIGNATURE)) {
      return available < V1_SIGNATURE.length ? NEED_MORE : readV1(bytes, start, available);
    }
    return new Refused("no PROXY header: the connection starts with byte " + hex(bytes.get(start)));
  }

  /** Whether the first {@code min(available, prefix.length)} bytes are those of {@code prefix}. */
  private static boolean startsWith(ByteBuffer bytes, int start, int available, byte[] prefix) {
    int n = Math.min(available, prefix.length);
    for (int i = 0; i < n; i++) {
      if (bytes.get(start + i) != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static Outcome readV1(ByteBuffer bytes, int start, int available) {
    int n = Math.min(available, V1_MAX_BYTES);
    int lf = -1;
    for (int i = 0; i < n; i++) {
      byte b = bytes.get(start + i);
      if (b == '\n') {
        lf = i;
        break;
      }
      // Printable US-ASCII and the CR before the LF only: anything else is not a v1 header.
      if ((b < 0x20 || b > 0x7E) && b != '\r') {
        return new Refused("v1 header with byte " + hex(b) + " at " + i);
      }
    }
    if (lf < 0) {
      return available >= V1_MAX_BYTES
          ? new Refused("v1 header without CRLF in " + V1_MAX_BYTES + " bytes")
          : NEED_MORE;
    }
    if (lf == 0 || bytes.get(start + lf - 1) != '\r') {
      return new Refused("v1 header ends in LF without CR");
    }
    byte[] line = new byte[lf - 1];
    bytes.get(start, line);
    String text = new String(line, StandardCharsets.US_ASCII);
    if (text.indexOf('\r') >= 0) {
      return new Refused("v1 header with a CR before its end");
    }
    int length = lf + 1;
    String[] fields = text.split(" ", -1);
    if (fields.length >= 2 && fields[1].equals("UNKNOWN")) {
      // The specification: the receiver ignores whatever follows UNKNOWN up to the CRLF.
      return new Local(length, "v1 UNKNOWN");
    }
    if (fields.length != 6) {
      return new Refused("v1 header of " + fields.length + " fields, not 6: " + text);
    }
    boolean inet6;
    if (fields[1].equals("TCP4")) {
      inet6 = false;
    } else if (fields[1].equals("TCP6")) {
      inet6 = true;
    } else {
      return new Refused("v1 header of protocol '" + fields[1] + "'");
    }
    InetAddress source = v1Address(fields[2], inet6);
    InetAddress destination = v1Address(fields[3], inet6);
    int sourcePort = v1Port(fields[4]);
    int destinationPort = v1Port(fields[5]);
    if (source == null || destination == null) {
      return new Refused("v1 header with an address that is not " + fields[1] + ": " + text);
    }
    if (sourcePort < 0 || destinationPort < 0) {
      return new Refused("v1 header with a port that is not 0 to 65535: " + text);
    }
    return addresses(length, source, sourcePort, destination, destinationPort, 1);
  }

  /**
   * The header's addresses as one family, as the hand-off carries them: IPv4-mapped IPv6 addresses
   * are the IPv4 addresses they stand for (as the JDK, and so a servlet, sees them); a header that
   * maps only one of the two is refused rather than guessed at.
   */
  private static Outcome addresses(
      int length,
      InetAddress source,
      int sourcePort,
      InetAddress destination,
      int destinationPort,
      int version) {
    if (source.getAddress().length != destination.getAddress().length) {
      return new Refused(
          "v"
              + version
              + " header mixing an IPv4-mapped and an IPv6 address: "
              + source
              + ", "
              + destination);
    }
    return new Addresses(
        length,
        new HandoffMessage.Proxied(
            new InetSocketAddress(source, sourcePort),
            new InetSocketAddress(destination, destinationPort)),
        version);
  }

  /** A v1 port: 1 to 5 digits, at most 65535; -1 if not. */
  private static int v1Port(String text) {
    if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    int port = Integer.parseInt(text);
    return port <= 0xFFFF ? port : -1;
  }

  /**
   * A v1 address of the family its protocol names, from its text alone (never a DNS look-up); null
   * if it is not one.
   */
  private static InetAddress v1Address(String text, boolean inet6) {
    byte[] bytes;
    if (!inet6) {
      bytes = dottedQuad(text);
    } else {
      bytes = text.isEmpty() || !text.matches("[0-9A-Fa-f:.]+") ? null : ipv6(text);
    }
    if (bytes == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static byte[] dottedQuad(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      String part = parts[i];
      if (part.isEmpty()
          || part.length() > 3
          || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      int value = Integer.parseInt(part);
      if (value > 255) {
        return null;
      }
      bytes[i] = (byte) value;
    }
    return bytes;
  }

  /** The bytes of an IPv6 literal (4 for an IPv4-mapped one); null if it is not one. */
  private static byte[] ipv6(String text) {
    try {
      // Bracketed, the JDK parses it as a literal and never asks DNS.
      return InetAddress.getByName("[" + text + "]").getAddress();
    } catch (UnknownHostException | RuntimeException e) {
      return null;
    }
  }

  private static Outcome readV2(ByteBuffer bytes, int start, int available) {
    if (available < V2_HEADER_BYTES) {
      // What is there of version and family is checked at once: a bad byte need not wait.
      if (available > 12 && (bytes.get(start + 12) & 0xF0) != 0x20) {
        return new Refused("v2 signature with version " + ((bytes.get(start + 12) >> 4) & 0xF));
      }
      return NEED_MORE;
    }
    int versionCommand = bytes.get(start + 12) & 0xFF;
    int familyTransport = bytes.get(start + 13) & 0xFF;
    int length = ((bytes.get(start + 14) & 0xFF) << 8) | (bytes.get(start + 15) & 0xFF);
    if ((versionCommand >> 4) != 2) {
      return new Refused("v2 signature with version " + (versionCommand >> 4));
    }
    int command = versionCommand & 0xF;
    if (command > 1) {
      return new Refused("v2 header with command " + command);
    }
    int family = familyTransport >> 4;
    int transport = familyTransport & 0xF;
    if (family > 3 || transport > 2) {
      return new Refused("v2 header with family/transport byte " + hex((byte) familyTransport));
    }
    if (length > V2_MAX_ADDRESS_BYTES) {
      return new Refused(
          "v2 header of " + length + " bytes after its fixed part, above " + V2_MAX_ADDRESS_BYTES);
    }
    int total = V2_HEADER_BYTES + length;
    if (available < total) {
      return NEED_MORE;
    }
    if (command == 0) {
      // LOCAL: the proxy's own connection; whatever it says of addresses is ignored, as specified.
      return new Local(total, "v2 LOCAL");
    }
    int addressBytes;
    if (family == 1) {
      addressBytes = V2_INET_ADDRESS_BYTES;
    } else if (family == 2) {
      addressBytes = V2_INET6_ADDRESS_BYTES;
    } else if (family == 3) {
      addressBytes = V2_UNIX_ADDRESS_BYTES;
    } else {
      addressBytes = 0;
    }
    if (length < addressBytes) {
      return new Refused(
          "v2 header of family " + family + " with " + length + " bytes, fewer than its addresses");
    }
    String tlvProblem = checkTlvs(bytes, start + V2_HEADER_BYTES + addressBytes, start + total);
    if (tlvProblem != null) {
      return new Refused(tlvProblem);
    }
    if (family == 0 || family == 3 || transport != 1) {
      return new Local(
          total, "v2 PROXY " + (family == 0 ? "UNSPEC" : family == 3 ? "UNIX" : "datagram"));
    }
    int at = start + V2_HEADER_BYTES;
    int size = family == 1 ? 4 : 16;
    byte[] source = new byte[size];
    byte[] destination = new byte[size];
    bytes.get(at, source);
    bytes.get(at + size, destination);
    int sourcePort =
        ((bytes.get(at + 2 * size) & 0xFF) << 8) | (bytes.get(at + 2 * size + 1) & 0xFF);
    int destinationPort =
        ((bytes.get(at + 2 * size + 2) & 0xFF) << 8) | (bytes.get(at + 2 * size + 3) & 0xFF);
    try {
      // getByAddress gives an IPv4-mapped address as the IPv4 address it stands for.
      return addresses(
          total,
          InetAddress.getByAddress(source),
          sourcePort,
          InetAddress.getByAddress(destination),
          destinationPort,
          2);
    } catch (UnknownHostException e) {
      return new Refused("v2 header with addresses the JDK refuses: " + e.getMessage());
    }
  }

  /**
   * Null if the TLVs from {@code from} to {@code to} each fit (type, 2-byte length, value) and end
   * exactly at {@code to}; else what is wrong. Their values are not used.
   */
  private static String checkTlvs(ByteBuffer bytes, int from, int to) {
    int at = from;
    while (at < to) {
      if (to - at < 3) {
        return "v2 header with " + (to - at) + " stray bytes after its last TLV";
      }
      int length = ((bytes.get(at + 1) & 0xFF) << 8) | (bytes.get(at + 2) & 0xFF);
      if (length > to - at - 3) {
        return "v2 TLV of type "
            + hex(bytes.get(at))
            + " says "
            + length
            + " bytes, but "
            + (to - at - 3)
            + " remain";
      }
      at += 3 + length;
    }
    return null;
  }

  private static String hex(byte b) {
    return String.format("0x%02x", b & 0xFF);
  }
}
