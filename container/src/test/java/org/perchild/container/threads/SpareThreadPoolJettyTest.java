package org.perchild.container.threads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pool under a real Jetty server on loopback: MaxThreadsPerChild counts requests. */
@Timeout(30)
class SpareThreadPoolJettyTest {

  private Server server;

  @AfterEach
  void stopServer() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  /** Sleeps like a slow servlet and records how many requests it serves at once. */
  private static final class SlowHandler extends Handler.Abstract {
    final AtomicInteger serving = new AtomicInteger();
    final AtomicInteger mostServing = new AtomicInteger();

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      mostServing.accumulateAndGet(serving.incrementAndGet(), Math::max);
      try {
        Thread.sleep(300);
      } finally {
        serving.decrementAndGet();
      }
      response.setStatus(200);
      Content.Sink.write(response, true, "ok", callback);
      return true;
    }
  }

  @Test
  void twentySlowRequestsAreServedEightAtATimeBesideJettysOwnThreads() throws Exception {
    SpareThreadPool pool =
        new SpareThreadPool(
            "perchild-web",
            new SpareThreadSettings(2, 1, 4, 8, 8, Duration.ofSeconds(1)),
            new ManualTicker());
    server = new Server(pool);
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    SlowHandler handler = new SlowHandler();
    server.setHandler(handler);
    server.start();

    int leased = pool.status().leased();
    assertEquals(
        connector.getAcceptors() + connector.getSelectorManager().getSelectorCount(), leased);
    assertTrue(leased >= 2, "an acceptor and a selector at least");

    URI uri = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/");
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build();
      responses.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> response : responses) {
      HttpResponse<String> answer = response.join();
      assertEquals(200, answer.statusCode());
      assertEquals("ok", answer.body());
    }

    // Exactly eight: the acceptor and selector threads neither took slots from the eight nor
    // let a ninth request through.
    assertEquals(8, handler.mostServing.get());
    SpareThreadStatus status = pool.status();
    assertEquals(8, status.busyHighWater());
    assertTrue(status.total() <= 8 + leased, status.toString());
    assertEquals(8 + leased, pool.getHardMaxThreads());
  }
}
