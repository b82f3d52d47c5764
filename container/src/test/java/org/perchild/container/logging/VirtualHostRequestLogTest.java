package org.perchild.container.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
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
import org.junit.jupiter.api.io.TempDir;
import org.perchild.config.ChildGroup;
import org.perchild.config.ConnectionSettings;
import org.perchild.config.CustomLog;
import org.perchild.config.VirtualHost;
import org.perchild.posix.Account;
import org.perchild.posix.GroupAccount;
import org.perchild.testsupport.Http;

/**
 * The request log in a real Jetty server on loopback: each request's line goes to the logs of the
 * virtual host it was routed to, and only there; a 421 goes nowhere.
 */
@Timeout(30)
class VirtualHostRequestLogTest {

  @TempDir Path dir;
  private Server server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  private static VirtualHost host(String name, CustomLog... logs) {
    ChildGroup group =
        new ChildGroup(
            new Account("nobody", 65534, 65534, "/"),
            new GroupAccount("nogroup", 65534),
            1,
            List.of(),
            true,
            null,
            0);
    return new VirtualHost(
        name,
        List.of(),
        List.of(),
        group,
        null,
        null,
        Path.of("/dev/null"),
        "warn",
        List.of(logs),
        ConnectionSettings.DEFAULTS,
        null,
        0,
        List.of(),
        List.of());
  }

  /** Routes a.test and b.test as ChildServer does (the attribute), answers 421 for the rest. */
  private int start(VirtualHost a, VirtualHost b, VirtualHostRequestLog log) throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            String name = Request.getServerName(request);
            VirtualHost chosen = "a.test".equals(name) ? a : "b.test".equals(name) ? b : null;
            if (chosen == null) {
              response.setStatus(421);
              callback.succeeded();
              return true;
            }
            request.setAttribute(VirtualHostRequestLog.VIRTUAL_HOST, chosen);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
            if (request.getHttpURI().getPath().equals("/empty")) {
              response.setStatus(204);
              callback.succeeded();
            } else {
              Content.Sink.write(response, true, "hello " + name + "\n", callback);
            }
            return true;
          }
        });
    server.setRequestLog(log);
    server.start();
    return connector.getLocalPort();
  }

  private static String get(int port, String head) throws Exception {
    return Http.raw(port, head);
  }

  @Test
  void eachHostsLinesGoToItsOwnLogsOnly() throws Exception {
    Path aLog = dir.resolve("a_log");
    Path bLog = dir.resolve("b_log");
    Path shared = dir.resolve("shared_log");
    String combined = AccessLogFormatTest.COMBINED;
    VirtualHost a =
        host(
            "a.test",
            new CustomLog(aLog, combined, null, 0),
            new CustomLog(shared, "%v %>s %D", null, 0));
    VirtualHost b =
        host(
            "b.test",
            new CustomLog(bLog, "%v \"%r\" %>s %b %B %{Content-Type}o", null, 0),
            new CustomLog(shared, "%v %>s %D", null, 0));
    VirtualHostRequestLog log = new VirtualHostRequestLog(List.of(a, b), ZoneOffset.UTC);
    assertEquals(List.of(aLog, shared, bLog), log.files());
    Files.writeString(aLog, "earlier line\n"); // opened for appending, never truncated
    int port = start(a, b, log);

    get(
        port,
        "GET /x%20y?q=1 HTTP/1.1\r\nHost: a.test\r\nReferer: http://r.test/\r\n"
            + "User-Agent: curl/8 \"quoted\"\r\nConnection: close\r\n\r\n");
    get(port, "GET /empty HTTP/1.1\r\nHost: b.test\r\nConnection: close\r\n\r\n");
    String misdirected = get(port, "GET /c HTTP/1.1\r\nHost: c.test\r\nConnection: close\r\n\r\n");
    assertTrue(misdirected.startsWith("HTTP/1.1 421"), misdirected);
    // The request log runs once the response is complete: the client may read before it.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> Files.readAllLines(shared).size() == 2);

    List<String> aLines = Files.readAllLines(aLog);
    assertEquals(2, aLines.size(), aLines.toString());
    assertEquals("earlier line", aLines.get(0));
    assertTrue(
        Pattern.matches(
            "127\\.0\\.0\\.1 - - \\[\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000\\]"
                + " \"GET /x%20y\\?q=1 HTTP/1\\.1\" 200 13 \"http://r\\.test/\""
                + " \"curl/8 \\\\\"quoted\\\\\"\"",
            aLines.get(1)),
        aLines.get(1));
    assertEquals(
        List.of("b.test \"GET /empty HTTP/1.1\" 204 - 0 text/plain"), Files.readAllLines(bLog));
    // Lines are written once each response is complete, so not necessarily in request order.
    List<String> sharedLines = Files.readAllLines(shared).stream().sorted().toList();
    assertTrue(Pattern.matches("a\\.test 200 \\d+", sharedLines.get(0)), sharedLines.toString());
    assertTrue(Pattern.matches("b\\.test 204 \\d+", sharedLines.get(1)), sharedLines.toString());

    server.stop();
    assertTrue(log.isStopped());
  }
}
