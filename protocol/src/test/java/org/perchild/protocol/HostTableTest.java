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
    table.add(HostTable.parse("HOSTS a.test:10:1000:0:9:0:1:0 b.test:1:5:0:0:0:0:1"));
    table.add(HostTable.parse("HOSTS a.test:5:500:0:5:0:0:0"));
    List<HostTable.Host> hosts = table.hosts();
    assertEquals(2, hosts.size());
    assertEquals("a.test", hosts.get(0).name());
    assertEquals(15, hosts.get(0).requests());
    assertEquals(1500, hosts.get(0).bytes());
    assertArrayEquals(new long[] {0, 14, 0, 1, 0}, hosts.get(0).byClass());
    assertEquals(
        "[{\"name\":\"a.test\",\"requests\":15,\"bytes\":1500,\"responses\":{\"1xx\":0,\"2xx\":14,"
            + "\"3xx\":0,\"4xx\":1,\"5xx\":0}},{\"name\":\"b.test\",\"requests\":1,\"bytes\":5,"
            + "\"responses\":{\"1xx\":0,\"2xx\":0,\"3xx\":0,\"4xx\":0,\"5xx\":1}}]",
        table.json());
    assertTrue(
        table
            .text()
            .lines()
            .anyMatch(l -> l.matches("a\\.test\\s+15\\s+1500\\s+0\\s+14\\s+0\\s+1\\s+0")),
        table.text());
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
        IllegalArgumentException.class, () -> HostTable.parse("HOSTS a.test:1:2:3:4:5:6:x"));
    assertThrows(
        IllegalArgumentException.class, () -> HostTable.parse("HOSTS a.test:-1:2:3:4:5:6:7"));
  }
}
