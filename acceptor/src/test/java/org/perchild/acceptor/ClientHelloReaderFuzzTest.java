package org.perchild.acceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.perchild.acceptor.ClientHelloReader.Complete;
import org.perchild.acceptor.ClientHelloReader.NeedMoreBytes;
import org.perchild.acceptor.ClientHelloReader.Outcome;
import org.perchild.acceptor.ClientHelloReader.ServerName;

/**
 * A property test of {@link ClientHelloReader} over many random and mutated inputs: it never throws
 * (its only refusal is an outcome), never reads outside the bytes it is given (every buffer is a
 * read-only slice that ends where the bytes end, so a read past it would throw), answers the same
 * whatever the chunks, and a whole hello is exactly its {@code length} bytes. Seeds are fixed, so a
 * failure names an input that can be replayed.
 */
class ClientHelloReaderFuzzTest {

  private static final Pattern NAME = Pattern.compile("[a-z0-9-]+(\\.[a-z0-9-]+)*");
  private static final List<String> CAPTURES =
      List.of(
          "openssl-sni",
          "openssl-nosni",
          "openssl-tls12",
          "openssl-upper-dot",
          "openssl-big-split",
          "curl",
          "jdk17",
          "jdk25",
          "python");

  @Test
  void randomBytesNeverBreakTheReader() {
    Random random = new Random(1401);
    for (int i = 0; i < 5000; i++) {
      byte[] bytes = new byte[random.nextInt(2000)];
      random.nextBytes(bytes);
      if (random.nextBoolean() && bytes.length >= 5) {
        // A plausible record header in front, so that the handshake parser gets the bytes.
        System.arraycopy(new byte[] {22, 3, (byte) random.nextInt(5)}, 0, bytes, 0, 3);
        if (random.nextBoolean() && bytes.length > 6) {
          bytes[5] = 1;
        }
      }
      check("random #" + i, bytes, random);
    }
  }

  @Test
  void mutatedRealHellosNeverBreakTheReader() {
    Random random = new Random(1402);
    for (int i = 0; i < 8000; i++) {
      String capture = CAPTURES.get(random.nextInt(CAPTURES.size()));
      byte[] hello = TlsHellos.captured(capture);
      if (random.nextInt(4) == 0) {
        hello = TlsHellos.reframe(hello, 1 + random.nextInt(400));
      }
      byte[] mutated = mutate(hello, random);
      check(capture + " mutation #" + i, mutated, random);
    }
  }

  @Test
  void mutatedBuiltHellosNeverBreakTheReader() {
    Random random = new Random(1403);
    for (int i = 0; i < 5000; i++) {
      byte[] hello =
          TlsHellos.hello(
              TlsHellos.extension(10, new byte[] {0, 2, 0, 29}),
              TlsHellos.serverName("n" + i + ".fuzz.test"),
              TlsHellos.padding(random.nextInt(3000)));
      check("built #" + i, mutate(hello, random), random);
    }
  }

  /** One to four random edits: a byte changed, bytes inserted, removed or repeated, a cut. */
  static byte[] mutate(byte[] original, Random random) {
    byte[] bytes = original;
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits && bytes.length > 0; e++) {
      int at = random.nextInt(bytes.length);
      switch (random.nextInt(6)) {
        case 0 -> bytes[at] = (byte) random.nextInt(256);
        case 1 -> bytes[at] ^= (byte) (1 << random.nextInt(8));
        case 2 -> bytes[at] = random.nextBoolean() ? 0 : (byte) 0xFF;
        case 3 -> {
          byte[] inserted = new byte[1 + random.nextInt(8)];
          random.nextBytes(inserted);
          bytes =
              ClientHelloReaderTest.concat(
                  Arrays.copyOf(bytes, at), inserted, Arrays.copyOfRange(bytes, at, bytes.length));
        }
        case 4 -> {
          int to = Math.min(bytes.length, at + 1 + random.nextInt(16));
          bytes =
              ClientHelloReaderTest.concat(
                  Arrays.copyOf(bytes, at), Arrays.copyOfRange(bytes, to, bytes.length));
        }
        default -> bytes = Arrays.copyOf(bytes, at);
      }
      if (bytes == original) {
        bytes = original.clone();
        e--;
      }
    }
    return bytes;
  }

  private static void check(String input, byte[] bytes, Random random) {
    Outcome outcome;
    try {
      outcome =
          ClientHelloReaderTest.read(
              new ClientHelloReader(), ClientHelloReader::new, bytes, random);
    } catch (RuntimeException | AssertionError e) {
      fail(input + ": " + hex(bytes), e);
      return;
    }
    if (outcome instanceof Complete complete) {
      assertTrue(complete.length() > 0 && complete.length() <= bytes.length, input);
      // Exactly the hello's bytes are needed: one fewer is not enough.
      assertEquals(
          outcome,
          ClientHelloReaderTest.inChunks(
              new ClientHelloReader(), Arrays.copyOf(bytes, complete.length()), () -> 97),
          input);
      assertInstanceOf(
          NeedMoreBytes.class,
          ClientHelloReaderTest.inChunks(
              new ClientHelloReader(), Arrays.copyOf(bytes, complete.length() - 1), () -> 97),
          input);
    }
    if (outcome instanceof ServerName name) {
      assertTrue(NAME.matcher(name.serverName()).matches(), input + ": " + name);
      assertTrue(name.serverName().length() <= 255, input);
    }
  }

  private static String hex(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (byte b : bytes) {
      out.append(String.format("%02x", b));
    }
    return out.toString();
  }
}
