package org.perchild.acceptor;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.util.Random;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.perchild.acceptor.RequestHeadReader.Head;
import org.perchild.acceptor.RequestHeadReader.NeedMoreBytes;
import org.perchild.acceptor.RequestHeadReader.Outcome;
import org.perchild.acceptor.RequestHeadReader.Rejected;

class RequestHeadReaderTest {

  private static final HeadLimits LIMITS = HeadLimits.DEFAULTS;

  /** Reads in one chunk and one byte at a time; both must agree, and the answer is returned. */
  private static Outcome read(HeadLimits limits, HttpCompliance compliance, byte[] bytes) {
    RequestHeadReader whole = new RequestHeadReader(limits, compliance);
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    Outcome once = whole.read(buffer);
    assertEquals(0, buffer.position(), "the reader must not move the caller's position");
    assertSame(once, whole.read(ByteBuffer.allocate(0)));

    RequestHeadReader byByte = new RequestHeadReader(limits, compliance);
    Outcome stepwise = new NeedMoreBytes();
    for (int i = 0; i < bytes.length; i++) {
      stepwise = byByte.read(ByteBuffer.wrap(bytes, i, 1));
      if (!(stepwise instanceof NeedMoreBytes)) {
        break;
      }
    }
    assertEquals(once, stepwise, "one byte per chunk must give what one chunk gives");
    return once;
  }

  private static Outcome read(String head) {
    return read(LIMITS, HttpCompliance.RFC9110, head.getBytes(ISO_8859_1));
  }

  private static Outcome read(HeadLimits limits, String head) {
    return read(limits, HttpCompliance.RFC9110, head.getBytes(ISO_8859_1));
  }

  private static Head head(Outcome outcome) {
    return assertInstanceOf(Head.class, outcome);
  }

  private static void assertRejected(int status, Outcome outcome) {
    assertEquals(status, assertInstanceOf(Rejected.class, outcome).status(), outcome.toString());
  }

  // --- complete heads -------------------------------------------------------------------------

  @Test
  void simpleGetNamesMethodTargetVersionHostAndLength() {
    String text = "GET /shop/cart?id=3 HTTP/1.1\r\nHost: www.example.com\r\nAccept: */*\r\n\r\n";
    Head head = head(read(text));
    assertEquals("GET", head.method());
    assertEquals("/shop/cart?id=3", head.target());
    assertEquals(HttpVersion.HTTP_1_1, head.version());
    assertEquals("www.example.com", head.host());
    assertEquals(text.length(), head.length());
  }

  @Test
  void headWithBodyInTheSameChunkCountsOnlyTheHead() {
    String text = "POST /form HTTP/1.1\r\nHost: a.example\r\nContent-Length: 11\r\n\r\n";
    Head head = head(read(text + "hello=world"));
    assertEquals(text.length(), head.length());
    assertEquals("POST", head.method());
  }

  @Test
  void chunkedBodyAndPipelinedRequestAfterTheHeadAreNotRead() {
    String text = "POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n";
    String rest = "5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: b.example\r\n\r\n";
    Head head = head(read(text + rest));
    assertEquals(text.length(), head.length());
    assertEquals("a.example", head.host());
  }

  @Test
  void needsMoreBytesUntilTheEmptyLine() {
    RequestHeadReader reader = new RequestHeadReader(LIMITS);
    byte[] part = "GET / HTTP/1.1\r\nHost: a.example\r\n".getBytes(ISO_8859_1);
    assertInstanceOf(NeedMoreBytes.class, reader.read(ByteBuffer.wrap(part)));
    assertInstanceOf(NeedMoreBytes.class, reader.read(ByteBuffer.wrap(new byte[] {'\r'})));
    Head head = head(reader.read(ByteBuffer.wrap("\nBODY".getBytes(ISO_8859_1))));
    assertEquals(part.length + 2, head.length());
    assertSame(head, reader.outcome());
  }

  @Test
  void readsFromThePositionToTheLimitOfADirectBuffer() {
    String text = "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n";
    ByteBuffer direct = ByteBuffer.allocateDirect(64);
    direct.put("XXXX".getBytes(ISO_8859_1)).put(text.getBytes(ISO_8859_1)).flip();
    direct.position(4);
    Head head = head(new RequestHeadReader(LIMITS).read(direct));
    assertEquals(text.length(), head.length());
    assertEquals(4, direct.position());
  }

  @Test
  void hostIsLowerCasedAndLosesItsPort() {
    assertEquals(
        "example.com", head(read("GET / HTTP/1.1\r\nHost: Example.COM:8080\r\n\r\n")).host());
  }

  @Test
  void ipv6LiteralLosesBracketsAndPort() {
    assertEquals("::1", head(read("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n")).host());
    assertEquals("2001:db8::a", head(read("GET / HTTP/1.1\r\nHost: [2001:DB8::A]\r\n\r\n")).host());
  }

  @Test
  void ipv4LiteralIsAHostLikeAnyOther() {
    assertEquals("192.0.2.7", head(read("GET / HTTP/1.1\r\nHost: 192.0.2.7:8080\r\n\r\n")).host());
  }

  @Test
  void absoluteFormTargetNamesTheHostWhenHostAgrees() {
    Head head =
        head(read("GET http://shop.example:8080/x HTTP/1.1\r\nHost: shop.example:8080\r\n\r\n"));
    assertEquals("shop.example", head.host());
    assertEquals("http://shop.example:8080/x", head.target());
  }

  @Test
  void absoluteFormAuthorityIsComparedWithHostAsTheChildComparesIt() {
    // Jetty 12.1.8's HttpConnection compares the Host value with the target's authority as
    // strings: a different case or an explicit default port is a mismatch there, so here too.
    assertRejected(
        400, read("GET http://Shop.Example:80/x HTTP/1.1\r\nHost: shop.example\r\n\r\n"));
  }

  @Test
  void absoluteFormTargetWinsOverHostWhereTheComplianceModeAllowsAMismatch() {
    HttpCompliance lenient =
        HttpCompliance.RFC9110.with("TEST", HttpCompliance.Violation.MISMATCHED_AUTHORITY);
    byte[] bytes =
        "GET http://a.example/x HTTP/1.1\r\nHost: b.example\r\n\r\n".getBytes(ISO_8859_1);
    assertEquals("a.example", head(read(LIMITS, lenient, bytes)).host());
  }

  @Test
  void absoluteFormTargetThatContradictsHostIsRefusedAsTheChildWould() {
    // Jetty's RFC9110 mode refuses it (HttpConnection.headerComplete): the child answers 400 too.
    assertRejected(400, read("GET http://a.example/x HTTP/1.1\r\nHost: b.example\r\n\r\n"));
  }

  @Test
  void absoluteFormWithIpv6Authority() {
    assertEquals(
        "::1", head(read("GET http://[::1]:8080/ HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")).host());
  }

  @Test
  void http10WithoutHostIsCompleteWithNoHost() {
    Head head = head(read("GET / HTTP/1.0\r\nAccept: */*\r\n\r\n"));
    assertNull(head.host());
    assertEquals(HttpVersion.HTTP_1_0, head.version());
  }

  @Test
  void http10WithHostUsesIt() {
    assertEquals("a.example", head(read("GET / HTTP/1.0\r\nHost: A.Example\r\n\r\n")).host());
  }

  @Test
  void optionsAsteriskRoutesByHost() {
    Head head = head(read("OPTIONS * HTTP/1.1\r\nHost: a.example\r\n\r\n"));
    assertEquals("*", head.target());
    assertEquals("a.example", head.host());
  }

  @Test
  void leadingEmptyLinesAreSkippedAndCounted() {
    String text = "\r\n\n\r\nGET / HTTP/1.1\r\nHost: a.example\r\n\r\n";
    assertEquals(text.length(), head(read(text)).length());
  }

  @Test
  void bareLfLineEndsAreAcceptedAsJettyRfc9110Does() {
    String text = "GET / HTTP/1.1\nHost: a.example\n\n";
    assertEquals(text.length(), head(read(text)).length());
  }

  // --- 400 ------------------------------------------------------------------------------------

  @Test
  void http11WithoutHostIs400() {
    assertRejected(400, read("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"));
  }

  @Test
  void duplicateHostIs400() {
    assertRejected(400, read("GET / HTTP/1.1\r\nHost: a.example\r\nHost: a.example\r\n\r\n"));
    assertRejected(400, read("GET / HTTP/1.1\r\nHost: a.example\r\nhost: b.example\r\n\r\n"));
  }

  @Test
  void blankOrInvalidHostIs400() {
    assertRejected(400, read("GET / HTTP/1.1\r\nHost:\r\n\r\n"));
    assertRejected(400, read("GET / HTTP/1.0\r\nHost: \r\n\r\n"));
    assertRejected(400, read("GET / HTTP/1.1\r\nHost: a.example:port\r\n\r\n"));
    assertRejected(400, read("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"));
  }

  @Test
  void garbageIs400() {
    assertRejected(400, read(LIMITS, HttpCompliance.RFC9110, new byte[] {0, 1, 2, 3, 4, 5, 6, 7}));
    assertRejected(400, read("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003"));
    assertRejected(400, read(" GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "GET\r\n\r\n",
        "GET /\r\n\r\n", // HTTP/0.9 simple request
        "GET / FOO/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1 x\r\nHost: a\r\n\r\n",
        "GET / HTTP/11.1\r\nHost: a\r\n\r\n",
        "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a\u0000b HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n",
      })
  void badRequestLineIs400(String head) {
    assertRejected(400, read(head));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "GET / HTTP/1.1\r\nHost a.example\r\n\r\n", // no colon
        "GET / HTTP/1.1\r\nHost : a.example\r\n\r\n", // space before colon
        "GET / HTTP/1.1\r\nHost: a.example\r\n folded\r\n\r\n", // obs-fold
        "GET / HTTP/1.1\r\nHost: a.example\r\nX\u0001: y\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n",
      })
  void badHeaderIs400(String head) {
    assertRejected(400, read(head));
  }

  @Test
  void tooManyEmptyLinesBeforeTheRequestIs400() {
    HeadLimits limits = new HeadLimits(8190, 8190, 3);
    assertInstanceOf(Head.class, read(limits, "\r\n\r\n\r\nGET / HTTP/1.0\r\n\r\n"));
    assertRejected(400, read(limits, "\r\n\r\n\r\n\r\nGET / HTTP/1.0\r\n\r\n"));
  }

  // --- 505 ------------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"HTTP/2.0", "HTTP/3.1", "HTTP/1.2", "HTTP/0.9"})
  void unsupportedVersionIs505(String version) {
    assertRejected(505, read("GET / " + version + "\r\nHost: a.example\r\n\r\n"));
  }

  @Test
  void http2PrefaceIs505() {
    assertRejected(505, read("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
  }

  // --- limits ---------------------------------------------------------------------------------

  private static String requestLineOfLength(int length) {
    String prefix = "GET /";
    String suffix = " HTTP/1.1";
    return prefix + "a".repeat(length - prefix.length() - suffix.length()) + suffix;
  }

  private static String fieldOfLength(int length) {
    return "X-Pad: " + "b".repeat(length - "X-Pad: ".length());
  }

  @Test
  void requestLineExactlyAtTheLimitPassesOneOverIs414() {
    String atLimit = requestLineOfLength(8190);
    assertEquals(8190, atLimit.length());
    assertInstanceOf(Head.class, read(atLimit + "\r\nHost: a\r\n\r\n"));
    assertInstanceOf(Head.class, read(atLimit + "\nHost: a\r\n\r\n"));
    assertRejected(414, read(requestLineOfLength(8191) + "\r\nHost: a\r\n\r\n"));
    assertRejected(414, read(requestLineOfLength(8191) + "\nHost: a\r\n\r\n"));
  }

  @Test
  void tenKilobyteRequestLineIs414BeforeItsEnd() {
    assertRejected(414, read("GET /" + "a".repeat(10 * 1024)));
  }

  @Test
  void smallLimitRequestLine() {
    HeadLimits limits = new HeadLimits(14, 8190, 100);
    assertInstanceOf(Head.class, read(limits, "GET / HTTP/1.0\r\n\r\n"));
    assertRejected(414, read(limits, "GET /a HTTP/1.0\r\n\r\n"));
  }

  @Test
  void fieldExactlyAtTheLimitPassesOneOverIs431() {
    String atLimit = fieldOfLength(8190);
    assertInstanceOf(Head.class, read("GET / HTTP/1.1\r\nHost: a\r\n" + atLimit + "\r\n\r\n"));
    assertInstanceOf(Head.class, read("GET / HTTP/1.1\r\nHost: a\r\n" + atLimit + "\n\r\n"));
    assertRejected(431, read("GET / HTTP/1.1\r\nHost: a\r\n" + fieldOfLength(8191) + "\r\n\r\n"));
  }

  @Test
  void twentyKilobyteHeaderIs431() {
    assertRejected(431, read("GET / HTTP/1.1\r\nHost: a\r\nCookie: " + "c".repeat(20 * 1024)));
  }

  @Test
  void manyFieldsWithinTheLimitsPassEvenIfTheirSumIsLarge() {
    // 90 fields of 8 KB: 720 KB of head, far over Jetty's default 8 KB, within httpd's limits.
    StringBuilder text = new StringBuilder("GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 0; i < 90; i++) {
      text.append(fieldOfLength(8190)).append("\r\n");
    }
    text.append("\r\n");
    RequestHeadReader reader = new RequestHeadReader(LIMITS);
    Head head = head(reader.read(ByteBuffer.wrap(text.toString().getBytes(ISO_8859_1))));
    assertEquals(text.length(), head.length());
  }

  private static String headWithFields(int count) {
    StringBuilder text = new StringBuilder("GET / HTTP/1.1\r\nHost: a.example\r\n");
    for (int i = 1; i < count; i++) {
      text.append("X-F").append(i).append(": v\r\n");
    }
    return text.append("\r\n").toString();
  }

  @Test
  void fieldCountExactlyAtTheLimitPassesOneMoreIs431() {
    assertEquals("a.example", head(read(headWithFields(100))).host());
    assertRejected(431, read(headWithFields(101)));
  }

  @Test
  void theEarliestBrokenByteDecides() {
    HeadLimits limits = new HeadLimits(8190, 20, 100);
    // A control byte early in an over-long field: the 400 comes first.
    assertRejected(
        400, read(limits, "GET / HTTP/1.1\r\nHost: a\r\nX: \u0001" + "b".repeat(40) + "\r\n\r\n"));
    // The field is too long before its control byte arrives: 431.
    assertRejected(
        431, read(limits, "GET / HTTP/1.1\r\nHost: a\r\nX: " + "b".repeat(40) + "\u0001\r\n\r\n"));
    // A too-long request line is 414 even when it has no version.
    assertRejected(414, read(new HeadLimits(10, 8190, 100), "GET /abcdefghijk\r\n\r\n"));
  }

  @Test
  void bodyLinesAfterTheHeadAreNotHeldToTheLimits() {
    HeadLimits limits = new HeadLimits(8190, 20, 2);
    String text = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n";
    Head head = head(read(limits, text + "x".repeat(50) + "\r\na\r\nb\r\nc\r\n"));
    assertEquals(text.length(), head.length());
  }

  @Test
  void limitsMustBePositive() {
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> new HeadLimits(0, 8190, 100));
  }

  @Test
  void maxHeadBytesBoundsEveryHeadTheLimitsAllow() {
    assertEquals(200 + 8192 + 100 * 8192 + 2, HeadLimits.DEFAULTS.maxHeadBytes());
  }

  // --- fuzz -----------------------------------------------------------------------------------

  @Test
  void randomBytesNeverThrowAndAlwaysGiveADefinedOutcome() {
    Random random = new Random(20240611L);
    byte[] alphabet = "GETPOSThtp/1.0 \r\n:Host[]@*?%x\t\u0000\u00ff".getBytes(ISO_8859_1);
    for (int round = 0; round < 3000; round++) {
      byte[] bytes = new byte[random.nextInt(200)];
      if (round % 2 == 0) {
        random.nextBytes(bytes);
      } else {
        for (int i = 0; i < bytes.length; i++) {
          bytes[i] = alphabet[random.nextInt(alphabet.length)];
        }
      }
      if (round % 3 == 0) {
        byte[] prefix = "GET / HTTP/1.1\r\n".getBytes(ISO_8859_1);
        byte[] joined = new byte[prefix.length + bytes.length];
        System.arraycopy(prefix, 0, joined, 0, prefix.length);
        System.arraycopy(bytes, 0, joined, prefix.length, bytes.length);
        bytes = joined;
      }
      HeadLimits limits = new HeadLimits(64, 32, 4);
      Outcome outcome = read(limits, HttpCompliance.RFC9110, bytes);
      assertNotNull(outcome);
      RequestHeadReader split = new RequestHeadReader(limits);
      Outcome splitOutcome = split.outcome();
      for (int from = 0; from < bytes.length && splitOutcome instanceof NeedMoreBytes; ) {
        int length = 1 + random.nextInt(bytes.length - from);
        splitOutcome = split.read(ByteBuffer.wrap(bytes, from, length));
        from += length;
      }
      assertEquals(outcome, splitOutcome, "random read boundaries must not change the answer");
      if (outcome instanceof Rejected rejected) {
        org.junit.jupiter.api.Assertions.assertTrue(
            java.util.Set.of(400, 414, 431, 505).contains(rejected.status()), rejected.toString());
      } else if (outcome instanceof Head head) {
        org.junit.jupiter.api.Assertions.assertTrue(head.length() <= bytes.length);
      }
    }
  }
}
