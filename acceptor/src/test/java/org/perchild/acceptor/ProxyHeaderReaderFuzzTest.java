package org.perchild.acceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.acceptor.ProxyHeaderReader.Addresses;
import org.perchild.acceptor.ProxyHeaderReader.Local;
import org.perchild.acceptor.ProxyHeaderReader.NeedMore;
import org.perchild.acceptor.ProxyHeaderReader.Outcome;

/**
 * A property test of {@link ProxyHeaderReader} on many random and mutated inputs: it answers every
 * input with one of its outcomes (never an exception), never reads outside the bytes it is given
 * (they sit in a read-only buffer between bytes it must not touch, and an absolute read past the
 * limit would throw), gives the same answer for the same bytes, and a header it accepts has a
 * length within what it was given and within the bounds of its version.
 */
class ProxyHeaderReaderFuzzTest {

  private static final List<byte[]> SEEDS =
      List.of(
          ProxyHeaderReaderTest.hex(ProxyHeaderReaderTest.HAPROXY_V2_INET),
          ProxyHeaderReaderTest.hex(ProxyHeaderReaderTest.HAPROXY_V2_INET6),
          ProxyHeaderReaderTest.hex(ProxyHeaderReaderTest.HAPROXY_V2_TLVS),
          ProxyHeaderReaderTest.hex(ProxyHeaderReaderTest.HAPROXY_V2_LOCAL_CHECK),
          ProxyHeaderReaderTest.hex(ProxyHeaderReaderTest.HAPROXY_V1),
          "PROXY TCP6 2001:db8::1 ::1 1234 443\r\n".getBytes(StandardCharsets.US_ASCII),
          "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII),
          "PROXY TCP6 ::ffff:192.0.2.7 ::ffff:192.0.2.1 1 2\r\n"
              .getBytes(StandardCharsets.US_ASCII),
          java.util.HexFormat.of()
              .parseHex(
                  "0d0a0d0a000d0a515549540a21210024"
                      + "00000000000000000000ffff7f000001"
                      + "00000000000000000000ffff7f000001"
                      + "b8364a3b"));

  @Test
  @Timeout(60)
  void randomAndMutatedInputsGetAnOutcomeAndNothingElse() {
    Random random = new Random(0x9_1405L);
    for (int round = 0; round < 200_000; round++) {
      byte[] input;
      int kind = random.nextInt(4);
      if (kind == 0) {
        input = new byte[random.nextInt(300)];
        random.nextBytes(input);
        // Often behind a real signature, so the parser gets past its first check.
        if (random.nextBoolean()) {
          byte[] seed = SEEDS.get(random.nextInt(SEEDS.size()));
          System.arraycopy(seed, 0, input, 0, Math.min(seed.length, Math.min(13, input.length)));
        }
      } else {
        input = mutate(random, SEEDS.get(random.nextInt(SEEDS.size())));
      }
      check(input);
    }
  }

  @Test
  void everyPrefixOfEverySeedIsConsistent() {
    for (byte[] seed : SEEDS) {
      Outcome whole = check(seed);
      assertTrue(whole instanceof Addresses || whole instanceof Local, whole.toString());
      int length = whole instanceof Addresses a ? a.length() : ((Local) whole).length();
      for (int i = 0; i < seed.length; i++) {
        Outcome prefix = check(Arrays.copyOf(seed, i));
        if (i < length) {
          assertEquals(new NeedMore(), prefix, "prefix of " + i);
        } else {
          assertEquals(whole, prefix, "prefix of " + i + " holds the whole header");
        }
      }
    }
  }

  private static byte[] mutate(Random random, byte[] seed) {
    byte[] bytes = seed.clone();
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits; e++) {
      switch (random.nextInt(5)) {
        case 0 -> {
          if (bytes.length > 0) {
            bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
          }
        }
        case 1 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
        case 2 -> {
          // The v2 length field and the bytes around it, where a parser is likeliest to trust.
          if (bytes.length > 16) {
            bytes[12 + random.nextInt(4)] = (byte) random.nextInt(256);
          }
        }
        case 3 -> {
          byte[] longer = Arrays.copyOf(bytes, bytes.length + random.nextInt(64));
          for (int i = bytes.length; i < longer.length; i++) {
            longer[i] = (byte) random.nextInt(256);
          }
          bytes = longer;
        }
        default -> {
          if (bytes.length > 0) {
            int at = random.nextInt(bytes.length);
            bytes[at] = (byte) " \r\n:.0F".charAt(random.nextInt(7));
          }
        }
      }
    }
    return bytes;
  }

  private static Outcome check(byte[] input) {
    byte[] room = new byte[input.length + 64];
    Arrays.fill(room, (byte) 0x0A);
    System.arraycopy(input, 0, room, 32, input.length);
    ByteBuffer buffer = ByteBuffer.wrap(room, 32, input.length).slice().asReadOnlyBuffer();
    Outcome outcome;
    try {
      outcome = ProxyHeaderReader.read(buffer);
    } catch (RuntimeException e) {
      throw new AssertionError("exception for " + java.util.HexFormat.of().formatHex(input), e);
    }
    if (outcome == null) {
      fail("null outcome");
    }
    assertEquals(0, buffer.position());
    assertEquals(input.length, buffer.limit());
    assertEquals(outcome, ProxyHeaderReader.read(buffer), "the same bytes, the same answer");
    int length = -1;
    if (outcome instanceof Addresses a) {
      length = a.length();
      assertTrue(
          a.version() == 1
              ? length <= ProxyHeaderReader.V1_MAX_BYTES
              : length
                  <= ProxyHeaderReader.V2_HEADER_BYTES + ProxyHeaderReader.V2_MAX_ADDRESS_BYTES);
    } else if (outcome instanceof Local l) {
      length = l.length();
    }
    if (length >= 0) {
      assertTrue(length > 0 && length <= input.length, "length " + length + " of " + input.length);
    }
    return outcome;
  }
}
