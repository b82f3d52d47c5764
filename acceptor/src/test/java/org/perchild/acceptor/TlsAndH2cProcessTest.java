package org.perchild.acceptor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.perchild.posix.Descriptors;
import org.perchild.posix.ExitStatus;

/**
 * One real acceptor process (started as root the way the launcher starts it) with an {@code https}
 * listener, an {@code http} listener whose default virtual host allows h2c, and one whose default
 * does not; three fake children: slot 0 of uid 40001 ({@code a.test}), slot 1 of 40002 ({@code
 * b.test}, {@code *.b.test}) and slot 2 of 65534 (each address's default host). The bytes are what
 * real clients send: ClientHellos captured from openssl, curl and the JDK, and live {@code openssl
 * s_client} and {@code curl} processes; one fake child completes a real TLS handshake (the JDK's)
 * with openssl from the bytes the acceptor handed over.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsAndH2cProcessTest {

  private static AcceptorHarness acceptor;
  private static int tls;
  private static int h2c;
  private static int plain;

  @BeforeAll
  @Timeout(90)
  static void startAcceptor() throws Exception {
    AcceptorHarness.requireRoot();
    acceptor =
        AcceptorHarness.start(
            3,
            ports ->
                String.join(
                    "\n",
                    "Listen 127.0.0.1:" + ports.get(0) + " https",
                    "Listen 127.0.0.1:" + ports.get(1),
                    "Listen 127.0.0.1:" + ports.get(2),
                    "User #65534",
                    "Group #65534",
                    "NumServers 3",
                    "ChildPerUserID #40001 #40001 1",
                    "ChildPerUserID #40002 #40002 1",
                    "Timeout 2",
                    "ChildWaitTimeout 1",
                    AcceptorHarness.virtualHost(ports.get(0), "ServerName default.test"),
                    AcceptorHarness.virtualHost(
                        ports.get(0), "ServerName a.test", "AssignUserID #40001 #40001"),
                    AcceptorHarness.virtualHost(
                        ports.get(0),
                        "ServerName b.test",
                        "ServerAlias *.b.test",
                        "AssignUserID #40002 #40002"),
                    AcceptorHarness.virtualHost(
                        ports.get(1), "ServerName h2c-default.test", "Protocols h2c http/1.1"),
                    AcceptorHarness.virtualHost(
                        ports.get(1), "ServerName a.test", "AssignUserID #40001 #40001"),
                    AcceptorHarness.virtualHost(ports.get(2), "ServerName plain.test"),
                    ""));
    tls = acceptor.ports.get(0);
    h2c = acceptor.ports.get(1);
    plain = acceptor.ports.get(2);
    acceptor.addChild(0, 40001, 40001);
    acceptor.addChild(1, 40002, 40002);
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
  @Order(1)
  @Timeout(60)
  void theSniOfTwoTenantsReachesEachTenantsChildWithTheBytesIntact() throws Exception {
    // a.test in one record; www.b.test (a ServerAlias wildcard) in one and in many; big.test, which
    // no host here has, in seven records of 512 bytes.
    assertRoutedOverTls(TlsHellos.captured("openssl-sni"), 0, "a.test");
    assertRoutedOverTls(TlsHellos.captured("curl-h2"), 1, "b.test");
    assertRoutedOverTls(TlsHellos.reframe(TlsHellos.captured("curl-h2"), 64), 1, "b.test");
    assertRoutedOverTls(TlsHellos.captured("openssl-big-split"), 2, "default.test");
  }

  @Test
  @Order(2)
  @Timeout(30)
  void noSniOrAnUnknownNameGoesToTheDefaultVirtualHost() throws Exception {
    assertRoutedOverTls(TlsHellos.captured("openssl-nosni"), 2, "default.test");
    assertRoutedOverTls(TlsHellos.captured("curl-ip"), 2, "default.test");
    assertRoutedOverTls(TlsHellos.captured("jdk17"), 2, "default.test");
  }

  @Test
  @Order(3)
  @Timeout(60)
  void liveOpensslAndCurlClientsAreRoutedByTheirSni() throws Exception {
    Process openssl =
        new ProcessBuilder(
                "openssl", "s_client", "-connect", "127.0.0.1:" + tls, "-servername", "x.b.test")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertLiveHello(openssl, 1, "b.test", "x.b.test");
    Process curl =
        new ProcessBuilder(
                "curl",
                "-sk",
                "--max-time",
                "20",
                "--resolve",
                "a.test:" + tls + ":127.0.0.1",
                "https://a.test:" + tls + "/")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertLiveHello(curl, 0, "a.test", "a.test");
  }

  @Test
  @Order(3)
  @Timeout(60)
  void aRealHandshakeCompletesInTheChildWithTheBytesTheAcceptorRead() throws Exception {
    // The fake child does what a child's TLS does: its handshake starts with the hello bytes that
    // came with the socket and goes on on the socket itself; openssl splits its hello into
    // records of 512 bytes (and pads it above 2 KiB with a long ALPN list).
    java.nio.file.Path keystore = acceptor.root.resolve("tls-test.p12");
    Process keytool =
        new ProcessBuilder(
                java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "b",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=x.b.test",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "secret")
            .redirectErrorStream(true)
            .start();
    assertTrue(keytool.waitFor(30, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool");
    java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(keystore)) {
      keys.load(in, "secret".toCharArray());
    }
    javax.net.ssl.KeyManagerFactory factory =
        javax.net.ssl.KeyManagerFactory.getInstance(
            javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    factory.init(keys, "secret".toCharArray());
    javax.net.ssl.SSLContext server = javax.net.ssl.SSLContext.getInstance("TLS");
    server.init(factory.getKeyManagers(), null, null);
    StringBuilder alpn = new StringBuilder("http/1.1");
    for (int i = 0; i < 20; i++) {
      alpn.append(",p").append(i).append("x".repeat(100));
    }
    Process openssl =
        new ProcessBuilder(
                "openssl",
                "s_client",
                "-quiet",
                "-connect",
                "127.0.0.1:" + tls,
                "-servername",
                "x.b.test",
                "-alpn",
                alpn.toString(),
                "-max_send_frag",
                "512")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
      assertEquals(1, handoff.slot());
      assertTrue(handoff.message().alreadyRead().length > 2048, "a hello above 2 KiB");
      try (java.nio.channels.SocketChannel channel =
          AcceptorHarness.adoptSocket(
              handoff.fd(), handoff.message().inet6(), handoff.message().remote())) {
        channel.configureBlocking(true);
        javax.net.ssl.SSLSocket tlsSocket =
            (javax.net.ssl.SSLSocket)
                server
                    .getSocketFactory()
                    .createSocket(
                        channel.socket(),
                        new java.io.ByteArrayInputStream(handoff.message().alreadyRead()),
                        true);
        tlsSocket.setUseClientMode(false);
        tlsSocket.startHandshake();
        tlsSocket
            .getOutputStream()
            .write("served over TLS by slot 1\n".getBytes(StandardCharsets.US_ASCII));
        tlsSocket.getOutputStream().flush();
        String received =
            new String(openssl.getInputStream().readNBytes(26), StandardCharsets.US_ASCII);
        assertEquals("served over TLS by slot 1\n", received);
        tlsSocket.close();
      }
    } finally {
      openssl.destroyForcibly();
    }
  }

  static Stream<Arguments> brokenTls() {
    byte[] random = new byte[5 + 256];
    new Random(14).nextBytes(random);
    System.arraycopy(new byte[] {22, 3, 1, 1, 0, 2}, 0, random, 0, 6);
    byte[] decodeError = {21, 3, 3, 0, 2, 2, 50};
    return Stream.of(
        Arguments.of("random bytes after a record header", random, decodeError),
        Arguments.of(
            "a 64 KiB record length",
            ClientHelloReaderTest.concat(
                new byte[] {22, 3, 1, (byte) 0xff, (byte) 0xff}, new byte[100]),
            decodeError),
        Arguments.of(
            "an SSLv2 hello",
            ClientHelloReaderTest.hex("80 2e 01 03 01 00 15 00 00 00 10 01 00 80 07 00 c0"),
            new byte[0]),
        Arguments.of(
            "plain HTTP",
            "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
            new byte[0]));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenTls")
  @Order(4)
  @Timeout(30)
  void brokenTlsInputIsClosedWithoutAnHttpAnswer(String what, byte[] sent, byte[] expected)
      throws Exception {
    try (Socket client = acceptor.connect(tls)) {
      client.getOutputStream().write(sent);
      byte[] received = client.getInputStream().readAllBytes();
      assertArrayEquals(expected, received, what + ": " + Arrays.toString(received));
    }
    acceptor.assertNoHandoff();
  }

  @Test
  @Order(5)
  @Timeout(30)
  void aTruncatedHelloThatStallsIsClosedAfterTheTimeoutWhileOthersAreServed() throws Exception {
    byte[] hello = TlsHellos.captured("openssl-sni");
    try (Socket slow = acceptor.connect(tls)) {
      long start = System.nanoTime();
      slow.getOutputStream().write(Arrays.copyOf(hello, 150));
      assertRoutedOverTls(TlsHellos.captured("curl"), 0, "a.test");
      assertEquals(0, slow.getInputStream().available(), "nothing before the Timeout");
      byte[] received = slow.getInputStream().readAllBytes();
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(0, received.length, "closed, without an alert or an HTTP 408");
      assertTrue(elapsedMillis >= 1900, "closed after " + elapsedMillis + " ms, Timeout is 2 s");
    }
    acceptor.assertNoHandoff();
  }

  @Test
  @Order(6)
  @Timeout(60)
  void h2cWithPriorKnowledgeIsRoutedByItsAuthority() throws Exception {
    byte[] tenant = H2cBytes.connection(H2cBytes.block("A.Test:" + h2c, "/h2", null), 7);
    assertRoutedOverH2c(tenant, 0, "a.test");
    // curl's own bytes name h2.test, which this address does not have: its default host.
    assertRoutedOverH2c(H2cBytes.captured("curl-h2c"), 2, "h2c-default.test");
    Process curl =
        new ProcessBuilder(
                "curl",
                "-s",
                "--http2-prior-knowledge",
                "--max-time",
                "20",
                "--resolve",
                "a.test:" + h2c + ":127.0.0.1",
                "http://a.test:" + h2c + "/live")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
      assertEquals(0, handoff.slot());
      assertFalse(handoff.message().secure());
      assertEquals("a.test", handoff.message().virtualHost());
      byte[] read = handoff.message().alreadyRead();
      assertArrayEquals(
          PriorKnowledgeReader.PREFACE,
          Arrays.copyOf(read, PriorKnowledgeReader.PREFACE.length),
          "the preface is handed on for the child's HTTP/2 to read");
      PriorKnowledgeReader.Outcome outcome =
          new PriorKnowledgeReader(8192, read.length)
              .read(java.nio.ByteBuffer.wrap(read, 24, read.length - 24));
      assertEquals("/live", assertInstanceOf(PriorKnowledgeReader.Request.class, outcome).path());
      Descriptors.close(handoff.fd());
      assertTrue(curl.waitFor(20, TimeUnit.SECONDS), "curl ends when the child closes");
    } finally {
      curl.destroyForcibly();
    }
  }

  @Test
  @Order(7)
  @Timeout(30)
  void h2cWhereTheDefaultHostDoesNotAllowItOrWithBrokenFramesGetsAGoaway() throws Exception {
    assertGoaway(plain, H2cBytes.captured("curl-h2c"), PriorKnowledgeReader.HTTP_1_1_REQUIRED);
    assertGoaway(
        h2c,
        ClientHelloReaderTest.concat(H2cBytes.preface(), H2cBytes.frame(0, 1, 1, new byte[5])),
        PriorKnowledgeReader.PROTOCOL_ERROR);
    acceptor.assertNoHandoff();
  }

  @Test
  @Order(8)
  @Timeout(30)
  void anHttp11UpgradeToH2cIsHandedOffLikeAnyRequest() throws Exception {
    byte[] upgrade = H2cBytes.captured("curl-upgrade");
    for (int port : new int[] {h2c, plain}) {
      try (Socket client = acceptor.connect(port)) {
        client.getOutputStream().write(upgrade);
        AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
        assertEquals(2, handoff.slot());
        assertFalse(handoff.message().secure());
        AcceptorHarness.serveAsChild(handoff, upgrade, "upgraded by the child");
        assertEquals(
            AcceptorHarness.childResponse("upgraded by the child"),
            AcceptorHarness.readToEnd(client.getInputStream()));
      }
    }
  }

  @Test
  @Order(90)
  @Timeout(30)
  void withNoChildForTheTenantATlsConnectionGetsAnAlertNotA503() throws Exception {
    acceptor.gone(1);
    try (Socket client = acceptor.connect(tls)) {
      client.getOutputStream().write(TlsHellos.captured("curl-h2"));
      assertArrayEquals(
          new byte[] {21, 3, 3, 0, 2, 2, 80},
          client.getInputStream().readAllBytes(),
          "a fatal internal_error alert, then the end");
    }
    assertRoutedOverTls(TlsHellos.captured("openssl-sni"), 0, "a.test");
  }

  @Test
  @Order(100)
  @Timeout(30)
  void stopCountsTheClosedConnections() throws Exception {
    acceptor.control.send("STOP".getBytes(StandardCharsets.UTF_8), -1);
    ExitStatus status = acceptor.awaitExit();
    assertTrue(status.exitedWith(0), status + "\n" + acceptor.logText());
    String log = acceptor.logText();
    assertTrue(
        log.contains(
            "answered {}, closed instead of {400=5, 408=1, 503=1, 505=1}, held for a child 1"),
        log);
  }

  /** Sends {@code hello} in two writes; the child of {@code slot} must get it all, and serves. */
  private static void assertRoutedOverTls(byte[] hello, int slot, String virtualHost)
      throws Exception {
    try (Socket client = acceptor.connect(tls)) {
      OutputStream out = client.getOutputStream();
      out.write(hello, 0, 100);
      out.flush();
      out.write(hello, 100, hello.length - 100);
      AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
      assertEquals(slot, handoff.slot(), virtualHost);
      assertTrue(handoff.message().secure(), "an https listener's connection is secure");
      assertEquals(virtualHost, handoff.message().virtualHost());
      assertEquals(0, handoff.message().listenerIndex());
      AcceptorHarness.serveAsChild(handoff, hello, "tls " + virtualHost);
      assertEquals(
          AcceptorHarness.childResponse("tls " + virtualHost),
          AcceptorHarness.readToEnd(client.getInputStream()));
    }
  }

  /** Sends an h2c connection's start; the child of {@code slot} must get it all, and serves. */
  private static void assertRoutedOverH2c(byte[] start, int slot, String virtualHost)
      throws Exception {
    try (Socket client = acceptor.connect(h2c)) {
      client.getOutputStream().write(start);
      AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
      assertEquals(slot, handoff.slot(), virtualHost);
      assertFalse(handoff.message().secure());
      assertEquals(virtualHost, handoff.message().virtualHost());
      assertEquals(1, handoff.message().listenerIndex());
      AcceptorHarness.serveAsChild(handoff, start, "h2c " + virtualHost);
      assertEquals(
          AcceptorHarness.childResponse("h2c " + virtualHost),
          AcceptorHarness.readToEnd(client.getInputStream()));
    }
  }

  /** {@code sent} on {@code port} is answered with SETTINGS and a GOAWAY of {@code errorCode}. */
  private static void assertGoaway(int port, byte[] sent, int errorCode) throws Exception {
    try (Socket client = acceptor.connect(port)) {
      client.getOutputStream().write(sent);
      byte[] expected = new byte[PriorKnowledgeReader.goAway(errorCode).remaining()];
      PriorKnowledgeReader.goAway(errorCode).get(expected);
      assertArrayEquals(expected, client.getInputStream().readAllBytes());
    }
  }

  /** A live client's hello reaches {@code slot}, whole, naming {@code sni}; then it is closed. */
  private static void assertLiveHello(Process client, int slot, String virtualHost, String sni)
      throws Exception {
    try {
      AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
      assertEquals(slot, handoff.slot());
      assertTrue(handoff.message().secure());
      assertEquals(virtualHost, handoff.message().virtualHost());
      byte[] read = handoff.message().alreadyRead();
      ClientHelloReader.Outcome outcome =
          new ClientHelloReader().read(java.nio.ByteBuffer.wrap(read));
      ClientHelloReader.ServerName name =
          assertInstanceOf(ClientHelloReader.ServerName.class, outcome);
      assertEquals(sni, name.serverName());
      assertEquals(read.length, name.length(), "the whole hello and nothing else");
      Descriptors.close(handoff.fd());
      assertTrue(client.waitFor(20, TimeUnit.SECONDS), "the client ends when the child closes");
    } finally {
      client.destroyForcibly();
    }
  }
}
