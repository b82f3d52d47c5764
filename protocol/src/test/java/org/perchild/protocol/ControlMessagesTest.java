package org.perchild.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The two small directions: launcher to child, acceptor to launcher. */
class ControlMessagesTest {

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  @Timeout(5)
  void launcherToChild() {
    assertEquals(new LauncherToChild.Stop(), LauncherToChild.decode(bytes("STOP"), -1));
    assertEquals("STOP", new String(new LauncherToChild.Stop().encode(), StandardCharsets.UTF_8));
    for (String text : new String[] {"", "STOP now", "stop", "READY 1", "GRACEFUL"}) {
      assertThrows(
          IllegalArgumentException.class, () -> LauncherToChild.decode(bytes(text), -1), text);
    }
    assertThrows(IllegalArgumentException.class, () -> LauncherToChild.decode(bytes("STOP"), 4));
    // ROUTES carries the new view of the configuration: without it, it is refused.
    assertEquals(new LauncherToChild.Routes(7), LauncherToChild.decode(bytes("ROUTES"), 7));
    assertEquals(7, new LauncherToChild.Routes(7).fd());
    assertEquals(
        "ROUTES", new String(new LauncherToChild.Routes(7).encode(), StandardCharsets.UTF_8));
    assertThrows(IllegalArgumentException.class, () -> LauncherToChild.decode(bytes("ROUTES"), -1));
  }

  @Test
  @Timeout(5)
  void acceptorToLauncher() {
    TreeMap<Integer, Long> answered = new TreeMap<>();
    answered.put(408, 1L);
    answered.put(503, 2L);
    for (AcceptorToLauncher message :
        List.of(
            new AcceptorToLauncher.Ready(4242),
            new AcceptorToLauncher.Counters(new Scoreboard.Counters(40, 37, answered)),
            new AcceptorToLauncher.Counters(Scoreboard.Counters.NONE),
            new AcceptorToLauncher.Wanted(40001, 40002, 3))) {
      assertEquals(message, AcceptorToLauncher.decode(message.encode(), -1), message.toString());
    }
    assertEquals(
        "COUNTERS 40 37 408=1 503=2",
        new String(
            new AcceptorToLauncher.Counters(new Scoreboard.Counters(40, 37, answered)).encode(),
            StandardCharsets.UTF_8));
    for (String text :
        new String[] {
          "",
          "READY",
          "READY x",
          "COUNTERS",
          "COUNTERS 1",
          "COUNTERS 1 2 503",
          "WANTED 1 2",
          "WANTED 1 -2 3",
          "WANTED 1 2 x"
        }) {
      assertThrows(
          IllegalArgumentException.class, () -> AcceptorToLauncher.decode(bytes(text), -1), text);
    }
    assertEquals(
        "WANTED 40001 40002 3",
        new String(
            new AcceptorToLauncher.Wanted(40001, 40002, 3).encode(), StandardCharsets.UTF_8));
    assertThrows(
        IllegalArgumentException.class, () -> AcceptorToLauncher.decode(bytes("READY 1"), 4));
  }
}
