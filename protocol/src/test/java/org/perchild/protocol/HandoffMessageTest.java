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
        new HandoffMessage(3, false, false, at("127.0.0.1", 40000), at("127.0.0.2", 8080), head);
    HandoffMessage decoded = HandoffMessage.decode(message.encode());
    assertEquals(message, decoded);
    assertArrayEquals(head, decoded.alreadyRead());
    assertEquals(3, decoded.listenerIndex());
  }

  @Test
  void ipv4ClientOnDualStackSocketTravelsV4Mapped() throws Exception {
    HandoffMessage message =
        new HandoffMessage(0, true, true, at("127.0.0.1", 1234), at("::1", 443), new byte[0]);
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
                1, false, false, at("10.0.0.1", 1), at("10.0.0.2", 2), new byte[] {1, 2, 3})
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
    byte[] unknownFlag = good.clone();
    unknownFlag[1] = 4;
    assertThrows(MalformedHandoffException.class, () -> HandoffMessage.decode(unknownFlag));
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
        payload[0] = (byte) HandoffMessage.VERSION;
      }
      try {
        HandoffMessage.decode(payload);
      } catch (MalformedHandoffException expected) {
        // the only refusal allowed
      }
    }
  }

  @Test
  void carriesTheProxyHeadersAddressesAndTheChosenHost() throws Exception {
    byte[] hello = {0x16, 0x03, 0x01, 0x00, 0x05, 1, 0, 0, 1, 0};
    HandoffMessage message =
        new HandoffMessage(
            2,
            false,
            true,
            at("10.0.0.9", 50000),
            at("10.0.0.1", 443),
            new HandoffMessage.Proxied(at("2001:db8::7", 61000), at("2001:db8::1", 443)),
            "alice.example",
            hello);
    HandoffMessage decoded = HandoffMessage.decode(message.encode());
    assertEquals(message, decoded);
    assertEquals("alice.example", decoded.virtualHost());
    assertEquals(at("2001:db8::7", 61000), decoded.clientAddress());
    assertEquals(at("2001:db8::1", 443), decoded.serverAddress());
    assertEquals(at("10.0.0.1", 443), decoded.local());
    assertArrayEquals(hello, decoded.alreadyRead());
    assertTrue(message.encode().length <= HandoffMessage.MAX_HEADER + hello.length);
  }

  @Test
  void proxyAddressesOfTwoFamiliesOnceUnmappedAreRefusedAsMalformed() throws Exception {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xFF;
    mapped[11] = (byte) 0xFF;
    mapped[15] = 7;
    HandoffMessage message =
        new HandoffMessage(
            0,
            false,
            false,
            at("10.0.0.9", 5),
            at("10.0.0.1", 80),
            new HandoffMessage.Proxied(
                new InetSocketAddress(java.net.Inet6Address.getByAddress(null, mapped, -1), 1),
                at("2001:db8::1", 443)),
            "",
            new byte[0]);
    assertThrows(MalformedHandoffException.class, () -> HandoffMessage.decode(message.encode()));
  }

  @Test
  void withoutAProxyHeaderTheSocketsAddressesAreTheClients() throws Exception {
    HandoffMessage message =
        new HandoffMessage(0, false, false, at("10.0.0.9", 5), at("10.0.0.1", 80), new byte[0]);
    HandoffMessage decoded = HandoffMessage.decode(message.encode());
    assertEquals(null, decoded.proxied());
    assertEquals("", decoded.virtualHost());
    assertEquals(at("10.0.0.9", 5), decoded.clientAddress());
    assertEquals(at("10.0.0.1", 80), decoded.serverAddress());
  }

  @Test
  void refusesHostNamesThatAreTooLongOrNotAscii() throws Exception {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new HandoffMessage(
                0,
                false,
                false,
                at("10.0.0.9", 5),
                at("10.0.0.1", 80),
                null,
                "a".repeat(HandoffMessage.MAX_HOST_NAME + 1),
                new byte[0]));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new HandoffMessage(
                0,
                false,
                false,
                at("10.0.0.9", 5),
                at("10.0.0.1", 80),
                null,
                "b\u00e4r",
                new byte[0]));
    assertThrows(
        IllegalArgumentException.class,
        () -> new HandoffMessage.Proxied(at("10.0.0.9", 5), at("2001:db8::1", 80)));
  }
}
