package org.perchild.acceptor;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.perchild.acceptor.FirstBytesReader.NeedMoreBytes;
import org.perchild.acceptor.FirstBytesReader.Outcome;
import org.perchild.acceptor.FirstBytesReader.Protocol;
import org.perchild.acceptor.FirstBytesReader.Refused;
import org.perchild.acceptor.FirstBytesReader.Routable;

class FirstBytesReaderTest {

  private static FirstBytesReader http(boolean h2c) {
    return FirstBytesReader.forHttp(HeadLimits.DEFAULTS, () -> h2c);
  }

  /** Reads whole and one byte at a time (two readers from {@code fresh}); both must agree. */
  private static Outcome read(java.util.function.Supplier<FirstBytesReader> fresh, byte[] bytes) {
    FirstBytesReader whole = fresh.get();
    Outcome once = whole.read(ClientHelloReaderTest.slice(bytes, 0, bytes.length));
    FirstBytesReader byByte = fresh.get();
    Outcome stepwise = new NeedMoreBytes();
    for (int i = 0; i < bytes.length && stepwise instanceof NeedMoreBytes; i++) {
      stepwise = byByte.read(ClientHelloReaderTest.slice(bytes, i, 1));
    }
    assertEquals(once, stepwise, "one byte per chunk must give what one chunk gives");
    assertEquals(whole.protocol(), byByte.protocol());
    return once;
  }

  private static Outcome read(FirstBytesReader reader, String text) {
    return read(() -> reader == null ? http(true) : reader, text.getBytes(ISO_8859_1));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "POST /p HTTP/1.1\r\nHost: post.test\r\nContent-Length: 2\r\n\r\nhi",
        "PUT /p HTTP/1.1\r\nHost: post.test\r\nContent-Length: 0\r\n\r\n",
        "PATCH /p HTTP/1.1\r\nHost: post.test\r\nContent-Length: 0\r\n\r\n",
        "PRI /p HTTP/1.1\r\nHost: post.test\r\n\r\n"
      })
  void aHeadThatStartsLikeThePrefaceIsReadAsAHead(String head) {
    Routable routable =
        assertInstanceOf(Routable.class, read(() -> http(true), head.getBytes(ISO_8859_1)));
    assertEquals("post.test", routable.host());
    assertNotNull(routable.head());
    assertEquals(head.indexOf("\r\n\r\n") + 4, routable.head().length(), "counted from byte 0");
  }

  @Test
  void aPrefaceThatGoesWrongLateIsTheHeadReadersAs505() {
    byte[] almost = "PRI * HTTP/2.0\r\n\r\nXY\r\n\r\n".getBytes(ISO_8859_1);
    Refused refused = assertInstanceOf(Refused.class, read(() -> http(true), almost));
    assertEquals(505, refused.status());
  }

  @Test
  void anH2cStartIsRoutedByItsAuthorityWhereH2cIsAllowed() {
    byte[] curl = H2cBytes.captured("curl-h2c");
    FirstBytesReader reader = http(true);
    Routable routable = assertInstanceOf(Routable.class, reader.read(ByteBuffer.wrap(curl)));
    assertEquals("h2.test", routable.host());
    assertNull(routable.head(), "no HTTP/1 head: no status <Location>");
    assertEquals(Protocol.H2C, reader.protocol());
    assertInstanceOf(Routable.class, read(() -> http(true), curl));
  }

  @Test
  void whereH2cIsNotAllowedThePrefaceIsRefusedWithAGoaway() {
    AtomicInteger asked = new AtomicInteger();
    FirstBytesReader reader =
        FirstBytesReader.forHttp(HeadLimits.DEFAULTS, () -> asked.incrementAndGet() < 0);
    byte[] preface = H2cBytes.preface();
    assertInstanceOf(NeedMoreBytes.class, reader.read(ByteBuffer.wrap(preface, 0, 23)));
    assertEquals(0, asked.get(), "asked only once the whole preface is there");
    Refused refused = assertInstanceOf(Refused.class, reader.read(ByteBuffer.wrap(preface, 23, 1)));
    assertEquals(505, refused.status());
    assertEquals(1, asked.get());
    ByteBuffer farewell = reader.farewell(505);
    assertEquals(PriorKnowledgeReader.goAway(PriorKnowledgeReader.HTTP_1_1_REQUIRED), farewell);
    assertEquals(0xd, farewell.getInt(farewell.limit() - 4), "GOAWAY HTTP_1_1_REQUIRED");
    assertEquals(0, farewell.getInt(farewell.limit() - 8), "last stream 0: nothing processed");
  }

  @Test
  void brokenH2cFramesAreRefusedWithTheirErrorCode() {
    byte[] wrong =
        ClientHelloReaderTest.concat(H2cBytes.preface(), H2cBytes.frame(0, 0, 1, new byte[3]));
    FirstBytesReader reader = http(true);
    Refused refused = assertInstanceOf(Refused.class, reader.read(ByteBuffer.wrap(wrong)));
    assertEquals(400, refused.status());
    assertEquals(
        PriorKnowledgeReader.goAway(PriorKnowledgeReader.PROTOCOL_ERROR), reader.farewell(400));
    assertEquals(
        PriorKnowledgeReader.goAway(PriorKnowledgeReader.REFUSED_STREAM), reader.farewell(503));
    assertEquals(0, reader.farewell(408).remaining(), "a timeout: nothing");
  }

  @Test
  void onHttp1TheLoopAnswersInHttp() {
    FirstBytesReader reader = http(true);
    reader.read(ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes(ISO_8859_1)));
    assertEquals(Protocol.HTTP_1, reader.protocol());
    assertNull(reader.farewell(400));
  }

  @Test
  void anUpgradeToH2cIsAnHttp1HeadLikeAnyOther() {
    byte[] curl = H2cBytes.captured("curl-upgrade");
    Routable routable = assertInstanceOf(Routable.class, read(() -> http(false), curl));
    assertEquals("h2.test", routable.host());
    assertEquals(curl.length, routable.head().length());
  }

  @Test
  void aTlsHelloIsRoutedByItsServerName() {
    byte[] hello = TlsHellos.captured("openssl-big-split");
    Routable routable = assertInstanceOf(Routable.class, read(FirstBytesReader::forTls, hello));
    assertEquals("big.test", routable.host());
    assertNull(routable.head());
    Routable none =
        assertInstanceOf(
            Routable.class, read(FirstBytesReader::forTls, TlsHellos.captured("openssl-nosni")));
    assertNull(none.host());
  }

  @Test
  void onTlsARefusalIsAnAlertOrNothing() {
    FirstBytesReader broken = FirstBytesReader.forTls();
    assertInstanceOf(
        Refused.class,
        broken.read(ByteBuffer.wrap(new byte[] {22, 3, 1, (byte) 0xff, (byte) 0xff})));
    assertArrayEquals(
        new byte[] {21, 3, 3, 0, 2, 2, 50}, bytes(broken.farewell(400)), "decode_error");
    FirstBytesReader waiting = FirstBytesReader.forTls();
    waiting.read(ByteBuffer.wrap(Arrays.copyOf(TlsHellos.captured("curl"), 100)));
    assertArrayEquals(
        new byte[] {21, 3, 3, 0, 2, 2, 80}, bytes(waiting.farewell(503)), "internal_error");
    assertEquals(0, waiting.farewell(408).remaining(), "a timeout: nothing");
    FirstBytesReader plain = FirstBytesReader.forTls();
    Refused refused =
        assertInstanceOf(
            Refused.class, plain.read(ByteBuffer.wrap("GET / HTTP/1.1\r\n".getBytes(ISO_8859_1))));
    assertEquals(400, refused.status());
    assertEquals(0, plain.farewell(400).remaining(), "not TLS: no alert");
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
