package org.perchild.container.handoff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.container.handoff.TestAcceptor.Accepted;
import org.perchild.container.handoff.TestAcceptor.Listener;
import org.perchild.container.handoff.TestAcceptor.Read;

/**
 * The hand-off connector's graceful drain: it takes hand-offs until they have ended, then waits for
 * its connections in flight, and only then refuses as Jetty's connectors do.
 */
class HandoffConnectorDrainTest {

  /** The hand-off channel's end, as the receiver's shutdown would report it. */
  private final CompletableFuture<Void> handOffsEnded = new CompletableFuture<>();

  private Server server;
  private HandoffConnector connector;

  @BeforeEach
  void startServer() throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(50, 4);
    threads.setName("test-drain");
    server = new Server(threads);
    connector = new HandoffConnector(server, new HttpConfiguration());
    connector.drainAfter(
        new Graceful() {
          @Override
          public CompletableFuture<Void> shutdown() {
            return handOffsEnded;
          }

          @Override
          public boolean isShutdown() {
            return true;
          }
        },
        Duration.ofSeconds(20));
    server.addConnector(connector);
    server.setHandler(
        new MisdirectedRequestHandler(Set.of("www.example")::contains, new ProbeHandler()));
    server.start();
  }

  @AfterEach
  void stopServer() throws Exception {
    server.stop();
  }

  @Test
  @Timeout(30)
  void takesHandOffsUntilTheyEndThenWaitsForItsConnections() throws Exception {
    CompletableFuture<Void> drained;
    try (TestAcceptor acceptor = new TestAcceptor(Listener.IPV4);
        RawHttpClient kept = new RawHttpClient(acceptor.clientTarget())) {
      kept.get("www.example", "/before", false);
      handOff(acceptor);
      assertEquals(200, kept.readResponse().status());

      drained = Graceful.shutdown(server);
      assertFalse(drained.isDone());
      assertFalse(connector.isShutdown(), "refusing while hand-offs may still come");
      // A connection the acceptor handed over before the channel ended is served.
      try (RawHttpClient late = new RawHttpClient(acceptor.clientTarget())) {
        late.get("www.example", "/during", true);
        handOff(acceptor);
        assertEquals(200, late.readResponse().status());
      }
      handOffsEnded.complete(null);
      // The kept-alive connection is still in flight, and still served.
      assertEquals(200, kept.get("www.example", "/still", false).readResponse().status());
      assertFalse(drained.isDone());
      assertFalse(connector.isShutdown());
    }
    // The last connection closed: the drain is over, and only now does the connector refuse.
    drained.get(10, TimeUnit.SECONDS);
    assertEquals(0, connector.getInFlight());
    assertTrue(connector.isShutdown());
    assertEquals(0, connector.getFailed());
  }

  private void handOff(TestAcceptor acceptor) throws IOException {
    Accepted accepted = acceptor.accept(Read.UNTIL_HEAD);
    connector.handOff(accepted.fd(), accepted.family(), accepted.alreadyRead(), null);
  }
}
