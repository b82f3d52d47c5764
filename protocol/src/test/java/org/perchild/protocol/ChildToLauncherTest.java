package org.perchild.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A child's messages to the launcher, HOSTS in parts above all. */
class ChildToLauncherTest {

  private static ChildToLauncher parse(String text) {
    return ChildToLauncher.decode(text.getBytes(StandardCharsets.UTF_8), -1);
  }

  @Test
  @Timeout(5)
  void everyMessageReadsBackAsItWasWritten() {
    for (ChildToLauncher message :
        List.of(
            new ChildToLauncher.Ready(812),
            new ChildToLauncher.Retiring(),
            new ChildToLauncher.Load(new LoadReport(1, 2, 3, 4, 5, 6, 7)))) {
      assertEquals(message, ChildToLauncher.decode(message.encode(), -1), message.toString());
    }
    assertEquals(new ChildToLauncher.Ready(812), parse("READY 812"));
    assertEquals(
        "LOAD 1 2 3 4 5 6 7", text(new ChildToLauncher.Load(new LoadReport(1, 2, 3, 4, 5, 6, 7))));
    ChildToLauncher.Hosts hosts =
        (ChildToLauncher.Hosts)
            parse(
                "HOSTS 7 2/3 a.test:10:1000:0:9:0:1:0:0:10:0:1:2:0:3 b.test:1:5:0:0:0:0:1:1:0:0:0:0:0:0");
    assertEquals(7, hosts.report());
    assertEquals(2, hosts.part());
    assertEquals(3, hosts.parts());
    assertArrayEquals(
        new long[] {10, 1000, 0, 9, 0, 1, 0, 0, 10, 0, 1, 2, 0, 3}, hosts.hosts().get("a.test"));
    assertEquals(
        "HOSTS 7 2/3 a.test:10:1000:0:9:0:1:0:0:10:0:1:2:0:3 b.test:1:5:0:0:0:0:1:1:0:0:0:0:0:0",
        text(hosts));
    assertEquals("HOSTS 1 1/1", text(ChildToLauncher.Hosts.split(1, Map.of()).get(0)));
  }

  @Test
  @Timeout(5)
  void refusesWhatIsNotTheProtocol() {
    for (String text :
        new String[] {
          "",
          "READY",
          "READY x",
          "READY 1 2",
          "RETIRING now",
          "LOAD 1 2 3",
          "LOAD 1 2 3 4 5 6 -7",
          "HOSTS",
          "HOSTS 1",
          "HOSTS 1 1",
          "HOSTS 1 0/1",
          "HOSTS 1 2/1",
          "HOSTS x 1/1",
          "HOSTS 1 1/1 a.test:1:2",
          "HOSTS 1 1/1 a.test:1:2:3:4:5:6:x",
          "STOP"
        }) {
      assertThrows(IllegalArgumentException.class, () -> parse(text), text);
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> ChildToLauncher.decode("RETIRING".getBytes(StandardCharsets.UTF_8), 5),
        "a report carries no descriptor");
  }

  @Test
  @Timeout(5)
  void aHostsPartAtTheLimitReadsBack() {
    Map<String, long[]> hosts = new LinkedHashMap<>();
    // Counted as it grows: encoding the whole map again for every host would take minutes.
    int length = length(hosts);
    int i = 0;
    while (length + entryLength("h" + i + ".test") <= ControlMessage.MAX_BYTES) {
      String name = "h" + i + ".test";
      hosts.put(name, counts(i));
      length += 1 + HostTable.entry(name, counts(i)).length();
      i++;
    }
    assertEquals(length, length(hosts));
    // Lengthen the last name to fill the message to the byte.
    String last = "h" + (i - 1) + ".test";
    long[] lastCounts = hosts.remove(last);
    int room =
        ControlMessage.MAX_BYTES - length(hosts) - 1 - HostTable.entry(last, lastCounts).length();
    String longer = "x".repeat(room) + last;
    hosts.put(longer, lastCounts);
    ChildToLauncher.Hosts atLimit = new ChildToLauncher.Hosts(1, 1, 1, hosts);
    byte[] payload = atLimit.encode();
    assertEquals(ControlMessage.MAX_BYTES, payload.length);
    assertArrayEquals(payload, ChildToLauncher.decode(payload, -1).encode());
    // One host more does not fit one part: split makes two, each within the limit.
    hosts.put("one.more", counts(1));
    List<ChildToLauncher.Hosts> parts = ChildToLauncher.Hosts.split(2, hosts);
    assertEquals(2, parts.size());
    for (ChildToLauncher.Hosts part : parts) {
      assertTrue(part.encode().length <= ControlMessage.MAX_BYTES);
    }
  }

  @Test
  @Timeout(5)
  void thousandsOfHostsSplitAndComeBackWhole() {
    Map<String, long[]> hosts = new LinkedHashMap<>();
    for (int i = 0; i < 20_000; i++) {
      hosts.put("tenant-site-" + i + ".example.com", counts(i));
    }
    List<ChildToLauncher.Hosts> parts = ChildToLauncher.Hosts.split(42, hosts);
    assertTrue(parts.size() > 1, parts.size() + " parts");
    HostReports reports = new HostReports();
    Map<String, long[]> whole = null;
    for (ChildToLauncher.Hosts part : parts) {
      byte[] payload = part.encode();
      assertTrue(payload.length <= ControlMessage.MAX_BYTES, payload.length + " bytes");
      assertNull(whole, "complete before its last part");
      whole = reports.add((ChildToLauncher.Hosts) ChildToLauncher.decode(payload, -1));
    }
    assertEquals(List.copyOf(hosts.keySet()), List.copyOf(whole.keySet()));
    for (Map.Entry<String, long[]> host : hosts.entrySet()) {
      assertArrayEquals(host.getValue(), whole.get(host.getKey()), host.getKey());
    }
  }

  @Test
  @Timeout(5)
  void aReportWithALostPartIsDiscarded() {
    Map<String, long[]> first = Map.of("a.test", counts(1));
    Map<String, long[]> second = Map.of("b.test", counts(2));
    HostReports reports = new HostReports();
    assertNull(reports.add(new ChildToLauncher.Hosts(1, 1, 3, first)));
    // Part 2 of report 1 was dropped: part 3 alone does not complete it.
    assertNull(reports.add(new ChildToLauncher.Hosts(1, 3, 3, second)));
    assertEquals(1, reports.incomplete());
    assertNull(reports.add(new ChildToLauncher.Hosts(2, 1, 2, first)));
    Map<String, long[]> whole = reports.add(new ChildToLauncher.Hosts(2, 2, 2, second));
    assertEquals(List.of("a.test", "b.test"), List.copyOf(whole.keySet()));
    // A report whose first part arrives while another is open replaces it.
    assertNull(reports.add(new ChildToLauncher.Hosts(3, 1, 2, first)));
    assertEquals(
        Map.of("b.test", 2L), requests(reports.add(new ChildToLauncher.Hosts(4, 1, 1, second))));
    assertEquals(2, reports.incomplete());
  }

  private static Map<String, Long> requests(Map<String, long[]> hosts) {
    Map<String, Long> requests = new LinkedHashMap<>();
    hosts.forEach((name, counts) -> requests.put(name, counts[0]));
    return requests;
  }

  private static long[] counts(long n) {
    return new long[] {n, n * 100, 0, n, 0, 0, 0, 0, n, 0, 0, 0, 0, 0};
  }

  private static int length(Map<String, long[]> hosts) {
    return new ChildToLauncher.Hosts(1, 1, 1, hosts).encode().length;
  }

  private static int entryLength(String name) {
    return 1 + HostTable.entry(name, counts(999_999)).length();
  }

  private static String text(ControlMessage message) {
    return new String(message.encode(), StandardCharsets.UTF_8);
  }
}
