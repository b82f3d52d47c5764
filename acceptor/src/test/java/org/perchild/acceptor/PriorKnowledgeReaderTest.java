package org.perchild.acceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.perchild.acceptor.PriorKnowledgeReader.Malformed;
import org.perchild.acceptor.PriorKnowledgeReader.NeedMoreBytes;
import org.perchild.acceptor.PriorKnowledgeReader.Outcome;
import org.perchild.acceptor.PriorKnowledgeReader.Request;
import org.perchild.protocol.HandoffMessage;

class PriorKnowledgeReaderTest {

  private static final int PREFACE = PriorKnowledgeReader.PREFACE.length;

  private static PriorKnowledgeReader reader() {
    return new PriorKnowledgeReader(
        HeadLimits.DEFAULTS.maxHeadBytes(), HandoffMessage.MAX_ALREADY_READ);
  }

  /**
   * Reads the bytes after the preface whole, byte by byte and in random chunks, each from a
   * read-only slice that ends where the bytes end; all must agree.
   */
  static Outcome read(byte[] connection, Random random) {
    byte[] frames = Arrays.copyOfRange(connection, PREFACE, connection.length);
    PriorKnowledgeReader whole = reader();
    ByteBuffer buffer = ClientHelloReaderTest.slice(frames, 0, frames.length);
    Outcome once = whole.read(buffer);
    assertEquals(0, buffer.position(), "the reader must not move the caller's position");
    assertSame(once, whole.read(ByteBuffer.allocate(0)));
    assertEquals(once, inChunks(frames, () -> 1), "one byte per chunk");
    assertEquals(once, inChunks(frames, () -> 1 + random.nextInt(300)), "random chunks");
    return once;
  }

  private static Outcome read(byte[] connection) {
    return read(connection, new Random(9));
  }

  private static Outcome inChunks(byte[] frames, java.util.function.IntSupplier size) {
    PriorKnowledgeReader reader = reader();
    Outcome outcome = reader.outcome();
    for (int i = 0; i < frames.length && outcome instanceof NeedMoreBytes; ) {
      int n = Math.min(size.getAsInt(), frames.length - i);
      outcome = reader.read(ClientHelloReaderTest.slice(frames, i, n));
      i += n;
    }
    return outcome;
  }

  private static int errorCode(Outcome outcome) {
    return assertInstanceOf(Malformed.class, outcome, outcome.toString()).errorCode();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"curl-h2c, h2.test, /x", "nghttp-h2c, other.test, /y"})
  void aRealClientsFirstRequestNamesItsAuthority(String capture, String host, String path) {
    byte[] bytes = H2cBytes.captured(capture);
    assertEquals(new Request(host, "GET", path, bytes.length), read(bytes));
  }

  @Test
  void theAuthorityLosesItsPortAndIsLowerCased() {
    assertEquals("shop.example", host(H2cBytes.connection("Shop.Example:8080")));
    assertEquals("::1", host(H2cBytes.connection("[::1]:8080")));
    assertEquals("127.0.0.1", host(H2cBytes.connection("127.0.0.1")));
  }

  @Test
  void withoutAnAuthorityTheHostFieldNamesTheHost() {
    assertEquals(
        "by-host.test",
        host(H2cBytes.connection(H2cBytes.block(null, "/", "By-Host.Test:81"), 16384)));
    assertEquals(null, host(H2cBytes.connection(H2cBytes.block(null, "/", null), 16384)));
  }

  @Test
  void aBlockInContinuationsIsReassembled() {
    byte[] block = H2cBytes.block("continued.test", "/" + "p".repeat(3000), null);
    for (int fragment : new int[] {1, 7, 100, 1000}) {
      byte[] connection = H2cBytes.connection(block, fragment);
      Outcome outcome = read(connection);
      assertEquals("continued.test", host(outcome), "fragments of " + fragment);
      assertEquals(connection.length, ((Request) outcome).length());
    }
  }

  @Test
  void paddingAndPriorityAreTakenOutOfTheHeadersFrame() {
    byte[] block = H2cBytes.block("padded.test", "/", null);
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    payload.write(10);
    payload.writeBytes(new byte[] {0, 0, 0, 0, 15});
    payload.writeBytes(block);
    payload.writeBytes(new byte[10]);
    byte[] connection =
        ClientHelloReaderTest.concat(
            H2cBytes.preface(),
            H2cBytes.settings(),
            H2cBytes.frame(H2cBytes.PRIORITY, 0, 3, new byte[] {0, 0, 0, 0, 7}),
            H2cBytes.frame(
                H2cBytes.HEADERS,
                H2cBytes.END_HEADERS | H2cBytes.PADDED | H2cBytes.PRIORITY_FLAG,
                1,
                payload.toByteArray()));
    assertEquals("padded.test", host(read(connection)));
  }

  @Test
  void framesOfUnknownTypesArePassedOver() {
    byte[] connection =
        ClientHelloReaderTest.concat(
            H2cBytes.preface(),
            H2cBytes.settings(),
            H2cBytes.frame(0x42, 0xff, 5, new byte[77]),
            H2cBytes.frame(6, 0, 0, new byte[8]),
            Arrays.copyOfRange(
                H2cBytes.connection("after.test"),
                PREFACE + 12 + 9,
                H2cBytes.connection("after.test").length));
    assertEquals("after.test", host(read(connection)));
  }

  @Test
  void aTruncatedStartNeedsMoreBytes() {
    byte[] connection = H2cBytes.connection(H2cBytes.block("a.test", "/", null), 5);
    for (int cut = PREFACE; cut < connection.length; cut += 3) {
      assertInstanceOf(NeedMoreBytes.class, read(Arrays.copyOf(connection, cut)), "" + cut);
    }
  }

  @Test
  void bytesAfterTheFirstRequestAreNotRead() {
    byte[] connection = H2cBytes.connection("first.test");
    byte[] more = ClientHelloReaderTest.concat(connection, H2cBytes.frame(0, 1, 1, new byte[500]));
    assertEquals(new Request("first.test", "GET", "/", connection.length), read(more));
  }

  @Test
  void aFirstFrameOtherThanSettingsIsAProtocolError() {
    byte[] connection =
        ClientHelloReaderTest.concat(
            H2cBytes.preface(),
            H2cBytes.frame(
                H2cBytes.HEADERS, H2cBytes.END_HEADERS, 1, H2cBytes.block("a.test", "/", null)));
    assertEquals(PriorKnowledgeReader.PROTOCOL_ERROR, errorCode(read(connection)));
  }

  @Test
  void aFrameAboveTheMaximumFrameSizeIsAFrameSizeError() {
    byte[] connection =
        ClientHelloReaderTest.concat(
            H2cBytes.preface(), H2cBytes.settings(), new byte[] {0, 0x40, 0x01, 1, 4, 0, 0, 0, 1});
    assertEquals(PriorKnowledgeReader.FRAME_SIZE_ERROR, errorCode(read(connection)));
    byte[] settings =
        ClientHelloReaderTest.concat(H2cBytes.preface(), H2cBytes.frame(4, 0, 0, new byte[7]));
    assertEquals(PriorKnowledgeReader.FRAME_SIZE_ERROR, errorCode(read(settings)));
  }

  @Test
  void framesOutOfPlaceAreProtocolErrors() {
    byte[] block = H2cBytes.block("a.test", "/", null);
    byte[][] wrong = {
      H2cBytes.frame(0, 1, 1, new byte[4]), // DATA before any HEADERS
      H2cBytes.frame(H2cBytes.CONTINUATION, H2cBytes.END_HEADERS, 1, block), // no HEADERS before
      H2cBytes.frame(H2cBytes.HEADERS, H2cBytes.END_HEADERS, 2, block), // an even stream
      H2cBytes.frame(H2cBytes.HEADERS, H2cBytes.END_HEADERS, 0, block), // stream 0
      H2cBytes.frame(H2cBytes.SETTINGS, 1, 0, new byte[0]), // an ACK of nothing
      H2cBytes.frame(H2cBytes.SETTINGS, 0, 1, new byte[0]), // SETTINGS on a stream
      H2cBytes.frame(3, 0, 1, new byte[4]), // RST_STREAM of an idle stream
      H2cBytes.frame(7, 0, 0, new byte[8]), // GOAWAY
      ClientHelloReaderTest.concat( // a HEADERS block interrupted by another frame
          H2cBytes.frame(H2cBytes.HEADERS, 0, 1, Arrays.copyOf(block, 3)),
          H2cBytes.frame(H2cBytes.WINDOW_UPDATE, 0, 0, new byte[] {0, 0, 1, 0})),
      ClientHelloReaderTest.concat( // a CONTINUATION of another stream
          H2cBytes.frame(H2cBytes.HEADERS, 0, 1, Arrays.copyOf(block, 3)),
          H2cBytes.frame(H2cBytes.CONTINUATION, H2cBytes.END_HEADERS, 3, new byte[0])),
      H2cBytes.frame( // padding longer than the frame
          H2cBytes.HEADERS, H2cBytes.END_HEADERS | H2cBytes.PADDED, 1, new byte[] {50, 1, 2}),
    };
    for (byte[] frames : wrong) {
      byte[] connection =
          ClientHelloReaderTest.concat(H2cBytes.preface(), H2cBytes.settings(), frames);
      assertInstanceOf(Malformed.class, read(connection), Arrays.toString(frames));
    }
  }

  @Test
  void aHeaderBlockThatHpackCannotDecodeIsACompressionError() {
    byte[][] blocks = {
      {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f}, // an index out of range
      {(byte) 0xbf}, // index 63: the dynamic table is empty
      {0x3f, (byte) 0xe1, 0x1f}, // a table size update above 4096
      {0x40, 0x7f}, // a literal name whose length runs past the block
    };
    for (byte[] block : blocks) {
      Outcome outcome = read(H2cBytes.connection(block, 16384));
      assertInstanceOf(Malformed.class, outcome, Arrays.toString(block));
    }
  }

  @Test
  void aBlockThatIsNotARequestIsRefused() {
    // :status 200 (static index 8): a response, not a request.
    assertInstanceOf(Malformed.class, read(H2cBytes.connection(new byte[] {(byte) 0x88}, 16384)));
    // No :method or :path.
    assertInstanceOf(Malformed.class, read(H2cBytes.connection(new byte[] {(byte) 0x86}, 16384)));
  }

  @Test
  void moreThanTheLimitBeforeTheBlockEndsIsRefused() {
    PriorKnowledgeReader small = new PriorKnowledgeReader(HeadLimits.DEFAULTS.maxHeadBytes(), 200);
    byte[] connection =
        H2cBytes.connection(H2cBytes.block("a.test", "/" + "x".repeat(500), null), 50);
    byte[] frames = Arrays.copyOfRange(connection, PREFACE, connection.length);
    assertInstanceOf(Malformed.class, small.read(ByteBuffer.wrap(frames)));
    // Frames that go on and on without a HEADERS: the limit, not the memory, ends them.
    ByteArrayOutputStream endless = new ByteArrayOutputStream();
    endless.writeBytes(H2cBytes.preface());
    endless.writeBytes(H2cBytes.settings());
    while (endless.size() < HandoffMessage.MAX_ALREADY_READ + 20_000) {
      endless.writeBytes(H2cBytes.frame(0x42, 0, 0, new byte[16000]));
    }
    assertInstanceOf(Malformed.class, read(endless.toByteArray()));
  }

  @Test
  void aHeaderBlockAboveTheHeaderLimitIsRefused() {
    PriorKnowledgeReader small = new PriorKnowledgeReader(500, HandoffMessage.MAX_ALREADY_READ);
    byte[] connection =
        H2cBytes.connection(H2cBytes.block("a.test", "/" + "x".repeat(2000), null), 16384);
    assertInstanceOf(
        Malformed.class,
        small.read(ByteBuffer.wrap(Arrays.copyOfRange(connection, PREFACE, connection.length))));
  }

  @Test
  void mutatedStartsNeverBreakTheReader() {
    Random random = new Random(1404);
    byte[][] inputs = {
      H2cBytes.captured("curl-h2c"),
      H2cBytes.captured("nghttp-h2c"),
      H2cBytes.connection(H2cBytes.block("mutant.test", "/m", "host.test"), 20),
    };
    for (int i = 0; i < 6000; i++) {
      byte[] input = inputs[random.nextInt(inputs.length)];
      byte[] mutated =
          ClientHelloReaderTest.concat(
              H2cBytes.preface(),
              ClientHelloReaderFuzzTest.mutate(
                  Arrays.copyOfRange(input, PREFACE, input.length), random));
      try {
        Outcome outcome = read(mutated, random);
        if (outcome instanceof Request request) {
          assertTrue(request.length() <= mutated.length, "" + i);
        }
      } catch (RuntimeException | AssertionError e) {
        fail("mutation #" + i + " of " + Arrays.toString(mutated), e);
      }
    }
  }

  private static String host(byte[] connection) {
    return host(read(connection));
  }

  private static String host(Outcome outcome) {
    return assertInstanceOf(Request.class, outcome, outcome.toString()).host();
  }
}
