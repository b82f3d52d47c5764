package org.perchild.container.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Lines as httpd's mod_log_config writes them, for requests built by hand. */
class AccessLogFormatTest {

  static final String COMBINED = "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"";
  private static final ZoneId MINUS_SEVEN = ZoneOffset.ofHours(-7);

  /** The request of httpd's documentation (mod_log_config, "Combined Log Format"). */
  static AccessLogEntry documented() throws Exception {
    return new AccessLogEntry(
        InetAddress.getByName("127.0.0.1"),
        51234,
        InetAddress.getByName("127.0.0.1"),
        80,
        "frank",
        OffsetDateTime.of(2000, 10, 10, 13, 55, 36, 0, ZoneOffset.ofHours(-7)).toInstant(),
        Duration.ofNanos(1_234_567_891L),
        "GET",
        "/apache_pb.gif",
        "/apache_pb.gif",
        null,
        "HTTP/1.0",
        200,
        2326,
        "www.example.com",
        "www.example.com",
        Map.of(
            "Referer", List.of("http://www.example.com/start.html"),
            "user-agent", List.of("Mozilla/4.08 [en] (Win98; I ;Nav)")),
        Map.of("Content-Type", List.of("image/gif; charset=x")));
  }

  private static AccessLogEntry with(
      AccessLogEntry e, String method, String target, long bytes, Map<String, List<String>> in) {
    return new AccessLogEntry(
        e.remoteAddress(),
        e.remotePort(),
        e.localAddress(),
        e.localPort(),
        e.remoteUser(),
        e.start(),
        e.duration(),
        method,
        target,
        e.path(),
        e.query(),
        e.protocol(),
        e.status(),
        bytes,
        e.serverName(),
        e.requestHost(),
        in,
        e.responseHeaders());
  }

  private static String render(String format, AccessLogEntry entry) {
    return AccessLogFormat.compile(format, MINUS_SEVEN).render(entry);
  }

  @Test
  void combinedIsTheLineOfHttpdsDocumentation() throws Exception {
    assertEquals(
        "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326"
            + " \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"",
        render(COMBINED, documented()));
  }

  @Test
  void commonWithoutUserAndTheTimeInAnotherZone() throws Exception {
    AccessLogEntry e = documented();
    AccessLogEntry anonymous =
        new AccessLogEntry(
            e.remoteAddress(),
            e.remotePort(),
            e.localAddress(),
            e.localPort(),
            null,
            e.start(),
            e.duration(),
            e.method(),
            e.target(),
            e.path(),
            e.query(),
            e.protocol(),
            e.status(),
            e.bodyBytes(),
            e.serverName(),
            e.requestHost(),
            Map.of(),
            Map.of());
    assertEquals(
        "127.0.0.1 - - [10/Oct/2000:20:55:36 +0000] \"GET /apache_pb.gif HTTP/1.0\" 200 2326",
        AccessLogFormat.compile("%h %l %u %t \"%r\" %>s %b", ZoneOffset.UTC).render(anonymous));
    assertEquals("\"-\" \"-\"", render("\"%{Referer}i\" \"%{User-Agent}i\"", anonymous));
  }

  @Test
  void anEmptyBodyIsADashForPercentBAndZeroForPercentCapitalB() throws Exception {
    AccessLogEntry empty = with(documented(), "HEAD", "/", 0, Map.of());
    assertEquals("- 0", render("%b %B", empty));
    assertEquals("2326 2326", render("%b %B", documented()));
  }

  @Test
  void durationsInMicrosecondsSecondsAndUnits() throws Exception {
    assertEquals("1234567 1 1234 1234567 1", render("%D %T %{ms}T %{us}T %{s}T", documented()));
  }

  @Test
  void everyOtherDirective() throws Exception {
    AccessLogEntry e = documented();
    assertEquals(
        "www.example.com www.example.com 80 51234 /apache_pb.gif [] GET HTTP/1.0 127.0.0.1"
            + " 127.0.0.1 200 image/gif 100% -",
        render("%v %V %p %{remote}p %U [%q] %m %H %a %A %s %{Content-Type}o 100%% %{X-None}o", e));
  }

  @Test
  void statusConditionsWriteADashWhenTheyDoNotHold() throws Exception {
    assertEquals("- 200 -", render("%404{Referer}i %!404s %!200s", documented()));
  }

  @Test
  void quotesBackslashesAndControlBytesAreEscapedAsHttpdDoes() throws Exception {
    AccessLogEntry hostile =
        with(
            documented(),
            "GET",
            "/a\"b\\c\u0001\u00e9",
            10,
            Map.of("User-Agent", List.of("x\"\ty\n\u00ff€"), "X-Twice", List.of("a", "b")));
    assertEquals(
        "\"GET /a\\\"b\\\\c\\x01\\xe9 HTTP/1.0\" \"x\\\"\\ty\\n\\xff\\xe2\\x82\\xac\" a, b",
        render("\"%r\" \"%{User-Agent}i\" %{x-twice}i", hostile));
  }

  @Test
  void anEmptyUserNameIsTwoQuotes() throws Exception {
    AccessLogEntry e = documented();
    AccessLogEntry emptyUser = with(e, "", e.peerAddress());
    assertEquals("\"\"", render("%u", emptyUser));
  }

  @Test
  void behindAProxyHeaderPercentCaIsTheProxyAndTheRestTheClient() throws Exception {
    AccessLogEntry e = documented();
    AccessLogEntry proxied = with(e, e.remoteUser(), InetAddress.getByName("10.9.8.7"));
    String client = AccessLogFormat.address(e.remoteAddress());
    assertEquals(client + " " + client + " 10.9.8.7", render("%a %h %{c}a", proxied));
    assertEquals(client + " " + client, render("%a %{c}a", e));
  }

  /** {@code e} with another {@code %u} user and another connection peer. */
  private static AccessLogEntry with(AccessLogEntry e, String user, InetAddress peer) {
    return new AccessLogEntry(
        e.remoteAddress(),
        e.remotePort(),
        e.localAddress(),
        e.localPort(),
        user,
        e.start(),
        e.duration(),
        e.method(),
        e.target(),
        e.path(),
        e.query(),
        e.protocol(),
        e.status(),
        e.bodyBytes(),
        e.serverName(),
        e.requestHost(),
        e.requestHeaders(),
        e.responseHeaders(),
        peer);
  }

  @Test
  void ipv6AddressesAreCompressedAsInetNtopWritesThem() throws Exception {
    assertEquals("::1", AccessLogFormat.address(InetAddress.getByName("::1")));
    assertEquals(
        "2001:db8::1:0:0:1",
        AccessLogFormat.address(InetAddress.getByName("2001:db8:0:0:1:0:0:1")));
    assertEquals(
        "fe80:0:1::", AccessLogFormat.address(InetAddress.getByName("fe80:0:1:0:0:0:0:0")));
    assertEquals(
        "1:0:2:3:4:5:6:7", AccessLogFormat.address(InetAddress.getByName("1:0:2:3:4:5:6:7")));
  }

  @Test
  void unknownDirectivesAreRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AccessLogFormat.compile("%h %Z"));
    assertEquals(true, e.getMessage().startsWith("unknown directive '%Z'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> AccessLogFormat.compile("%{Referer}"));
    assertThrows(IllegalArgumentException.class, () -> AccessLogFormat.compile("%i"));
    assertThrows(IllegalArgumentException.class, () -> AccessLogFormat.compile("100%"));
  }
}
