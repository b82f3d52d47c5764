package org.perchild.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The launcher's messages to the acceptor: what was the acceptor's ControlMessageTest, and more.
 */
class LauncherToAcceptorTest {

  private static LauncherToAcceptor parse(String text, int fd) {
    return LauncherToAcceptor.decode(text.getBytes(StandardCharsets.UTF_8), fd);
  }

  private static LauncherToAcceptor roundTrip(LauncherToAcceptor message) {
    return LauncherToAcceptor.decode(message.encode(), message.fd());
  }

  @Test
  @Timeout(5)
  void parsesTheThreeMessages() {
    assertEquals(
        new LauncherToAcceptor.Child(3, 40001, 40002, 17), parse("CHILD 3 40001 40002", 17));
    assertEquals(new LauncherToAcceptor.Gone(3), parse("GONE 3", -1));
    assertEquals(new LauncherToAcceptor.Stop(), parse("STOP", -1));
  }

  @Test
  @Timeout(5)
  void refusesWhatIsNotTheProtocol() {
    for (String text :
        new String[] {
          "CHILD 3 40001",
          "CHILD 3 40001 40002 9",
          "CHILD x 1 1",
          "CHILD -1 1 1",
          "GONE",
          "GONE 1 2",
          "STOP now",
          "stop",
          "READY 12",
          "",
          "CHILD  3 1 1"
        }) {
      assertThrows(IllegalArgumentException.class, () -> parse(text, 5), text);
    }
    assertThrows(IllegalArgumentException.class, () -> parse("CHILD 3 1 1", -1), "no fd");
  }

  @Test
  @Timeout(5)
  void everyMessageReadsBackAsItWasWritten() {
    for (LauncherToAcceptor message :
        List.of(
            new LauncherToAcceptor.Child(3, 40001, 40002, 17),
            new LauncherToAcceptor.Gone(12),
            new LauncherToAcceptor.Backlog(4, 18),
            new LauncherToAcceptor.Reload(),
            new LauncherToAcceptor.Reload(9),
            new LauncherToAcceptor.Stop())) {
      assertEquals(message, roundTrip(message), message.toString());
    }
    LauncherToAcceptor.Status status =
        (LauncherToAcceptor.Status) roundTrip(new LauncherToAcceptor.Status(board(3)));
    assertEquals(board(3).message(), status.scoreboard().message());
    String hosts = "HOSTS 4 1/2 t1.test:3:300:0:3:0:0:0:0:1:2:0:2:0:1";
    LauncherToAcceptor.Hosts part = (LauncherToAcceptor.Hosts) parse(hosts, -1);
    assertEquals(4, part.part().report());
    assertEquals(2, part.part().parts());
    assertEquals(2, part.part().hosts().get("t1.test")[HostTable.TLS_1_2 + 1]);
    assertEquals(hosts, new String(roundTrip(part).encode(), StandardCharsets.UTF_8));
    assertThrows(IllegalArgumentException.class, () -> parse(hosts, 5), "HOSTS with a descriptor");
    assertThrows(
        IllegalArgumentException.class,
        () -> parse("HOSTS 4 1/2 t1.test:3:300", -1),
        "HOSTS with too few counts");
  }

  @Test
  @Timeout(5)
  void onlyChildBacklogAndReloadCarryADescriptor() {
    assertEquals(new LauncherToAcceptor.Reload(-1), parse("RELOAD", -1));
    assertEquals(7, parse("RELOAD", 7).fd());
    assertEquals(new LauncherToAcceptor.Backlog(3, 9), parse("BACKLOG 3", 9));
    assertThrows(IllegalArgumentException.class, () -> parse("BACKLOG 3", -1), "without its end");
    assertThrows(IllegalArgumentException.class, () -> parse("BACKLOG", 9), "without a slot");
    for (String text : new String[] {"GONE 3", "STOP", board(1).message()}) {
      assertThrows(IllegalArgumentException.class, () -> parse(text, 5), text);
    }
  }

  @Test
  @Timeout(5)
  void aScoreboardAtTheLimitIsOneByteUnderTheNextChild() {
    // A SCOREBOARD grows with ServerLimit: find the largest that still fits the channel.
    int fits = 1;
    int tooMany = 100_000;
    while (tooMany - fits > 1) {
      int middle = (fits + tooMany) / 2;
      if (board(middle).message().getBytes(StandardCharsets.UTF_8).length
          <= ControlMessage.MAX_BYTES) {
        fits = middle;
      } else {
        tooMany = middle;
      }
    }
    int children = fits;
    byte[] atLimit = new LauncherToAcceptor.Status(board(children)).encode();
    assertTrue(atLimit.length <= ControlMessage.MAX_BYTES);
    assertArrayEquals(atLimit, LauncherToAcceptor.decode(atLimit, -1).encode());
    assertTrue(children >= 1000, children + " children fit a SCOREBOARD");
  }

  @Test
  @Timeout(5)
  void refusesAMalformedScoreboard() {
    for (String text :
        new String[] {"SCOREBOARD 1 2 3", "SCOREBOARD 1 2 3 4\n1 2 3", "SCOREBOARD x 2 3 4"}) {
      assertThrows(IllegalArgumentException.class, () -> parse(text, -1), text);
    }
  }

  static Scoreboard board(int children) {
    Instant now = Instant.ofEpochMilli(1_767_322_445_678L);
    List<Scoreboard.Child> rows = new ArrayList<>();
    for (int i = 1; i <= children; i++) {
      rows.add(
          new Scoreboard.Child(
              i,
              100_000 + i,
              "tenant" + i,
              "tenant" + i,
              1,
              Scoreboard.State.READY,
              now.minusSeconds(i),
              0,
              new LoadReport(1, 2, 3, 0, 4, 5000, 1_000_000)));
    }
    return new Scoreboard(
        now,
        1,
        now.minusSeconds(60),
        new Scoreboard.Acceptor(0, Scoreboard.State.READY, null, 0),
        rows,
        64);
  }
}
