package org.perchild.container;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.perchild.container.ChildProcessFixture.Response;

/**
 * The spare-thread pool in a real child: MaxThreadsPerChild 8 serves 20 slow requests 8 at a time,
 * all of them complete, and afterwards the idle threads fall back to MaxSpareThreads within a few
 * maintenance ticks, counted from the child's {@code /proc/PID/task}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChildThreadsProcessTest {

  private static final int REQUESTS = 20;
  private ChildProcessFixture child;

  @BeforeAll
  @Timeout(60)
  void spawnChild() throws Exception {
    ChildProcessFixture.assumeRoot();
    child =
        new ChildProcessFixture(
            ChildProcessFixture.TENANT,
            ChildProcessFixture.TENANT,
            List.of(
                "StartThreads 2",
                "MinSpareThreads 2",
                "MaxSpareThreads 4",
                "MaxThreadsPerChild 8",
                "ThreadLimit 8"));
    String log = child.log();
    assertEquals("READY " + child.pid, child.receiveControl(), log);
  }

  @AfterAll
  void killChild() throws Exception {
    if (child != null) {
      child.close();
    }
  }

  /** The threads of the child's request pool: named perchild-40123-N (comm keeps 15 chars). */
  private long poolThreads() throws IOException {
    String prefix = "perchild-" + ChildProcessFixture.TENANT + "-";
    try (Stream<Path> tasks = Files.list(Path.of("/proc/" + child.pid + "/task"))) {
      return tasks
          .filter(
              task -> {
                try {
                  return Files.readString(task.resolve("comm")).trim().startsWith(prefix);
                } catch (IOException e) {
                  return false; // the thread has just ended
                }
              })
          .count();
    }
  }

  @Test
  @Timeout(120)
  void eightAtOnceThenBackToMaxSpareThreads() throws Exception {
    // The idle pool settles (MinSpareThreads 2, plus the threads Jetty leases for selecting)
    // within a tick or two of the start; the baseline is that settled count.
    long[] settled = {-1};
    await()
        .during(Duration.ofMillis(2500))
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              long now = poolThreads();
              boolean same = now == settled[0];
              settled[0] = now;
              return same;
            });
    long baseline = settled[0];

    ExecutorService clients = Executors.newFixedThreadPool(REQUESTS);
    List<Future<Response>> responses = new ArrayList<>();
    try {
      for (int i = 0; i < REQUESTS; i++) {
        responses.add(
            clients.submit(
                () -> {
                  try (Socket socket = new Socket()) {
                    socket.connect(child.address(), 5_000);
                    socket.setSoTimeout(30_000);
                    socket
                        .getOutputStream()
                        .write(
                            ("GET /slow?ms=700 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
                                .getBytes(US_ASCII));
                    InputStream in = socket.getInputStream();
                    return ChildProcessFixture.readResponse(in);
                  }
                }));
        child.acceptAndHandOff();
      }
      int most = 0;
      for (Future<Response> future : responses) {
        Response response = future.get();
        assertEquals(200, response.status(), response::toString);
        most = Math.max(most, Integer.parseInt(response.body().trim().substring("most=".length())));
      }
      assertEquals(8, most, "requests served at once by a child with MaxThreadsPerChild 8");
    } finally {
      clients.shutdownNow();
    }

    // Idle threads: 8 after the burst, trimmed to MaxSpareThreads 4 by the 1 s ticks: two more
    // than the settled MinSpareThreads 2.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertEquals(baseline + 2, poolThreads(), "pool threads, baseline " + baseline));
  }
}
