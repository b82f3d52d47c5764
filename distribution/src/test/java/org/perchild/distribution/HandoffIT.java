package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invariant 5 and the acceptor's own answers, over real sockets: a 100 MB upload handed from the
 * acceptor to a child arrives byte-exact (also when the acceptor's first read already holds part of
 * the body), and every head no child should see is answered by the acceptor itself and closed,
 * without disturbing the next client.
 */
@Timeout(300)
class HandoffIT {

  private static final String HOST = "h.test";
  private static final int UPLOAD_BYTES = 100 * 1024 * 1024;

  private static LaunchedServer server;
  private static Path upload;
  private static String uploadSha256;

  @BeforeAll
  static void startServer() throws Exception {
    LaunchedServer.requireRoot();
    LaunchedServer.ensureAccount("tenanth", "tenanth");
    server =
        LaunchedServer.start(
            "perchild-handoff",
            Map.of("h", LaunchedServer.TREE.resolve("webapps/localhost/whoami.war")),
            port ->
                String.join(
                    "\n",
                    "Listen 127.0.0.1:" + port,
                    "User #65534",
                    "Group #65534",
                    "NumServers 1",
                    "ChildPerUserID tenanth tenanth 1",
                    "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                    "Timeout 3",
                    "<VirtualHost *:" + port + ">",
                    "  ServerName " + HOST,
                    "  AssignUserID tenanth tenanth",
                    "  AppBase webapps/h",
                    "</VirtualHost>",
                    ""),
            1);
    // Seeded, so that a failure can be replayed with the same bytes.
    upload = Files.createTempFile("perchild-upload", ".bin");
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    Random random = new Random(20_260_529L);
    byte[] chunk = new byte[1024 * 1024];
    try (OutputStream out = Files.newOutputStream(upload)) {
      for (int written = 0; written < UPLOAD_BYTES; written += chunk.length) {
        random.nextBytes(chunk);
        sha256.update(chunk);
        out.write(chunk);
      }
    }
    uploadSha256 = HexFormat.of().formatHex(sha256.digest());
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (upload != null) {
      Files.deleteIfExists(upload);
    }
    if (server != null) {
      server.stop();
    }
  }

  @AfterEach
  void noErrorLogged() throws Exception {
    assertEquals(List.of(), server.unexpectedErrors());
  }

  private static String url() {
    return "http://127.0.0.1:" + server.port + "/";
  }

  /** A plain GET through curl, which must be served by the child: the acceptor still works. */
  private static void assertServed() throws Exception {
    String json =
        LaunchedServer.run(
            "curl", "-sS", "--fail", "--max-time", "10", "-H", "Host: " + HOST, url());
    assertEquals(HOST, JsonFields.field(json, "vhost"), json);
  }

  /** Everything the server sends until it closes the connection. */
  private static String readToEnd(Socket socket) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    socket.getInputStream().transferTo(all);
    return all.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void curlUploadOf100MbArrivesByteExact() throws Exception {
    String json =
        LaunchedServer.run(
            "curl",
            "-sS",
            "--fail",
            "--max-time",
            "120",
            "-H",
            "Host: " + HOST,
            "-H",
            "Content-Type: application/octet-stream",
            "--data-binary",
            "@" + upload,
            url());
    assertEquals(Integer.toString(UPLOAD_BYTES), JsonFields.field(json, "bytes"), json);
    assertEquals(uploadSha256, JsonFields.field(json, "sha256"), json);
  }

  /**
   * The head and the first 32 KB of body in one write(), so the acceptor's first read holds body
   * bytes that it must pass on with the socket, ahead of what the child reads itself.
   */
  @Test
  void bodyBytesReadByTheAcceptorArriveFirstAndByteExact() throws Exception {
    byte[] head =
        ("POST / HTTP/1.1\r\nHost: "
                + HOST
                + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                + UPLOAD_BYTES
                + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    String response;
    try (Socket socket = new Socket("127.0.0.1", server.port);
        InputStream body = Files.newInputStream(upload)) {
      socket.setSoTimeout(120_000);
      OutputStream out = socket.getOutputStream();
      byte[] first = new byte[head.length + 32 * 1024];
      System.arraycopy(head, 0, first, 0, head.length);
      int firstBody = body.readNBytes(first, head.length, 32 * 1024);
      assertEquals(32 * 1024, firstBody);
      out.write(first);
      body.transferTo(out);
      out.flush();
      response = readToEnd(socket);
    }
    assertTrue(response.startsWith("HTTP/1.1 200"), response);
    assertEquals(Integer.toString(UPLOAD_BYTES), JsonFields.field(response, "bytes"), response);
    assertEquals(uploadSha256, JsonFields.field(response, "sha256"), response);
  }

  static Stream<Arguments> badHeads() {
    byte[] garbage = new byte[512];
    new Random(7).nextBytes(garbage);
    garbage[0] = 0; // never a method's first byte, whatever the seed gives
    return Stream.of(
        Arguments.of("HTTP/1.1 without Host", ascii("GET / HTTP/1.1\r\n\r\n"), 400),
        Arguments.of(
            "a 20 KB header field",
            ascii(
                "GET / HTTP/1.1\r\nHost: "
                    + HOST
                    + "\r\nX-Big: "
                    + "a".repeat(20_480)
                    + "\r\n\r\n"),
            431),
        Arguments.of(
            "a 10 KB request line",
            ascii("GET /" + "a".repeat(10_240) + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n"),
            414),
        Arguments.of("garbage bytes", garbage, 400),
        Arguments.of("HTTP/2.0", ascii("GET / HTTP/2.0\r\nHost: " + HOST + "\r\n\r\n"), 505));
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("badHeads")
  void badHeadIsAnsweredByTheAcceptorAndClosed(String what, byte[] request, int status)
      throws Exception {
    String response;
    try (Socket socket = new Socket("127.0.0.1", server.port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request);
      response = readToEnd(socket);
    }
    assertTrue(response.startsWith("HTTP/1.1 " + status + " "), what + ": " + response);
    assertTrue(response.contains("\r\nServer: Perchild\r\n"), what + ": " + response);
    assertTrue(response.contains("\r\nConnection: close\r\n"), what + ": " + response);
    assertServed();
  }

  /**
   * A client that sends half a head and stalls holds no one up: another client is served while it
   * waits, and it gets 408 once {@code Timeout 3} has passed.
   */
  @Test
  void stalledHeadGets408AfterTheTimeoutWhileOthersAreServed() throws Exception {
    try (Socket stalled = new Socket("127.0.0.1", server.port)) {
      stalled.setSoTimeout(20_000);
      long sent = System.nanoTime();
      stalled.getOutputStream().write(ascii("GET / HTTP/1.1\r\nHost: h.te"));
      CompletableFuture<Long> timedOut =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  String response = readToEnd(stalled);
                  assertTrue(response.startsWith("HTTP/1.1 408 "), response);
                  return System.nanoTime();
                } catch (IOException e) {
                  throw new AssertionError(e);
                }
              });
      assertServed();
      long served = System.nanoTime();
      assertTrue(!timedOut.isDone(), "the stalled client was answered before the other one");
      await().atMost(15, SECONDS).until(timedOut::isDone);
      long answered = timedOut.join();
      assertTrue(served < answered, "the other client must be served before the 408");
      Duration waited = Duration.ofNanos(answered - sent);
      assertTrue(
          waited.compareTo(Duration.ofMillis(2_900)) >= 0
              && waited.compareTo(Duration.ofSeconds(10)) < 0,
          "408 after " + waited + ", Timeout is 3 s");
    }
    assertServed();
  }
}
