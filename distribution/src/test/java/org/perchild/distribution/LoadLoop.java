package org.perchild.distribution;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.perchild.testsupport.Http;

/**
 * Requests in a loop on new connections, from a few threads, while a test breaks something: counts
 * what succeeded and keeps every failure's reason. Bounded in time by its caller, who stops it.
 */
final class LoadLoop implements AutoCloseable {

  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger ok = new AtomicInteger();
  private final List<String> failures = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();

  /** Starts {@code clients} threads requesting {@code GET /} of {@code host} on the port. */
  LoadLoop(int port, String host, int clients) {
    this(port, host, "/", clients);
  }

  /** Starts {@code clients} threads requesting {@code GET path} of {@code host} on the port. */
  LoadLoop(int port, String host, String path, int clients) {
    for (int i = 0; i < clients; i++) {
      Thread thread =
          new Thread(
              () -> {
                while (running.get()) {
                  String outcome = request(port, host, path);
                  if (outcome == null) {
                    ok.incrementAndGet();
                  } else {
                    synchronized (failures) {
                      failures.add(outcome);
                    }
                  }
                }
              },
              "load-" + host + "-" + i);
      thread.setDaemon(true);
      thread.start();
      threads.add(thread);
    }
  }

  /** Null for a 200, else what went wrong. */
  private static String request(int port, String host, String path) {
    try {
      Http.Reply reply = Http.exchange(port, "GET", path, "HTTP/1.1", host, "Connection: close");
      return reply.statusLine().startsWith("HTTP/1.1 200 ")
          ? null
          : host + path + ": " + reply.statusLine();
    } catch (IOException e) {
      return host + ": " + e;
    }
  }

  int succeeded() {
    return ok.get();
  }

  List<String> failures() {
    synchronized (failures) {
      return List.copyOf(failures);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread thread : threads) {
      thread.join(30_000);
    }
  }
}
