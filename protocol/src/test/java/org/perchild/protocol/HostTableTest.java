package org.perchild.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostTableTest {

  @Test
  void sumsTheReportsOfTheChildrenOfAHost() {
    HostTable table = new HostTable();
    table.add(
        HostTable.parse(
            "HOSTS a.test:10:1000:0:9:0:1:0:1:5:4:2:3:1:1 b.test:1:5:0:0:0:0:1:0:1:0:0:0:0:0"));
    table.add(HostTable.parse("HOSTS a.test:5:500:0:5:0:0:0:0:5:0:0:1:0:2"));
    List<HostTable.Host> hosts = table.hosts();
    assertEquals(2, hosts.size());
    assertEquals("a.test", hosts.get(0).name());
    assertEquals(15, hosts.get(0).requests());
    assertEquals(1500, hosts.get(0).bytes());
    assertArrayEquals(new long[] {0, 14, 0, 1, 0}, hosts.get(0).byClass());
    assertArrayEquals(new long[] {1, 10, 4}, hosts.get(0).byProtocol());
    assertArrayEquals(new long[] {2, 4, 1}, hosts.get(0).handshakes());
    assertEquals(3, hosts.get(0).handshakesFailed());
    assertEquals(
        "[{\"name\":\"a.test\",\"requests\":15,\"bytes\":1500,\"responses\":{\"1xx\":0,\"2xx\":14,"
            + "\"3xx\":0,\"4xx\":1,\"5xx\":0},\"protocols\":{\"HTTP/1.0\":1,\"HTTP/1.1\":10,"
            + "\"HTTP/2\":4},\"tlsHandshakes\":{\"TLSv1.2\":2,\"TLSv1.3\":4,\"other\":1,\"failed\":3}},"
            + "{\"name\":\"b.test\",\"requests\":1,\"bytes\":5,"
            + "\"responses\":{\"1xx\":0,\"2xx\":0,\"3xx\":0,\"4xx\":0,\"5xx\":1},"
            + "\"protocols\":{\"HTTP/1.0\":0,\"HTTP/1.1\":1,\"HTTP/2\":0},"
            + "\"tlsHandshakes\":{\"TLSv1.2\":0,\"TLSv1.3\":0,\"other\":0,\"failed\":0}}]",
        table.json());
    assertTrue(
        table.text().lines().anyMatch(l -> l.matches("a\\.test(\\s+\\d+){7}") && l.endsWith(" 3")),
        table.text());
    assertEquals(table.json(), copy(table).json(), "the sums read back as the same rows");
    assertTrue(
        table
            .text()
            .lines()
            .anyMatch(l -> l.matches("a\\.test\\s+15\\s+1500\\s+0\\s+14\\s+0\\s+1\\s+0")),
        table.text());
  }

  @Test
  void aHandshakeCountsUnderItsVersion() {
    assertEquals(HostTable.TLS_1_2, HostTable.tlsIndex("TLSv1.2"));
    assertEquals(HostTable.TLS_1_2 + 1, HostTable.tlsIndex("TLSv1.3"));
    assertEquals(HostTable.TLS_1_2 + 2, HostTable.tlsIndex("TLSv1.1"));
    assertEquals(HostTable.TLS_1_2 + 2, HostTable.tlsIndex("NONE"));
  }

  private static HostTable copy(HostTable table) {
    HostTable copy = new HostTable();
    copy.add(table.sums());
    return copy;
  }

  @Test
  void anEmptyReportIsNoHost() {
    assertEquals(Map.of(), HostTable.parse("HOSTS"));
    assertEquals("[]", new HostTable().json());
  }

  @Test
  void refusesWhatIsNotAReport() {
    assertThrows(IllegalArgumentException.class, () -> HostTable.parse("LOAD 1 2 3"));
    assertThrows(IllegalArgumentException.class, () -> HostTable.parse("HOSTS a.test:1:2"));
    assertThrows(
        IllegalArgumentException.class, () -> HostTable.parse("HOSTS a.test:1:2:3:4:5:6:7"));
    assertThrows(
        IllegalArgumentException.class,
        () -> HostTable.parse("HOSTS a.test:1:2:3:4:5:6:7:8:9:10:11:12:13:x"));
    assertThrows(
        IllegalArgumentException.class,
        () -> HostTable.parse("HOSTS a.test:-1:2:3:4:5:6:7:8:9:10:11:12:13:14"));
  }
}
