package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.testsupport.Http;

/**
 * {@code <Location /server-status>} and {@code /metrics}, answered by the real acceptor from the
 * scoreboard the launcher pushes to it, and the load the children report in {@code perchild status
 * --json}.
 */
@Timeout(300)
class ServerStatusIT {

  private static final Path WHOAMI = LaunchedServer.TREE.resolve("webapps/localhost/whoami.war");
  private static LaunchedServer server;

  private static String conf(int port) {
    return String.join(
        "\n",
        "Listen 127.0.0.1:" + port,
        "User #65534",
        "Group #65534",
        "NumServers 2",
        "MaxThreadsPerChild 16",
        "ThreadLimit 16",
        "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
        "<Location /server-status>",
        "  SetHandler server-status",
        "  Require ip 127.0.0.1 ::1",
        "</Location>",
        "<Location /private-status>",
        "  SetHandler server-status",
        "  Require ip 10.0.0.0/8",
        "</Location>",
        "<Location /metrics>",
        "  SetHandler metrics",
        "  Require local",
        "</Location>",
        "<VirtualHost *:" + port + ">",
        "  ServerName fallback.test",
        "  AppBase webapps/fallback",
        "</VirtualHost>",
        "");
  }

  @BeforeAll
  static void start() throws Exception {
    LaunchedServer.requireRoot();
    server =
        LaunchedServer.start(
            "perchild-status", Map.of("fallback", WHOAMI), ServerStatusIT::conf, 2);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null && server.launcher().isAlive()) {
      server.stop();
    }
  }

  @AfterEach
  void noErrors() throws Exception {
    if (server != null) {
      assertEquals(List.of(), server.unexpectedErrors());
    }
  }

  /**
   * A GET on a connection of its own: a keep-alive connection that the acceptor handed to a child
   * stays the child's, so a status request on it would reach the child, not the acceptor.
   */
  private static Http.Reply get(String path) throws Exception {
    return Http.get(server.port, "127.0.0.1:" + server.port, path);
  }

  /** mod_status's {@code Key: value} lines, as collectors read them. */
  private static Map<String, String> auto() throws Exception {
    Http.Reply response = get("/server-status?auto");
    assertEquals(200, response.statusCode(), response.body());
    Map<String, String> keys = new HashMap<>();
    for (String line : response.body().lines().toList()) {
      int colon = line.indexOf(": ");
      if (colon > 0) {
        keys.put(line.substring(0, colon), line.substring(colon + 2));
      }
    }
    return keys;
  }

  @Test
  void autoParsesAndCountsRequests() throws Exception {
    // The children report their load every second, the launcher pushes it every second.
    await()
        .atMost(15, SECONDS)
        .until(() -> Integer.parseInt(auto().getOrDefault("IdleWorkers", "0")) > 0);
    Map<String, String> before = auto();
    for (String key :
        List.of(
            "ServerVersion",
            "ServerUptimeSeconds",
            "Uptime",
            "Total Accesses",
            "Total kBytes",
            "BusyWorkers",
            "IdleWorkers",
            "Scoreboard")) {
      assertTrue(before.containsKey(key), key + " missing from " + before);
    }
    assertTrue(before.get("Scoreboard").matches("[W_.]{32,}"), before.get("Scoreboard"));
    long accesses = Long.parseLong(before.get("Total Accesses"));
    for (int i = 0; i < 10; i++) {
      get("/");
    }
    await()
        .atMost(15, SECONDS)
        .until(() -> Long.parseLong(auto().get("Total Accesses")) >= accesses + 10);

    // BusyWorkers + IdleWorkers are the children's threads, as perchild status shows them.
    String json =
        LaunchedServer.run(
            LaunchedServer.TREE.resolve("bin/perchild").toString(),
            "-d",
            server.root.toString(),
            "status",
            "--json");
    Matcher total = Pattern.compile("\"totalThreads\":(\\d+)").matcher(json);
    int threads = 0;
    int rows = 0;
    while (total.find()) {
      threads += Integer.parseInt(total.group(1));
      rows++;
    }
    assertEquals(2, rows, json);
    assertTrue(threads > 0, json);
    assertTrue(json.contains("\"connections\":"), json);
    assertTrue(json.contains("\"requests\":"), json);
    Map<String, String> after = auto();
    int workers =
        Integer.parseInt(after.get("BusyWorkers")) + Integer.parseInt(after.get("IdleWorkers"));
    // Threads come and go between the two reads: the same order of magnitude, within the ceiling.
    assertTrue(workers > 0 && workers <= 2 * 16 + 8, after + " / " + json);
    assertTrue(get("/server-status").body().contains("Perchild Server Status"));
    // Exactly, within one snapshot: ?json has the workers and the children's thread totals.
    String page = get("/server-status?json").body();
    Matcher busy = Pattern.compile("\"busyWorkers\":(\\d+),\"idleWorkers\":(\\d+)").matcher(page);
    assertTrue(busy.find(), page);
    Matcher childThreads = Pattern.compile("\"totalThreads\":(\\d+)").matcher(page);
    int sum = 0;
    while (childThreads.find()) {
      sum += Integer.parseInt(childThreads.group(1));
    }
    assertEquals(sum, Integer.parseInt(busy.group(1)) + Integer.parseInt(busy.group(2)), page);
    assertTrue(page.contains("\"totalAccesses\":"), page);
  }

  @Test
  void requireIpOutsideTheNetworkIsForbidden() throws Exception {
    Http.Reply response = get("/private-status?auto");
    assertEquals(403, response.statusCode());
    assertTrue(response.body().contains("<title>403 Forbidden</title>"), response.body());
  }

  @Test
  void aStatusRequestOnAChildsConnectionIsMisdirected() throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port)) {
      socket.setSoTimeout(10_000);
      var out = socket.getOutputStream();
      var in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  socket.getInputStream(), java.nio.charset.StandardCharsets.ISO_8859_1));
      out.write("GET / HTTP/1.1\r\nHost: fallback.test\r\n\r\n".getBytes());
      assertEquals("HTTP/1.1 200 OK", in.readLine());
      int length = -1;
      for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).trim());
        }
      }
      assertTrue(length >= 0, "a kept-alive response has a length");
      in.skip(length);
      // The same connection, now the child's: its webapps never answer for the acceptor.
      out.write("GET /server-status?auto HTTP/1.1\r\nHost: fallback.test\r\n\r\n".getBytes());
      assertEquals("HTTP/1.1 421 Misdirected Request", in.readLine());
    }
  }

  @Test
  void metricsParseAsPrometheusText() throws Exception {
    await()
        .atMost(15, SECONDS)
        .until(() -> get("/metrics").body().contains("perchild_child_threads{"));
    Http.Reply response = get("/metrics");
    assertEquals(200, response.statusCode());
    Pattern sample = Pattern.compile("^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*\\})? -?[0-9.eE+-]+$");
    int samples = 0;
    for (String line : response.body().lines().toList()) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      assertTrue(sample.matcher(line).matches(), line);
      samples++;
    }
    assertTrue(samples > 5, response.body());
    assertTrue(response.body().contains("perchild_accesses_total "), response.body());
  }

  @Test
  void theScoreboardCountsRequestsPerVirtualHost() throws Exception {
    Pattern fallback =
        Pattern.compile(
            "\\{\"name\":\"fallback.test\",\"requests\":(\\d+),\"bytes\":(\\d+),"
                + "\"responses\":\\{\"1xx\":0,\"2xx\":(\\d+),\"3xx\":\\d+,\"4xx\":(\\d+),"
                + "\"5xx\":0\\},\"protocols\":\\{\"HTTP/1.0\":\\d+,\"HTTP/1.1\":\\d+,");
    long[] before = hostCounts(fallback);
    for (int i = 0; i < 5; i++) {
      get("/");
    }
    await()
        .atMost(15, SECONDS)
        .until(
            () -> {
              long[] now = hostCounts(fallback);
              return now[0] >= before[0] + 5 && now[2] >= before[2] + 5;
            });
    long[] after = hostCounts(fallback);
    assertTrue(after[1] > before[1], "bytes grow: " + before[1] + " -> " + after[1]);
    String text = server.perchild("status");
    assertTrue(text.contains("Virtual hosts:"), text);
    assertTrue(text.lines().anyMatch(l -> l.startsWith("fallback.test ")), text);
  }

  /** requests, bytes, 2xx, 4xx of one host in {@code perchild status --json}. */
  private static long[] hostCounts(Pattern host) throws Exception {
    String json =
        LaunchedServer.run(
            LaunchedServer.TREE.resolve("bin/perchild").toString(),
            "-d",
            server.root.toString(),
            "status",
            "--json");
    Matcher m = host.matcher(json);
    assertTrue(m.find(), json);
    return new long[] {
      Long.parseLong(m.group(1)),
      Long.parseLong(m.group(2)),
      Long.parseLong(m.group(3)),
      Long.parseLong(m.group(4))
    };
  }
}
