package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

/**
 * One tenant with 300 virtual hosts, whose per-host report no longer fits the 4 KiB the launcher
 * once read per control message (it then stopped hearing that child at all): every host must be in
 * {@code perchild status}, with counts that keep rising.
 */
@Timeout(300)
class ManyVirtualHostsIT {

  private static final String TENANT = "pcmanyhosts";
  private static final int HOSTS = 300;
  private static final Pattern JSON_HOST =
      Pattern.compile("\\{\"name\":\"(site\\d+\\.test)\",\"requests\":(\\d+),");
  private static LaunchedServer server;

  private static String conf(int port) {
    List<String> lines =
        new ArrayList<>(
            List.of(
                "Listen 127.0.0.1:" + port,
                "User #65534",
                "Group #65534",
                "NumServers 2",
                "ChildPerUserID " + TENANT + " " + TENANT + " 1",
                "ChildJavaOptions -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"));
    for (int i = 1; i <= HOSTS; i++) {
      lines.addAll(
          List.of(
              "<VirtualHost *:" + port + ">",
              "  ServerName site" + i + ".test",
              "  AssignUserID " + TENANT + " " + TENANT,
              "  AppBase webapps/shared",
              "</VirtualHost>"));
    }
    return String.join("\n", lines) + "\n";
  }

  @BeforeAll
  static void start() throws Exception {
    LaunchedServer.requireRoot();
    LaunchedServer.ensureAccount(TENANT, TENANT);
    // One AppBase for all 300 hosts, with no web application: every request is the host's 404,
    // counted like any other.
    server =
        LaunchedServer.startWith(
            "perchild-manyhosts",
            Map.of("webapps/shared/.keep", LaunchedServer.TREE.resolve("bin/perchild")),
            ManyVirtualHostsIT::conf,
            2);
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

  @Test
  void everyHostIsInTheStatusAndItsCountsRise() throws Exception {
    await().atMost(60, SECONDS).until(() -> requestsByHost().size() == HOSTS);
    Map<String, Long> before = requestsByHost();
    List<String> asked = List.of("site1.test", "site150.test", "site300.test");
    for (String host : asked) {
      for (int i = 0; i < 3; i++) {
        assertEquals("HTTP/1.1 404 Not Found", get(host), host);
      }
    }
    await()
        .atMost(30, SECONDS)
        .until(
            () -> {
              Map<String, Long> now = requestsByHost();
              return asked.stream().allMatch(h -> now.get(h) >= before.get(h) + 3);
            });
    // And again: the launcher goes on reading the child's reports, not just its first.
    Map<String, Long> middle = requestsByHost();
    get("site150.test");
    await()
        .atMost(30, SECONDS)
        .until(() -> requestsByHost().get("site150.test") > middle.get("site150.test"));

    String text = perchild("status");
    for (int i = 1; i <= HOSTS; i++) {
      String name = "site" + i + ".test";
      assertTrue(text.lines().anyMatch(l -> l.startsWith(name + " ")), name + " in\n" + text);
    }
  }

  /** Requests per host in {@code perchild status --json}. */
  private static Map<String, Long> requestsByHost() throws Exception {
    Matcher m = JSON_HOST.matcher(perchild("status", "--json"));
    Map<String, Long> requests = new HashMap<>();
    while (m.find()) {
      requests.put(m.group(1), Long.parseLong(m.group(2)));
    }
    return requests;
  }

  private static String perchild(String... args) throws Exception {
    List<String> argv = new ArrayList<>();
    argv.add(LaunchedServer.TREE.resolve("bin/perchild").toString());
    argv.add("-d");
    argv.add(server.root.toString());
    argv.addAll(List.of(args));
    return LaunchedServer.run(argv.toArray(String[]::new));
  }

  /** One request on a connection of its own; the status line of its answer. */
  private static String get(String host) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port)) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      return response.lines().findFirst().orElse("");
    }
  }
}
