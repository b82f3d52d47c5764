package org.perchild.container.handoff;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.perchild.container.handoff.RawHttpClient.Response;
import org.perchild.container.handoff.TestAcceptor.Accepted;
import org.perchild.container.handoff.TestAcceptor.Listener;
import org.perchild.container.handoff.TestAcceptor.Read;
import org.perchild.posix.Native;

/**
 * A Jetty server with a {@link HandoffConnector}, fed by a {@link TestAcceptor} on loopback: real
 * clients, real sockets, real descriptors passed as ints.
 */
class HandoffConnectorTest {

  private static final Set<String> SERVED = Set.of("www.example", "alias.example");

  private Server server;
  private HandoffConnector connector;
  private MisdirectedRequestHandler misdirected;

  @BeforeEach
  void startServer() throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(200, 8);
    threads.setName("test-child");
    server = new Server(threads);
    connector = new HandoffConnector(server, new HttpConfiguration());
    server.addConnector(connector);
    misdirected = new MisdirectedRequestHandler(SERVED::contains, new ProbeHandler());
    server.setHandler(misdirected);
    server.start();
  }

  @AfterEach
  void stopServer() throws Exception {
    server.stop();
  }

  @ParameterizedTest
  @EnumSource(Listener.class)
  @Timeout(30)
  void servesTheConnectionWithTheClientsAddressesAndKeepsItAlive(Listener listener)
      throws Exception {
    try (TestAcceptor acceptor = new TestAcceptor(listener);
        RawHttpClient client = new RawHttpClient(acceptor.clientTarget())) {
      client.get("www.example", "/first", false);
      handOff(acceptor, Read.UNTIL_HEAD, "listener-0");

      Response first = client.readResponse();
      assertEquals(200, first.status(), first.body());
      String remote =
          client.socket.getLocalAddress().getHostAddress() + "|" + client.socket.getLocalPort();
      String local =
          client.socket.getInetAddress().getHostAddress() + "|" + client.socket.getPort();
      assertEquals(
          "remote="
              + remote
              + " local="
              + local
              + " host=www.example socket-local="
              + local
              + " attachment=listener-0",
          first.body());

      // The same connection, now read by Jetty from the socket itself.
      Response second = client.get("ALIAS.example:8080", "/second", false).readResponse();
      assertEquals(200, second.status(), second.body());
      assertTrue(second.body().contains(" host=ALIAS.example "), second.body());
      assertEquals(1, connector.getHandedOff());
      assertEquals(1, connector.getInFlight());
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> connector.getInFlight() == 0);
    assertEquals(0, connector.getFailed());
  }

  @Test
  @Timeout(30)
  void aProxyHeadersAddressesAreTheRequestsAndTheSocketsStayForRouting() throws Exception {
    try (TestAcceptor acceptor = new TestAcceptor(Listener.IPV4);
        RawHttpClient client = new RawHttpClient(acceptor.clientTarget())) {
      client.get("www.example", "/", false);
      Accepted accepted = acceptor.accept(Read.UNTIL_HEAD);
      java.net.InetSocketAddress source =
          new java.net.InetSocketAddress(java.net.InetAddress.getByName("203.0.113.7"), 40123);
      java.net.InetSocketAddress destination =
          new java.net.InetSocketAddress(java.net.InetAddress.getByName("198.51.100.1"), 443);
      java.net.InetSocketAddress peer =
          new java.net.InetSocketAddress(
              client.socket.getLocalAddress(), client.socket.getLocalPort());
      java.net.InetSocketAddress socketLocal =
          new java.net.InetSocketAddress(client.socket.getInetAddress(), client.socket.getPort());
      org.perchild.protocol.HandoffMessage message =
          new org.perchild.protocol.HandoffMessage(
              0,
              false,
              false,
              peer,
              socketLocal,
              new org.perchild.protocol.HandoffMessage.Proxied(source, destination),
              "www.example",
              new byte[0]);
      connector.handOff(accepted.fd(), accepted.family(), accepted.alreadyRead(), message);

      Response response = client.readResponse();
      assertEquals(200, response.status(), response.body());
      assertTrue(
          response
              .body()
              .startsWith(
                  "remote=203.0.113.7|40123 local=198.51.100.1|443 host=www.example socket-local="
                      + ProbeHandler.format(socketLocal)
                      + " "),
          response.body());
    }
  }

  @Test
  @Timeout(30)
  void answers421AndClosesForAHostThisChildDoesNotServe() throws Exception {
    try (TestAcceptor acceptor = new TestAcceptor(Listener.IPV4);
        RawHttpClient client = new RawHttpClient(acceptor.clientTarget())) {
      client.get("other.example", "/", false);
      handOff(acceptor, Read.UNTIL_HEAD, null);

      Response response = client.readResponse();
      assertEquals(421, response.status());
      assertEquals("close", response.header("Connection"));
      assertTrue(client.closedByServer());
    }
    assertEquals(1, misdirected.getMisdirected());
  }

  @Test
  @Timeout(30)
  void answers421AndClosesWhenAKeepAliveConnectionIsReusedForAnotherHost() throws Exception {
    try (TestAcceptor acceptor = new TestAcceptor(Listener.DUAL_STACK);
        RawHttpClient client = new RawHttpClient(acceptor.clientTarget())) {
      client.get("www.example", "/", false);
      handOff(acceptor, Read.UNTIL_HEAD, null);
      assertEquals(200, client.readResponse().status());

      Response response = client.get("Tenant-B.example:80", "/", false).readResponse();
      assertEquals(421, response.status());
      assertEquals("close", response.header("Connection"));
      assertTrue(client.closedByServer());
    }
    assertEquals(1, misdirected.getMisdirected());
  }

  @Test
  @Timeout(30)
  void theFirstRequestIsServedByTheThreadThatOpenedTheConnectionTheNextAsJettyDispatches()
      throws Exception {
    List<String> openedBy = new CopyOnWriteArrayList<>();
    connector.addEventListener(
        new Connection.Listener() {
          @Override
          public void onOpened(Connection connection) {
            openedBy.add(Thread.currentThread().getName());
          }
        });
    try (TestAcceptor acceptor = new TestAcceptor(Listener.IPV4);
        RawHttpClient client = new RawHttpClient(acceptor.clientTarget())) {
      client.get("www.example", "/thread", false);
      handOff(acceptor, Read.UNTIL_HEAD, null);
      Response first = client.readResponse();
      assertEquals(200, first.status(), first.body());
      assertEquals(List.of(first.body()), openedBy);

      // Read from the socket by Jetty itself: keep-alive goes on as usual.
      Response second = client.get("www.example", "/thread", false).readResponse();
      assertEquals(200, second.status(), second.body());
      assertTrue(second.body().startsWith("test-child-"), second.body());
    }
    assertEquals(0, connector.getFailed());
  }

  @ParameterizedTest
  @EnumSource(
      value = Read.class,
      names = {"EXACT_HEAD", "FULL_BUFFER"})
  @Timeout(120)
  void a100MegabyteUploadArrivesByteExact(Read read) throws Exception {
    long length = 100L * 1024 * 1024;
    try (TestAcceptor acceptor = new TestAcceptor(Listener.IPV4);
        RawHttpClient client = new RawHttpClient(acceptor.clientTarget())) {
      byte[] head =
          ("POST /sha256 HTTP/1.1\r\nHost: www.example\r\nContent-Type: application/octet-stream"
                  + "\r\nContent-Length: "
                  + length
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(ISO_8859_1);
      CompletableFuture<String> sent =
          CompletableFuture.supplyAsync(() -> upload(client.output(), head, length, read));

      Accepted accepted = acceptor.accept(read);
      int bodyBytesRead = accepted.alreadyRead().remaining() - accepted.headLength();
      if (read == Read.FULL_BUFFER) {
        assertTrue(bodyBytesRead > 0, "the acceptor read no body bytes");
      } else {
        assertEquals(0, bodyBytesRead);
      }
      connector.handOff(accepted.fd(), accepted.family(), accepted.alreadyRead(), null);

      String expected = sent.get(100, TimeUnit.SECONDS);
      Response response = client.readResponse();
      assertEquals(200, response.status(), response.body());
      assertEquals("sha256=" + expected + " length=" + length, response.body());
    }
  }

  @Test
  @Timeout(120)
  void manySequentialHandOffsSucceedAndLeakNoDescriptor() throws Exception {
    try (TestAcceptor acceptor = new TestAcceptor(Listener.DUAL_STACK)) {
      exchange(acceptor, "/warm-up");
      awaitIdle();
      long baseline = openDescriptors();

      for (int i = 0; i < 200; i++) {
        exchange(acceptor, "/" + i);
      }

      awaitIdle();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertTrue(openDescriptors() <= baseline));
      assertEquals(201, connector.getHandedOff());
      assertEquals(0, connector.getFailed());
      assertTrue(connector.dump().contains("handedOff=201, inFlight=0"), connector.dump());
    }
  }

  @Test
  @Timeout(120)
  void fiftyConcurrentHandOffsSucceedAndLeakNoDescriptor() throws Exception {
    int clients = 50;
    ExecutorService pool = Executors.newFixedThreadPool(clients + 4);
    try (TestAcceptor acceptor = new TestAcceptor(Listener.IPV4)) {
      exchange(acceptor, "/warm-up");
      awaitIdle();
      long baseline = openDescriptors();

      List<CompletableFuture<Response>> responses = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        String path = "/client-" + i;
        responses.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try (RawHttpClient client = new RawHttpClient(acceptor.clientTarget())) {
                    return client.get("www.example", path, true).readResponse();
                  } catch (IOException e) {
                    throw new IllegalStateException(e);
                  }
                },
                pool));
      }
      // Accept on one thread, as the acceptor does; hand off from several at once.
      List<CompletableFuture<Void>> handOffs = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        Accepted accepted = acceptor.accept(Read.UNTIL_HEAD);
        handOffs.add(
            CompletableFuture.runAsync(
                () ->
                    connector.handOff(
                        accepted.fd(), accepted.family(), accepted.alreadyRead(), null),
                pool));
      }
      CompletableFuture.allOf(handOffs.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      for (CompletableFuture<Response> response : responses) {
        assertEquals(200, response.get(30, TimeUnit.SECONDS).status());
      }

      awaitIdle();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertTrue(openDescriptors() <= baseline));
      assertEquals(clients + 1, connector.getHandedOff());
      assertEquals(0, connector.getFailed());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @Timeout(30)
  void aHandOffWhoseBytesDoNotFitIsClosedAndTheConnectorKeepsServing() throws Exception {
    try (TestAcceptor acceptor = new TestAcceptor(Listener.IPV4)) {
      exchange(acceptor, "/warm-up");
      awaitIdle();
      long baseline = openDescriptors();

      try (RawHttpClient client = new RawHttpClient(acceptor.clientTarget())) {
        client.get("www.example", "/", false);
        Accepted accepted = acceptor.accept(Read.UNTIL_HEAD);
        // More than the connection's 8 KiB input buffer: serving it would drop bytes.
        ByteBuffer tooMuch = ByteBuffer.allocate(3 * TestAcceptor.BUFFER_SIZE);
        connector.handOff(accepted.fd(), accepted.family(), tooMuch, null);
        assertTrue(client.closedByServer());
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> connector.getFailed() == 1);

      exchange(acceptor, "/after");
      awaitIdle();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertTrue(openDescriptors() <= baseline));
      assertEquals(1, connector.getFailed());
    }
  }

  @Test
  @Timeout(30)
  void aDescriptorThatIsNotASocketIsClosedAndCounted() throws Exception {
    long baseline = openDescriptors();
    int fd = Native.posix().open("/dev/null", 0, 0);
    assertTrue(fd >= 0, "open /dev/null");

    connector.handOff(fd, StandardProtocolFamily.INET, ByteBuffer.allocate(0), null);

    assertEquals(1, connector.getFailed());
    assertEquals(0, connector.getInFlight());
    assertTrue(openDescriptors() <= baseline);
  }

  @Test
  @Timeout(30)
  void aStoppedConnectorClosesWhatItIsHanded() throws Exception {
    try (TestAcceptor acceptor = new TestAcceptor(Listener.IPV4);
        RawHttpClient client = new RawHttpClient(acceptor.clientTarget())) {
      client.get("www.example", "/", false);
      Accepted accepted = acceptor.accept(Read.UNTIL_HEAD);
      connector.stop();

      connector.handOff(accepted.fd(), accepted.family(), accepted.alreadyRead(), null);

      assertTrue(client.closedByServer());
      assertEquals(1, connector.getFailed());
      assertEquals(0, connector.getInFlight());
    }
  }

  private void handOff(TestAcceptor acceptor, Read read, Object attachment) throws IOException {
    Accepted accepted = acceptor.accept(read);
    connector.handOff(accepted.fd(), accepted.family(), accepted.alreadyRead(), attachment);
  }

  /** One request on its own connection, which the server closes after the response. */
  private void exchange(TestAcceptor acceptor, String path) throws IOException {
    try (RawHttpClient client = new RawHttpClient(acceptor.clientTarget())) {
      client.get("www.example", path, true);
      handOff(acceptor, Read.UNTIL_HEAD, null);
      Response response = client.readResponse();
      assertEquals(200, response.status(), response.body());
      assertTrue(client.closedByServer());
    }
  }

  private void awaitIdle() {
    await().atMost(Duration.ofSeconds(10)).until(() -> connector.getInFlight() == 0);
  }

  private static long openDescriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  /** Writes the head and a pseudo-random body of {@code length} bytes; returns its SHA-256. */
  private static String upload(OutputStream out, byte[] head, long length, Read read) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      SplittableRandom random = new SplittableRandom(length);
      byte[] chunk = new byte[64 * 1024];
      boolean first = true;
      if (read != Read.FULL_BUFFER) {
        out.write(head);
        out.flush();
      }
      for (long sent = 0; sent < length; ) {
        int n = (int) Math.min(chunk.length, length - sent);
        random.nextBytes(chunk);
        sha256.update(chunk, 0, n);
        if (first && read == Read.FULL_BUFFER) {
          // The head and the start of the body in one write, so one read can take both.
          byte[] together = new byte[head.length + n];
          System.arraycopy(head, 0, together, 0, head.length);
          System.arraycopy(chunk, 0, together, head.length, n);
          out.write(together);
        } else {
          out.write(chunk, 0, n);
        }
        first = false;
        sent += n;
      }
      out.flush();
      return HexFormat.of().formatHex(sha256.digest());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
