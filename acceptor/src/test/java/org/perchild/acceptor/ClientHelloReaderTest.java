package org.perchild.acceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.perchild.acceptor.ClientHelloReader.Complete;
import org.perchild.acceptor.ClientHelloReader.Malformed;
import org.perchild.acceptor.ClientHelloReader.NeedMoreBytes;
import org.perchild.acceptor.ClientHelloReader.NoServerName;
import org.perchild.acceptor.ClientHelloReader.NotTls;
import org.perchild.acceptor.ClientHelloReader.Outcome;
import org.perchild.acceptor.ClientHelloReader.ServerName;
import org.perchild.protocol.HandoffMessage;

class ClientHelloReaderTest {

  /**
   * Reads in one chunk, one byte at a time and in random chunks, each from a buffer that ends where
   * the bytes end (a slice: reading past it throws); all must agree, and the answer is returned.
   */
  static Outcome read(byte[] bytes) {
    return read(new ClientHelloReader(), () -> new ClientHelloReader(), bytes, new Random(7));
  }

  static Outcome read(
      ClientHelloReader whole,
      java.util.function.Supplier<ClientHelloReader> fresh,
      byte[] bytes,
      Random random) {
    ByteBuffer buffer = slice(bytes, 0, bytes.length);
    Outcome once = whole.read(buffer);
    assertEquals(0, buffer.position(), "the reader must not move the caller's position");
    assertSame(once, whole.read(ByteBuffer.allocate(0)));
    assertSame(once, whole.outcome());
    assertEquals(once, inChunks(fresh.get(), bytes, () -> 1), "one byte per chunk");
    assertEquals(once, inChunks(fresh.get(), bytes, () -> 1 + random.nextInt(600)), "chunks");
    return once;
  }

  static Outcome inChunks(
      ClientHelloReader reader, byte[] bytes, java.util.function.IntSupplier size) {
    Outcome outcome = reader.outcome();
    for (int i = 0; i < bytes.length && outcome instanceof NeedMoreBytes; ) {
      int n = Math.min(size.getAsInt(), bytes.length - i);
      outcome = reader.read(slice(bytes, i, n));
      i += n;
    }
    return outcome;
  }

  /** The bytes [from, from + length) as a buffer whose capacity ends there, positioned at 0. */
  static ByteBuffer slice(byte[] bytes, int from, int length) {
    return ByteBuffer.wrap(bytes, from, length).slice().asReadOnlyBuffer();
  }

  private static String serverName(Outcome outcome) {
    return assertInstanceOf(Complete.class, outcome, outcome.toString()).serverName();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "openssl-sni, a.test",
    "openssl-nosni, ",
    "openssl-tls12, b.test",
    "openssl-upper-dot, shop.example.com",
    "openssl-big, big.test",
    "openssl-big-split, big.test",
    "curl, a.test",
    "curl-h2, www.b.test",
    "curl-ip, ",
    "jdk17, jdk17.test",
    "jdk25, jdk25.test",
    "python, py.test"
  })
  void aRealClientsHelloNamesItsServer(String capture, String expected) {
    byte[] hello = TlsHellos.captured(capture);
    Outcome outcome = read(hello);
    assertEquals(expected, serverName(outcome));
    assertEquals(hello.length, ((Complete) outcome).length(), "the capture is one whole hello");
    assertEquals(
        expected == null ? NoServerName.class : ServerName.class, outcome.getClass(), capture);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"openssl-sni", "openssl-big", "curl", "jdk25", "openssl-nosni"})
  void aHelloSplitIntoManyRecordsGivesTheSameAnswer(String capture) {
    byte[] hello = TlsHellos.captured(capture);
    Outcome whole = read(hello);
    for (int size : new int[] {1, 2, 5, 41, 100, 512, 16384}) {
      byte[] split = TlsHellos.reframe(hello, size);
      Outcome outcome = read(split);
      assertEquals(serverName(whole), serverName(outcome), "records of " + size);
      assertEquals(split.length, ((Complete) outcome).length(), "records of " + size);
    }
  }

  @Test
  void theBigCaptureIsAboveTwoKilobytesAndItsSplitOneHasSevenRecords() {
    assertTrue(TlsHellos.captured("openssl-big").length > 3000);
    byte[] split = TlsHellos.captured("openssl-big-split");
    int records = 0;
    for (int i = 0; i < split.length; i += 5 + ((split[i + 3] & 0xFF) << 8 | split[i + 4] & 0xFF)) {
      records++;
    }
    assertEquals(7, records, "openssl -max_send_frag 512 split its hello");
  }

  @Test
  @Timeout(30)
  void theHelloOfThisJdksSslSocketNamesItsServer() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> client =
          CompletableFuture.runAsync(
              () -> {
                try (SSLSocket socket =
                    (SSLSocket)
                        SSLContext.getDefault()
                            .getSocketFactory()
                            .createSocket(
                                InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                  SSLParameters parameters = socket.getSSLParameters();
                  parameters.setServerNames(List.of(new SNIHostName("Live.Example.Test")));
                  socket.setSSLParameters(parameters);
                  socket.setSoTimeout(5000);
                  socket.startHandshake();
                } catch (Exception expected) {
                  // The server below never answers.
                }
              });
      try (Socket accepted = server.accept()) {
        accepted.setSoTimeout(10000);
        ClientHelloReader reader = new ClientHelloReader();
        InputStream in = accepted.getInputStream();
        byte[] chunk = new byte[64];
        Outcome outcome = reader.outcome();
        while (outcome instanceof NeedMoreBytes) {
          int n = in.read(chunk);
          assertTrue(n > 0, "the client closed before a whole hello");
          outcome = reader.read(ByteBuffer.wrap(chunk, 0, n));
        }
        assertEquals("live.example.test", serverName(outcome));
      }
      client.get();
    }
  }

  @Test
  void aTruncatedHelloNeedsMoreBytes() {
    byte[] hello = TlsHellos.captured("openssl-big-split");
    for (int length : new int[] {0, 1, 3, 5, 6, 9, 100, 512, 517, 518, hello.length - 1}) {
      assertInstanceOf(NeedMoreBytes.class, read(Arrays.copyOf(hello, length)), "" + length);
    }
  }

  @Test
  void bytesAfterTheHelloAreNotRead() {
    byte[] hello = TlsHellos.captured("curl");
    byte[] more = Arrays.copyOf(hello, hello.length + 50);
    Arrays.fill(more, hello.length, more.length, (byte) 0x17);
    Outcome outcome = read(more);
    assertEquals(new ServerName("a.test", hello.length), outcome);
  }

  @Test
  void plainHttpIsNotTls() {
    assertInstanceOf(
        NotTls.class,
        read("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void anSslv2StyleHelloIsNotTls() {
    // What an SSLv2-compatible client sends (RFC 6101 E.2): a 2-byte header with the high bit set,
    // then CLIENT-HELLO (1), version 3.1, cipher specs, session id and challenge lengths.
    byte[] sslv2 = {
      (byte) 0x80,
      0x2e,
      0x01,
      0x03,
      0x01,
      0x00,
      0x15,
      0x00,
      0x00,
      0x00,
      0x10,
      0x01,
      0x00,
      (byte) 0x80
    };
    Outcome outcome = read(sslv2);
    assertTrue(
        assertInstanceOf(NotTls.class, outcome).reason().contains("0x80"), outcome.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"16 02 00", "16 04 01", "16 03 05", "17 03 03", "15 03 03", "00", "ff"})
  void aFirstRecordThatIsNotAHandshakeOfASaneVersionIsNotTls(String start) {
    assertInstanceOf(NotTls.class, read(hex(start + " 00 10")));
  }

  @Test
  void aRecordLengthOf64KibIsRefusedAtOnce() {
    Outcome outcome = read(hex("16 03 01 ff ff 01"));
    assertTrue(assertInstanceOf(Malformed.class, outcome).reason().contains("65535"), "" + outcome);
  }

  @Test
  void theLargestRecordLengthIsTakenOneMoreIsNot() {
    int max = ClientHelloReader.MAX_RECORD_LENGTH;
    assertInstanceOf(
        NeedMoreBytes.class, read(new byte[] {22, 3, 1, (byte) (max >> 8), (byte) max, 1}));
    assertInstanceOf(
        Malformed.class, read(new byte[] {22, 3, 1, (byte) (max + 1 >> 8), (byte) (max + 1)}));
  }

  @Test
  void anEmptyRecordIsMalformed() {
    assertInstanceOf(Malformed.class, read(hex("16 03 01 00 00")));
  }

  @Test
  void randomBytesAfterARecordHeaderAreMalformed() {
    Random random = new Random(14);
    for (int i = 0; i < 200; i++) {
      byte[] bytes = new byte[5 + 300];
      random.nextBytes(bytes);
      System.arraycopy(hex("16 03 01 01 2c"), 0, bytes, 0, 5);
      Outcome outcome = read(bytes);
      // Only 1 in 256 random messages even claims to be a ClientHello, and those fail further on.
      assertTrue(outcome instanceof Malformed || outcome instanceof NeedMoreBytes, "" + outcome);
    }
    assertInstanceOf(Malformed.class, read(hex("16 03 01 00 10 02 00 00 0c")));
  }

  @Test
  void anotherRecordTypeInsideTheHelloIsMalformed() {
    byte[] split = TlsHellos.reframe(TlsHellos.captured("curl"), 100);
    split[105] = 23;
    assertInstanceOf(Malformed.class, read(split));
  }

  @Test
  void aHelloWithoutExtensionsHasNoServerName() {
    byte[] hello = TlsHellos.records(TlsHellos.helloMessage(false), 3, 1, 16384);
    assertEquals(new NoServerName(hello.length), read(hello));
    byte[] empty = TlsHellos.hello();
    assertEquals(new NoServerName(empty.length), read(empty));
  }

  @Test
  void theNameIsLowerCasedAndLosesOneTrailingDot() {
    assertEquals(
        "www.example.org",
        serverName(read(TlsHellos.hello(TlsHellos.serverName("WWW.Example.ORG.")))));
    assertEquals(
        "xn--bcher-kva.example",
        serverName(read(TlsHellos.hello(TlsHellos.serverName("xn--bcher-kva.example")))));
    assertEquals("localhost", serverName(read(TlsHellos.hello(TlsHellos.serverName("localhost")))));
    String longest = ("a".repeat(63) + ".").repeat(3) + "a".repeat(63);
    assertEquals(255, longest.length());
    assertEquals(longest, serverName(read(TlsHellos.hello(TlsHellos.serverName(longest)))));
    assertEquals(longest, serverName(read(TlsHellos.hello(TlsHellos.serverName(longest + ".")))));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        ".",
        "a..b",
        ".a.b",
        "a.b..",
        "under_score.test",
        "sp ace.test",
        "bücher.test",
        "a/b",
        "a:443"
      })
  void anInvalidNameIsNoServerName(String name) {
    assertInstanceOf(NoServerName.class, read(TlsHellos.hello(TlsHellos.serverName(name))));
  }

  @Test
  void aNameAbove255CharactersIsNoServerName() {
    String name =
        "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(64);
    assertEquals(256, name.length());
    assertInstanceOf(NoServerName.class, read(TlsHellos.hello(TlsHellos.serverName(name))));
    assertInstanceOf(
        NoServerName.class, read(TlsHellos.hello(TlsHellos.serverName("x".repeat(5000)))));
  }

  @Test
  void otherExtensionsAroundTheNameAreSkipped() {
    byte[] hello =
        TlsHellos.hello(
            TlsHellos.extension(10, new byte[] {0, 2, 0, 29}),
            TlsHellos.extension(23, new byte[0]),
            TlsHellos.serverName("mid.test"),
            TlsHellos.padding(3000),
            TlsHellos.extension(0xfe0d, new byte[200]));
    assertEquals("mid.test", serverName(read(hello)));
  }

  @Test
  void anotherNameTypeBesideTheHostNameIsSkipped() {
    byte[] list =
        TlsHellos.withLength(
            concat(
                TlsHellos.entry(7, "opaque".getBytes(StandardCharsets.US_ASCII)),
                TlsHellos.entry(0, "typed.test".getBytes(StandardCharsets.US_ASCII))));
    assertEquals("typed.test", serverName(read(TlsHellos.hello(TlsHellos.extension(0, list)))));
    byte[] only = TlsHellos.withLength(TlsHellos.entry(7, new byte[] {1, 2, 3}));
    assertInstanceOf(NoServerName.class, read(TlsHellos.hello(TlsHellos.extension(0, only))));
  }

  @Test
  void twoServerNameExtensionsOrTwoHostNamesAreMalformed() {
    assertInstanceOf(
        Malformed.class,
        read(TlsHellos.hello(TlsHellos.serverName("a.test"), TlsHellos.serverName("b.test"))));
    assertInstanceOf(
        Malformed.class, read(TlsHellos.hello(TlsHellos.serverName("a.test", "b.test"))));
  }

  @Test
  void lengthsThatDisagreeAreMalformed() {
    // The server name list says 20 bytes in an extension of 13.
    byte[] badList =
        TlsHellos.extension(
            0,
            concat(
                TlsHellos.u16(20),
                TlsHellos.entry(0, "a.test".getBytes(StandardCharsets.US_ASCII))));
    assertInstanceOf(Malformed.class, read(TlsHellos.hello(badList)));
    // An extension longer than the block.
    byte[] message = TlsHellos.helloMessage(true, TlsHellos.serverName("a.test"));
    byte[] longer = message.clone();
    longer[message.length - 13] = 99;
    assertInstanceOf(Malformed.class, read(TlsHellos.records(longer, 3, 1, 16384)));
    // The handshake message claims fewer bytes than its fields take.
    byte[] shorter = message.clone();
    shorter[3] -= 4;
    assertInstanceOf(Malformed.class, read(TlsHellos.records(shorter, 3, 1, 16384)));
    // A session id above 32 bytes, no cipher suite, no compression method.
    for (int[] change : new int[][] {{38, 33}, {71, 0, 72, 0}, {77, 0}}) {
      byte[] changed = message.clone();
      for (int i = 0; i < change.length; i += 2) {
        changed[change[i]] = (byte) change[i + 1];
      }
      assertInstanceOf(
          Malformed.class, read(TlsHellos.records(changed, 3, 1, 16384)), Arrays.toString(change));
    }
  }

  @Test
  void aHelloAboveTheLimitIsRefused() {
    // 70,000 bytes in five records: no more than MAX_ALREADY_READ is ever read.
    byte[] huge = TlsHellos.hello(TlsHellos.serverName("huge.test"), TlsHellos.padding(70_000));
    Outcome outcome = read(huge);
    assertInstanceOf(Malformed.class, outcome);
    // The whole limit is usable: a hello just below it is read.
    int fits = HandoffMessage.MAX_ALREADY_READ - 5 * 5 - 200;
    byte[] big = TlsHellos.hello(TlsHellos.serverName("big.test"), TlsHellos.padding(fits - 120));
    assertTrue(big.length <= HandoffMessage.MAX_ALREADY_READ, "" + big.length);
    assertEquals("big.test", serverName(read(big)));
  }

  @Test
  void aSmallerLimitRefusesAWholeHelloOnceItIsReached() {
    byte[] hello = TlsHellos.captured("openssl-big-split");
    Outcome outcome =
        read(new ClientHelloReader(1000), () -> new ClientHelloReader(1000), hello, new Random(3));
    assertInstanceOf(Malformed.class, outcome);
    // Record after record below the limit, the bytes themselves hit it.
    byte[] records = TlsHellos.reframe(TlsHellos.captured("openssl-big"), 100);
    assertInstanceOf(
        Malformed.class,
        read(
            new ClientHelloReader(3500),
            () -> new ClientHelloReader(3500),
            records,
            new Random(4)));
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  static byte[] hex(String spaced) {
    String[] words = spaced.trim().split(" +");
    byte[] bytes = new byte[words.length];
    for (int i = 0; i < words.length; i++) {
      bytes[i] = (byte) Integer.parseInt(words[i], 16);
    }
    return bytes;
  }
}
