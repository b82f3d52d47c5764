package org.perchild.acceptor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.posix.Descriptors;
import org.perchild.protocol.HandoffMessage;

/**
 * A real acceptor with {@code RemoteIPProxyProtocol On} in the main server (so on its one address),
 * {@code RemoteIPProxyProtocolExceptions 127.0.0.2}, and a status {@code <Location>} that only
 * 203.0.113.0/24 may read: the header is read first and not handed on, its addresses travel in the
 * hand-off, a connection without a valid one is closed unanswered, and the acceptor's own {@code
 * Require ip} judges the header's client.
 */
class ProxyProtocolProcessTest {

  private static AcceptorHarness acceptor;

  private static int tls;

  @BeforeAll
  @Timeout(90)
  static void startAcceptor() throws Exception {
    AcceptorHarness.requireRoot();
    acceptor =
        AcceptorHarness.start(
            2,
            ports ->
                String.join(
                    "\n",
                    "Listen 127.0.0.1:" + ports.get(0),
                    "Listen 127.0.0.1:" + ports.get(1) + " https",
                    "User #65534",
                    "Group #65534",
                    "NumServers 3",
                    "ChildPerUserID #40001 #40001 2",
                    "Timeout 2",
                    "RemoteIPProxyProtocol On",
                    "RemoteIPProxyProtocolExceptions 127.0.0.2",
                    "<Location /server-status>",
                    "    SetHandler server-status",
                    "    Require ip 203.0.113.0/24",
                    "</Location>",
                    AcceptorHarness.virtualHost(ports.get(0), "ServerName fallback.test"),
                    AcceptorHarness.virtualHost(
                        ports.get(0), "ServerName a.test", "AssignUserID #40001 #40001"),
                    AcceptorHarness.virtualHost(ports.get(1), "ServerName fallback.test"),
                    AcceptorHarness.virtualHost(
                        ports.get(1), "ServerName a.test", "AssignUserID #40001 #40001"),
                    ""));
    tls = acceptor.ports.get(1);
    acceptor.addChild(0, AcceptorHarness.TENANT, AcceptorHarness.TENANT);
    acceptor.addChild(2, AcceptorHarness.NOBODY, AcceptorHarness.NOBODY);
  }

  @AfterAll
  @Timeout(30)
  static void stopAcceptor() throws Exception {
    if (acceptor != null) {
      acceptor.closeAfterCheckingTheLog();
    }
  }

  @Test
  @Timeout(30)
  void onAnHttpsListenerTheHeaderComesBeforeTheClientHelloWhichRoutesBySni() throws Exception {
    byte[] hello = TlsHellos.captured("openssl-sni");
    try (Socket client = new Socket()) {
      client.connect(new InetSocketAddress("127.0.0.1", tls), 5000);
      client.setSoTimeout(15000);
      client.getOutputStream().write(concat(v2Header("cb007107"), hello));
      AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
      assertEquals(0, handoff.slot(), "the SNI a.test is the tenant's");
      assertTrue(handoff.message().secure());
      assertEquals("a.test", handoff.message().virtualHost());
      assertEquals(at("203.0.113.7", 40000), handoff.message().proxied().source());
      assertArrayEquals(hello, handoff.message().alreadyRead(), "the hello only");
      Descriptors.close(handoff.fd());
    }
    // Without a header, a TLS connection there is closed as an HTTP one is: unanswered.
    try (Socket client = new Socket()) {
      client.connect(new InetSocketAddress("127.0.0.1", tls), 5000);
      client.setSoTimeout(15000);
      client.getOutputStream().write(hello);
      String answer;
      try {
        answer = AcceptorHarness.readToEnd(client.getInputStream());
      } catch (SocketException reset) {
        answer = "";
      }
      assertEquals("", answer);
    }
    acceptor.assertNoHandoff();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] all = new byte[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  private static byte[] request(String host, String path) {
    return ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** A v2 PROXY TCP4 header for 203.0.113.7:40000 -> 198.51.100.1:443, with one TLV. */
  private static byte[] v2Header(String sourceHex) {
    return HexFormat.of()
        .parseHex(
            "0d0a0d0a000d0a515549540a21110012"
                + sourceHex
                + "c6336401"
                + "9c4001bb"
                + "050003616263");
  }

  private static InetSocketAddress at(String address, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(address), port);
  }

  @Test
  @Timeout(30)
  void aV2HeadersAddressesTravelWithTheSocketAndItsBytesDoNot() throws Exception {
    byte[] head = request("a.test", "/v2");
    try (Socket client = acceptor.connect()) {
      // The header in two pieces, the head after it: the acceptor must wait for all of it.
      byte[] header = v2Header("cb007107");
      client.getOutputStream().write(header, 0, 9);
      client.getOutputStream().flush();
      client
          .getOutputStream()
          .write(concat(java.util.Arrays.copyOfRange(header, 9, header.length), head));
      AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
      assertEquals(0, handoff.slot(), "a.test is the tenant's");
      assertEquals(at("203.0.113.7", 40000), handoff.message().proxied().source());
      assertEquals(at("198.51.100.1", 443), handoff.message().proxied().destination());
      assertEquals(client.getLocalSocketAddress(), handoff.message().remote());
      assertEquals(at("127.0.0.1", acceptor.port), handoff.message().local());
      assertEquals(at("203.0.113.7", 40000), handoff.message().clientAddress());
      assertArrayEquals(head, handoff.message().alreadyRead(), "the head only, no header byte");
      answerAsChild(handoff);
      assertTrue(AcceptorHarness.readToEnd(client.getInputStream()).startsWith("HTTP/1.1 200"));
    }
  }

  @Test
  @Timeout(30)
  void aV1HeaderIsHonoured() throws Exception {
    try (Socket client = acceptor.connect()) {
      HandoffMessage message =
          handedOff(
              client,
              "PROXY TCP6 2001:db8::7 2001:db8::1 51000 80\r\n".getBytes(StandardCharsets.US_ASCII),
              "fallback.test",
              2);
      assertEquals(at("2001:db8::7", 51000), message.proxied().source());
    }
  }

  @Test
  @Timeout(30)
  void aLocalHeaderIsADirectConnection() throws Exception {
    try (Socket client = acceptor.connect()) {
      HandoffMessage message =
          handedOff(
              client, HexFormat.of().parseHex("0d0a0d0a000d0a515549540a20000000"), "a.test", 0);
      assertNull(message.proxied());
      assertEquals(client.getLocalSocketAddress(), message.clientAddress());
    }
  }

  @Test
  @Timeout(30)
  void withoutAValidHeaderTheConnectionIsClosedUnanswered() throws Exception {
    assertClosedUnanswered(request("a.test", "/no-header"));
    assertClosedUnanswered(
        concat(
            "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n".getBytes(StandardCharsets.US_ASCII),
            request("a.test", "/")));
    byte[] badVersion = v2Header("cb007107");
    badVersion[12] = 0x31;
    assertClosedUnanswered(badVersion);
    acceptor.assertNoHandoff();
  }

  @Test
  @Timeout(30)
  void aHeaderThatDoesNotArriveWithinTheTimeoutIsClosedUnanswered() throws Exception {
    // Half a header, then nothing: closed once Timeout (2 s) is over, with no 408.
    assertClosedUnanswered("PROXY TCP4 203.0".getBytes(StandardCharsets.US_ASCII));
    acceptor.assertNoHandoff();
  }

  @Test
  @Timeout(30)
  void anExceptionAddressConnectsWithoutAHeader() throws Exception {
    try (Socket client = new Socket()) {
      client.bind(new InetSocketAddress("127.0.0.2", 0));
      client.connect(new InetSocketAddress("127.0.0.1", acceptor.port), 5000);
      client.setSoTimeout(15000);
      HandoffMessage message = handedOff(client, new byte[0], "a.test", 0);
      assertNull(message.proxied());
      assertEquals(at("127.0.0.2", client.getLocalPort()), message.remote());
    }
  }

  @Test
  @Timeout(30)
  void requireIpOfAStatusLocationJudgesTheHeadersClient() throws Exception {
    byte[] status = request("a.test", "/server-status?auto");
    String allowed = exchange(concat(v2Header("cb007107"), status));
    assertTrue(allowed.startsWith("HTTP/1.1 200 "), allowed);
    // 198.51.100.7: not in 203.0.113.0/24, though the socket's peer is the same 127.0.0.1.
    String refused = exchange(concat(v2Header("c6336407"), status));
    assertTrue(refused.startsWith("HTTP/1.1 403 "), refused);
    assertTrue(acceptor.logText().contains("/198.51.100.7:40000 /server-status: forbidden"));
  }

  private static String exchange(byte[] bytes) throws IOException {
    try (Socket client = acceptor.connect()) {
      client.getOutputStream().write(bytes);
      return AcceptorHarness.readToEnd(client.getInputStream());
    }
  }

  private static void assertClosedUnanswered(byte[] bytes) throws IOException {
    try (Socket client = acceptor.connect()) {
      client.getOutputStream().write(bytes);
      String answer;
      try {
        answer = AcceptorHarness.readToEnd(client.getInputStream());
      } catch (SocketException reset) {
        answer = "";
      }
      assertEquals("", answer, "no answer where a PROXY header was required");
    }
  }

  /**
   * Sends {@code header} and a request for {@code host}, takes the hand-off (which must be to
   * {@code slot} and carry the request's bytes and nothing of the header), answers it as a child
   * would and reads the answer; the message.
   */
  private static HandoffMessage handedOff(Socket client, byte[] header, String host, int slot)
      throws Exception {
    byte[] head = request(host, "/handed-off");
    client.getOutputStream().write(concat(header, head));
    AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
    assertEquals(slot, handoff.slot());
    assertArrayEquals(head, handoff.message().alreadyRead(), "the head only, no header byte");
    answerAsChild(handoff);
    assertTrue(AcceptorHarness.readToEnd(client.getInputStream()).startsWith("HTTP/1.1 200"));
    return handoff.message();
  }

  /** Adopts the handed-off socket as a child would and answers 200. */
  private static void answerAsChild(AcceptorHarness.Handoff handoff) throws Exception {
    try (SocketChannel socket =
        AcceptorHarness.adoptSocket(
            handoff.fd(), handoff.message().inet6(), handoff.message().remote())) {
      socket.configureBlocking(true);
      socket.write(
          ByteBuffer.wrap(
              "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII)));
    } catch (RuntimeException e) {
      Descriptors.close(handoff.fd());
      throw e;
    }
  }
}
