package org.perchild.acceptor;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.perchild.acceptor.ProxyHeaderReader.Addresses;
import org.perchild.acceptor.ProxyHeaderReader.Local;
import org.perchild.acceptor.ProxyHeaderReader.NeedMore;
import org.perchild.acceptor.ProxyHeaderReader.Outcome;
import org.perchild.acceptor.ProxyHeaderReader.Refused;

class ProxyHeaderReaderTest {

  // Captured from HAProxy 2.6 (Debian 12) in TCP mode in front of a socket that printed what came,
  // curl as the client: each header is followed by curl's request head.

  /** {@code server s 127.0.0.1:19100 send-proxy-v2}, client 127.0.0.1:46142, frontend :19001. */
  static final String HAPROXY_V2_INET =
      "0d0a0d0a000d0a515549540a2111000c7f0000017f000001b43e4a39"
          + "474554202f6120485454502f312e310d0a486f73743a203132372e302e302e313a31393030310d0a"
          + "557365722d4167656e743a206375726c2f372e38382e310d0a4163636570743a202a2f2a0d0a0d0a";

  /** The same over IPv6: client [::1]:47158, frontend [::1]:19003. */
  static final String HAPROXY_V2_INET6 =
      "0d0a0d0a000d0a515549540a21210024000000000000000000000000000000010000000000000000000000"
          + "0000000001b8364a3b474554202f6320485454502f312e310d0a";

  /** {@code send-proxy-v2 proxy-v2-options unique-id,crc32c}: a CRC32C TLV and a unique id TLV. */
  static final String HAPROXY_V2_TLVS =
      "0d0a0d0a000d0a515549540a2111001c7f0000017f000001abbc4a3c03000475ec3e60050006616263313233"
          + "474554202f7420485454502f312e310d0a";

  /** {@code check check-send-proxy} with {@code send-proxy-v2}: HAProxy's health check, LOCAL. */
  static final String HAPROXY_V2_LOCAL_CHECK = "0d0a0d0a000d0a515549540a20000000";

  /** {@code send-proxy}: version 1, client 127.0.0.1:50798, frontend :19002. */
  static final String HAPROXY_V1 =
      "50524f58592054435034203132372e302e302e31203132372e302e302e312035303739382031393030320d0a"
          + "474554202f6220485454502f312e310d0a";

  static byte[] hex(String text) {
    return HexFormat.of().parseHex(text);
  }

  /**
   * Reads {@code bytes} placed inside a larger buffer (other bytes before the position and after
   * the limit, which the reader must not touch), checks that position and limit stay, and that
   * every shorter prefix needs more (or is already refused with the same answer... for a valid
   * header: needs more).
   */
  static Outcome read(byte[] bytes) {
    byte[] room = new byte[bytes.length + 20];
    java.util.Arrays.fill(room, (byte) '\n');
    System.arraycopy(bytes, 0, room, 7, bytes.length);
    ByteBuffer buffer = ByteBuffer.wrap(room, 7, bytes.length);
    Outcome outcome = ProxyHeaderReader.read(buffer);
    assertEquals(7, buffer.position(), "position");
    assertEquals(7 + bytes.length, buffer.limit(), "limit");
    return outcome;
  }

  static Addresses addresses(String hex) {
    byte[] bytes = hex(hex);
    Addresses header = assertInstanceOf(Addresses.class, read(bytes));
    for (int i = 0; i < header.length(); i++) {
      assertInstanceOf(
          NeedMore.class,
          read(java.util.Arrays.copyOf(bytes, i)),
          "a prefix of " + i + " bytes of a valid header needs more");
    }
    return header;
  }

  static InetSocketAddress at(String address, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(address), port);
  }

  @Test
  void haproxysV2OverIpv4GivesTheClientsAddressAndItsLength() throws Exception {
    Addresses header = addresses(HAPROXY_V2_INET);
    assertEquals(28, header.length());
    assertEquals(2, header.version());
    assertEquals(at("127.0.0.1", 0xb43e), header.proxied().source());
    assertEquals(at("127.0.0.1", 19001), header.proxied().destination());
    assertEquals(
        "GET /a HTTP/1.1",
        new String(hex(HAPROXY_V2_INET), header.length(), 15, US_ASCII),
        "the client's bytes start right after the header");
  }

  @Test
  void haproxysV2OverIpv6() throws Exception {
    Addresses header = addresses(HAPROXY_V2_INET6);
    assertEquals(16 + 36, header.length());
    assertEquals(at("::1", 0xb836), header.proxied().source());
    assertEquals(at("::1", 19003), header.proxied().destination());
  }

  @Test
  void haproxysTlvsAreSkipped() throws Exception {
    Addresses header = addresses(HAPROXY_V2_TLVS);
    assertEquals(16 + 28, header.length());
    assertEquals(at("127.0.0.1", 0xabbc), header.proxied().source());
  }

  @Test
  void haproxysHealthCheckIsLocal() {
    Local local = assertInstanceOf(Local.class, read(hex(HAPROXY_V2_LOCAL_CHECK)));
    assertEquals(16, local.length());
    assertEquals("v2 LOCAL", local.what());
    assertInstanceOf(NeedMore.class, read(hex(HAPROXY_V2_LOCAL_CHECK.substring(0, 30))));
  }

  @Test
  void aLocalHeaderSkipsWhateverAddressesItCarries() {
    byte[] header = hex(HAPROXY_V2_INET.substring(0, 56));
    header[12] = 0x20;
    assertEquals(new Local(28, "v2 LOCAL"), read(header));
  }

  @Test
  void haproxysV1() throws Exception {
    Addresses header = addresses(HAPROXY_V1);
    assertEquals("PROXY TCP4 127.0.0.1 127.0.0.1 50798 19002\r\n".length(), header.length());
    assertEquals(1, header.version());
    assertEquals(at("127.0.0.1", 50798), header.proxied().source());
    assertEquals(at("127.0.0.1", 19002), header.proxied().destination());
  }

  @Test
  void v1OverIpv6AndItsLongestForm() throws Exception {
    String longest =
        "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
            + " 65535 65535\r\n";
    assertEquals(104, longest.length());
    // The specification's 107 is this line with UNKNOWN in place of TCP6.
    String unknown = longest.replace("TCP6", "UNKNOWN");
    assertEquals(ProxyHeaderReader.V1_MAX_BYTES, unknown.length());
    assertEquals(new Local(107, "v1 UNKNOWN"), read(unknown.getBytes(US_ASCII)));
    Addresses header = assertInstanceOf(Addresses.class, read(longest.getBytes(US_ASCII)));
    assertEquals(65535, header.proxied().source().getPort());
    Addresses six =
        assertInstanceOf(
            Addresses.class, read("PROXY TCP6 2001:db8::1 ::1 1234 443\r\nGET".getBytes(US_ASCII)));
    assertEquals(at("2001:db8::1", 1234), six.proxied().source());
    assertEquals(at("::1", 443), six.proxied().destination());
  }

  @Test
  void v1UnknownIsADirectConnection() {
    assertEquals(new Local(15, "v1 UNKNOWN"), read("PROXY UNKNOWN\r\n".getBytes(US_ASCII)));
    String withRest = "PROXY UNKNOWN ::1 ::1 1 2 whatever it says\r\n";
    assertEquals(new Local(withRest.length(), "v1 UNKNOWN"), read(withRest.getBytes(US_ASCII)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "PROXY TCP4 127.0.0.1 127.0.0.1 50798 19002\n",
        "PROXY TCP4 127.0.0.1 127.0.0.1 50798\r\n",
        "PROXY TCP4 127.0.0.1 127.0.0.1 50798 19002 7\r\n",
        "PROXY TCP4  127.0.0.1 127.0.0.1 50798 19002\r\n",
        "PROXY TCP4 127.0.0.256 127.0.0.1 50798 19002\r\n",
        "PROXY TCP4 localhost 127.0.0.1 50798 19002\r\n",
        "PROXY TCP4 ::1 127.0.0.1 50798 19002\r\n",
        "PROXY TCP6 127.0.0.1 127.0.0.1 50798 19002\r\n",
        "PROXY TCP6 ::1%lo ::1 50798 19002\r\n",
        "PROXY TCP6 [::1] ::1 50798 19002\r\n",
        "PROXY TCP4 127.0.0.1 127.0.0.1 65536 19002\r\n",
        "PROXY TCP4 127.0.0.1 127.0.0.1 -1 19002\r\n",
        "PROXY TCP4 127.0.0.1 127.0.0.1 +80 19002\r\n",
        "PROXY UDP4 127.0.0.1 127.0.0.1 50798 19002\r\n",
        "PROXY tcp4 127.0.0.1 127.0.0.1 50798 19002\r\n",
        "PROXY TCP4 127.0.0.1 127.0.0.1 50798 19002\r\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "proxy TCP4 127.0.0.1 127.0.0.1 50798 19002\r\n",
        "\u0016\u0003\u0001\u0002\u0000\u0001"
      })
  void v1HeadersThatAreNotExactlyRightAreRefused(String text) {
    assertInstanceOf(
        Refused.class, read(text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
  }

  @Test
  void aV1HeaderWithoutItsEndIsRefusedAtItsLongest() {
    byte[] endless = "PROXY TCP4 ".concat("1".repeat(200)).getBytes(US_ASCII);
    assertInstanceOf(NeedMore.class, read(java.util.Arrays.copyOf(endless, 106)));
    assertInstanceOf(Refused.class, read(java.util.Arrays.copyOf(endless, 107)));
    assertInstanceOf(Refused.class, read(endless));
  }

  @Test
  void aPrefixOfEitherSignatureNeedsMoreAndAnythingElseIsRefusedAtOnce() {
    assertInstanceOf(NeedMore.class, read(new byte[0]));
    assertInstanceOf(NeedMore.class, read("PROX".getBytes(US_ASCII)));
    assertInstanceOf(NeedMore.class, read(hex("0d0a0d0a00")));
    assertInstanceOf(Refused.class, read("G".getBytes(US_ASCII)));
    assertInstanceOf(Refused.class, read(hex("0d0a0d0a01")));
    assertInstanceOf(Refused.class, read(hex("16")));
  }

  @Test
  void v2HeadersThatAreNotExactlyRightAreRefused() {
    byte[] good = hex(HAPROXY_V2_INET.substring(0, 56));
    // version 1 and 3 after the v2 signature
    assertRefused(good, 12, 0x11);
    assertRefused(good, 12, 0x31);
    // commands 2 to 15
    assertRefused(good, 12, 0x22);
    assertRefused(good, 12, 0x2F);
    // family 4, transport 3
    assertRefused(good, 13, 0x41);
    assertRefused(good, 13, 0x13);
    // fewer bytes than IPv4 addresses, than IPv6 ones
    assertRefused(good, 15, 11);
    byte[] six = good.clone();
    six[13] = 0x21;
    assertInstanceOf(Refused.class, read(six));
    // a TLV that says more than there is, and stray bytes after the addresses
    byte[] tlv = hex("0d0a0d0a000d0a515549540a2111000f7f0000017f000001b43e4a3903000a");
    assertInstanceOf(Refused.class, read(tlv));
    byte[] stray = hex("0d0a0d0a000d0a515549540a2111000e7f0000017f000001b43e4a390300");
    assertInstanceOf(Refused.class, read(stray));
  }

  @Test
  void aV2HeaderLongerThanTheBoundIsRefusedBeforeItsBytesArrive() {
    byte[] big = hex("0d0a0d0a000d0a515549540a21111001");
    assertInstanceOf(Refused.class, read(big));
    byte[] atTheBound = hex("0d0a0d0a000d0a515549540a21111000");
    assertInstanceOf(NeedMore.class, read(atTheBound));
  }

  @Test
  void unixUnspecAndDatagramFamiliesAreServedWithoutAddresses() {
    byte[] unspec = hex("0d0a0d0a000d0a515549540a21000000");
    assertEquals(new Local(16, "v2 PROXY UNSPEC"), read(unspec));
    byte[] unix = new byte[16 + 216];
    System.arraycopy(hex("0d0a0d0a000d0a515549540a213100d8"), 0, unix, 0, 16);
    assertEquals(new Local(232, "v2 PROXY UNIX"), read(unix));
    byte[] udp = hex(HAPROXY_V2_INET.substring(0, 56));
    udp[13] = 0x12;
    assertEquals(new Local(28, "v2 PROXY datagram"), read(udp));
  }

  @Test
  void ipv4MappedAddressesAreIpv4AndAHeaderMappingOnlyOneIsRefused() throws Exception {
    byte[] header = hex(HAPROXY_V2_INET6.substring(0, 104));
    header[16 + 10] = (byte) 0xFF;
    header[16 + 11] = (byte) 0xFF;
    assertInstanceOf(Refused.class, read(header), "mapped source, IPv6 destination");
    header[16 + 16 + 10] = (byte) 0xFF;
    header[16 + 16 + 11] = (byte) 0xFF;
    Addresses mapped = assertInstanceOf(Addresses.class, read(header));
    assertEquals(at("0.0.0.1", 0xb836), mapped.proxied().source());
    assertEquals(at("0.0.0.1", 19003), mapped.proxied().destination());

    Addresses v1 =
        assertInstanceOf(
            Addresses.class,
            read("PROXY TCP6 ::ffff:192.0.2.7 ::ffff:192.0.2.1 1 2\r\n".getBytes(US_ASCII)));
    assertEquals(at("192.0.2.7", 1), v1.proxied().source());
    assertInstanceOf(
        Refused.class, read("PROXY TCP6 ::ffff:192.0.2.7 ::1 1 2\r\n".getBytes(US_ASCII)));
  }

  private static void assertRefused(byte[] good, int index, int value) {
    byte[] bad = good.clone();
    bad[index] = (byte) value;
    assertInstanceOf(Refused.class, read(bad), "byte " + index + " = " + value);
  }
}
