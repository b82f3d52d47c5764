package org.perchild.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.perchild.protocol.HostTable;
import org.perchild.protocol.LoadReport;
import org.perchild.protocol.Scoreboard;

/** {@code ?auto} as mod_status's collectors read it, the wire form, and the Prometheus text. */
class ServerStatusPageTest {

  private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

  private static Scoreboard board() {
    return new Scoreboard(
        NOW,
        100,
        NOW.minusSeconds(3725),
        new Scoreboard.Acceptor(200, Scoreboard.State.READY, NOW.minusSeconds(60), 0),
        List.of(
            new Scoreboard.Child(
                1,
                301,
                "alice",
                "alice",
                2,
                Scoreboard.State.READY,
                NOW.minusSeconds(50),
                0,
                new LoadReport(2, 3, 6, 1, 4, 1000, 2048 * 1024)),
            new Scoreboard.Child(
                2,
                302,
                "nobody",
                "#65534",
                2,
                Scoreboard.State.READY,
                NOW.minusSeconds(50),
                1,
                new LoadReport(0, 5, 5, 0, 0, 500, 1024)),
            new Scoreboard.Child(
                3, 0, "bob", "bob", 2, Scoreboard.State.GONE, null, 3, LoadReport.NONE)),
        8,
        List.of(
            new Scoreboard.Group("alice", "alice", 1, 1, 1, 1),
            new Scoreboard.Group("bob", "bob", 0, 4, 0, 0),
            new Scoreboard.Group("carol", "carol", 0, 2, 1, 0),
            new Scoreboard.Group("nobody", "#65534", 1, 1, 1, 1)));
  }

  private static ServerStatusPage page() {
    TreeMap<Integer, Long> answered = new TreeMap<>(Map.of(503, 2L, 200, 7L));
    HostTable hosts = new HostTable();
    hosts.add(
        HostTable.parse(
            "HOSTS t1.test:12:4096:0:11:0:1:0:0:4:8:0:5:0:2 _default_:3:10:0:0:0:3:0:1:2:0:0:0:0:0"));
    return new ServerStatusPage(
        board(), new Scoreboard.Counters(1600, 1500, answered), NOW, "www.example.com", hosts);
  }

  /** What a collector does (collectd's apache plugin, the Prometheus apache_exporter). */
  private static Map<String, String> parse(String auto) {
    Map<String, String> keys = new LinkedHashMap<>();
    for (String line : auto.split("\n")) {
      int colon = line.indexOf(": ");
      if (colon > 0) {
        keys.put(line.substring(0, colon), line.substring(colon + 2));
      }
    }
    return keys;
  }

  @Test
  void autoHasModStatusKeys() {
    String auto = page().auto();
    assertTrue(auto.startsWith("www.example.com\n"), auto);
    Map<String, String> keys = parse(auto);
    assertEquals(ServerStatusPage.SERVER_VERSION, keys.get("ServerVersion"));
    assertTrue(
        keys.get("ServerVersion").matches("Perchild/\\S+ \\(Jetty 12\\.\\d+\\.\\d+\\)"),
        keys.get("ServerVersion"));
    assertEquals("3725", keys.get("ServerUptimeSeconds"));
    assertEquals("3725", keys.get("Uptime"));
    assertEquals("1 hour 2 minutes 5 seconds", keys.get("ServerUptime"));
    assertEquals("1500", keys.get("Total Accesses"));
    assertEquals("2049", keys.get("Total kBytes"));
    assertEquals("3", keys.get("BusyWorkers"), "threads not idle, the leased one included");
    assertEquals("8", keys.get("IdleWorkers"));
    assertEquals("2", keys.get("Processes"));
    assertEquals("4", keys.get("ConnsTotal"));
    assertEquals("WWW___.." + "_____..." + "........", keys.get("Scoreboard"));
    assertEquals("0.403", keys.get("ReqPerSec"));
    for (String line : auto.split("\n")) {
      assertTrue(line.equals("www.example.com") || line.matches("[A-Za-z ]+: \\S.*"), line);
    }
  }

  @Test
  void wireFormRoundTrips() {
    Scoreboard board = board();
    Scoreboard back = Scoreboard.parse(board.message());
    assertEquals(board.children(), back.children());
    assertEquals(board.groups(), back.groups());
    assertEquals(board.serverStartedAt(), back.serverStartedAt());
    assertEquals(8, back.maxThreadsPerChild());
  }

  @Test
  void countersMessageRoundTrips() {
    Scoreboard.Counters counters = page().acceptor();
    assertEquals("COUNTERS 1600 1500 200=7 503=2", counters.message());
    assertEquals(counters, Scoreboard.Counters.parse(counters.message().split(" "), 1));
    assertEquals(
        new LoadReport(1, 2, 3, 4, 5, 6, 7), LoadReport.parse("LOAD 1 2 3 4 5 6 7".split(" "), 1));
  }

  @Test
  void jsonAndHtmlShowTheChildren() {
    String json = page().json();
    assertTrue(json.contains("\"totalAccesses\":1500"), json);
    assertTrue(json.contains("\"answered\":{\"200\":7,\"503\":2}"), json);
    assertTrue(json.contains("\"totalThreads\":6"), json);
    assertTrue(
        json.contains(
            "\"groups\":[{\"group\":\"alice/alice\",\"min\":1,\"max\":1,\"children\":1,"
                + "\"ready\":1,\"state\":\"1_of_1\"},{\"group\":\"bob/bob\",\"min\":0,"
                + "\"max\":4,\"children\":0,\"ready\":0,\"state\":\"cold\"}"),
        json);
    assertTrue(json.contains("\"state\":\"starting\"}"), json);
    String html = page().html();
    assertTrue(html.contains("<td>alice/alice</td>"), html);
    assertTrue(
        html.contains("<tr><td>bob/bob</td><td>0-4</td><td>0</td><td>0</td><td>cold</td></tr>"),
        html);
    assertTrue(
        html.contains("<tr><td>alice/alice</td><td>1</td><td>1</td><td>1</td><td>1 of 1</td>"),
        html);
    assertTrue(html.contains("<td>carol/carol</td><td>0-2</td><td>1</td><td>0</td><td>starting"));
    assertTrue(html.contains("1600 accepted, 1500 handed off"), html);
  }

  @Test
  void everyViewCountsTlsHandshakesAndHttpVersionsPerVirtualHost() {
    String json = page().json();
    assertTrue(
        json.contains(
            "\"protocols\":{\"HTTP/1.0\":0,\"HTTP/1.1\":4,\"HTTP/2\":8},"
                + "\"tlsHandshakes\":{\"TLSv1.2\":0,\"TLSv1.3\":5,\"other\":0,\"failed\":2}"),
        json);
    String html = page().html();
    assertTrue(
        html.contains(
            "<tr><td>t1.test</td><td>12</td><td>4</td><td>0</td><td>11</td><td>0</td><td>1</td>"
                + "<td>0</td><td>0</td><td>4</td><td>8</td><td>0</td><td>5</td><td>0</td>"
                + "<td>2</td></tr>"),
        html);
    String text = new String(new StatusMetrics(ServerStatusPageTest::page).text());
    for (String sample :
        new String[] {
          "perchild_vhost_requests_total{vhost=\"t1.test\"} 12.0",
          "perchild_vhost_sent_bytes_total{vhost=\"t1.test\"} 4096.0",
          "perchild_vhost_responses_total{class=\"4xx\",vhost=\"_default_\"} 3.0",
          "perchild_vhost_requests_by_protocol_total{protocol=\"HTTP/2\",vhost=\"t1.test\"} 8.0",
          "perchild_vhost_requests_by_protocol_total{protocol=\"HTTP/1.0\",vhost=\"_default_\"} 1.0",
          "perchild_vhost_tls_handshakes_total{version=\"TLSv1.3\",vhost=\"t1.test\"} 5.0",
          "perchild_vhost_tls_handshakes_total{version=\"TLSv1.2\",vhost=\"t1.test\"} 0.0",
          "perchild_vhost_tls_handshake_failures_total{vhost=\"t1.test\"} 2.0"
        }) {
      assertTrue(text.contains(sample + "\n"), sample + " in\n" + text);
    }
  }

  @Test
  void metricsAreThePrometheusTextFormat() {
    String text = new String(new StatusMetrics(ServerStatusPageTest::page).text());
    assertTrue(text.contains("# TYPE perchild_accesses_total counter\n"), text);
    assertTrue(text.contains("perchild_accesses_total 1500.0\n"), text);
    assertTrue(text.contains("perchild_workers{state=\"busy\"} 3.0\n"), text);
    assertTrue(text.contains("perchild_child_threads{slot=\"1\",user=\"alice\"} 6.0\n"), text);
    assertTrue(text.contains("perchild_acceptor_answered_total{status=\"503\"} 2.0\n"), text);
    assertTrue(
        text.contains("perchild_group_children{group=\"carol/carol\",state=\"alive\"} 1.0\n"),
        text);
    assertTrue(
        text.contains("perchild_group_children{group=\"carol/carol\",state=\"ready\"} 0.0\n"),
        text);
    assertTrue(text.contains("perchild_group_max_children{group=\"bob/bob\"} 4.0\n"), text);
    for (String line : text.split("\n")) {
      assertTrue(line.startsWith("#") || line.matches("[a-z_]+(\\{[^}]*\\})? [0-9.E+-]+"), line);
    }
  }
}
