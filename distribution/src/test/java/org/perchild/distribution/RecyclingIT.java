package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * MaxRequestsPerChild 50 under a steady load on a tenant with a single child: each retiring child
 * gets its replacement first, then finishes what it has and exits; not one request fails.
 */
@Timeout(300)
class RecyclingIT {

  private static LaunchedServer server;

  @BeforeAll
  static void start() throws Exception {
    LaunchedServer.requireRoot();
    server =
        LaunchedServer.startFallbackAndTenant(
            "perchild-recyclingit", "recycled", List.of("MaxRequestsPerChild 50"), List.of());
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void retiringChildrenAreReplacedWithoutAFailedRequest() throws Exception {
    List<String> failures;
    int served;
    try (LoadLoop tenant = new LoadLoop(server.port, "tenant.test", 2)) {
      // While its replacement starts, the scoreboard shows the retiring child as RETIRING.
      await()
          .atMost(60, SECONDS)
          .pollInterval(200, java.util.concurrent.TimeUnit.MILLISECONDS)
          .until(
              () ->
                  LaunchedServer.run(
                          LaunchedServer.TREE.resolve("bin/perchild").toString(),
                          "-d",
                          server.root.toString(),
                          "status")
                      .contains(" RETIRING "));
      await()
          .atMost(120, SECONDS)
          .until(() -> server.count("child \\d+ \\(retired\\) exited: .* exited with code 0") >= 3);
      tenant.close();
      failures = tenant.failures();
      served = tenant.succeeded();
    }
    assertEquals(List.of(), failures, "requests failed while children were recycled");
    assertTrue(served >= 150, "served " + served);
    assertTrue(server.count("perchild - child \\d+ retiring: pid \\d+") >= 3);
    assertEquals(List.of(), server.unexpectedErrors());
  }
}
