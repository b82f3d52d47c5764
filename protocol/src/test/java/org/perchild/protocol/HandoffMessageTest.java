package org.perchild.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HandoffMessageTest {

  private static InetSocketAddress at(String address, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(address), port);
  }

  @Test
  void roundTripIpv4() throws Exception {
    byte[] head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    HandoffMessage message =
        new HandoffMessage(
            3, false, false, false, at("127.0.0.1", 40000), at("127.0.0.2", 8080), head);
    HandoffMessage decoded = HandoffMessage.decode(message.encode());
    assertEquals(message, decoded);
    assertArrayEquals(head, decoded.alreadyRead());
    assertEquals(3, decoded.listenerIndex());
  }

  @Test
  void ipv4ClientOnDualStackSocketTravelsV4Mapped() throws Exception {
    HandoffMessage message =
        new HandoffMessage(
            0, true, true, false, at("127.0.0.1", 1234), at("::1", 443), new byte[0]);
    HandoffMessage decoded = HandoffMessage.decode(message.encode());
    assertTrue(decoded.inet6());
    assertTrue(decoded.secure());
    // Java folds a v4-mapped address back to the IPv4 address, as getpeername's caller sees it.
    assertEquals(InetAddress.getByName("127.0.0.1"), decoded.remote().getAddress());
    assertEquals(1234, decoded.remote().getPort());
    assertEquals(at("::1", 443), decoded.local());
  }

  @Test
  void refusesWhatIsNotExactlyOneMessage() throws Exception {
    byte[] good =
        new HandoffMessage(
                1, false, false, false, at("10.0.0.1", 1), at("10.0.0.2", 2), new byte[] {1, 2, 3})
            .encode();
    assertThrows(
        MalformedHandoffException.class,
        () -> HandoffMessage.decode(Arrays.copyOf(good, good.length - 1)));
    assertThrows(
        MalformedHandoffException.class,
        () -> HandoffMessage.decode(Arrays.copyOf(good, good.length + 1)));
    byte[] wrongVersion = good.clone();
    wrongVersion[0] = 9;
    assertThrows(MalformedHandoffException.class, () -> HandoffMessage.decode(wrongVersion));
    byte[] wrongFamily = good.clone();
    wrongFamily[4] = 5;
    assertThrows(MalformedHandoffException.class, () -> HandoffMessage.decode(wrongFamily));
    assertThrows(MalformedHandoffException.class, () -> HandoffMessage.decode(new byte[0]));
  }

  @Test
  void randomPayloadsNeverThrowAnythingElse() {
    Random random = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      byte[] payload = new byte[random.nextInt(80)];
      random.nextBytes(payload);
      if (payload.length > 0) {
        payload[0] = 1;
      }
      try {
        HandoffMessage.decode(payload);
      } catch (MalformedHandoffException expected) {
        // the only refusal allowed
      }
    }
  }
}
