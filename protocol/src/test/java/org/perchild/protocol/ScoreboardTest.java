package org.perchild.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scoreboard's two renderings, from a fixed snapshot. */
class ScoreboardTest {

  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05.678Z");

  private static Scoreboard board() {
    return new Scoreboard(
        NOW,
        100,
        NOW.minusSeconds(3725),
        new Scoreboard.Acceptor(
            200,
            Scoreboard.State.READY,
            NOW.minusSeconds(65),
            1,
            new Scoreboard.Counters(40, 37, new java.util.TreeMap<>(java.util.Map.of(503, 3L)))),
        List.of(
            new Scoreboard.Child(
                1,
                301,
                "nobody",
                "nogroup",
                1,
                Scoreboard.State.READY,
                NOW.minusSeconds(90),
                0,
                new LoadReport(2, 3, 6, 1, 4, 37, 4096)),
            new Scoreboard.Child(
                2, 302, "alice", "alice", 1, Scoreboard.State.STARTING, NOW.minusSeconds(2), 3),
            new Scoreboard.Child(3, 0, "bob", "bob", 2, Scoreboard.State.GONE, null, 5)));
  }

  @Test
  void textShowsEverySlot() {
    List<String> lines = board().text().lines().toList();
    assertEquals("Server started: 2026-01-02T02:02:00Z, uptime 1h2m", lines.get(0));
    assertEquals("Launcher: pid 100", lines.get(1));
    assertEquals(
        "Acceptor: pid 200, READY, uptime 1m5s, restarts 1, accepted 40, handed off 37, answered"
            + " {503=3}",
        lines.get(2));
    assertEquals("Children: 1 of 3 ready", lines.get(3));
    assertTrue(lines.get(4).startsWith("Slot  PID      User/Group"), lines.get(4));
    assertEquals(
        List.of(
            "1 301 nobody/nogroup 1 READY 2026-01-02T03:02:35Z 1m30s 0 2 3 6 1 4 37",
            "2 302 alice/alice 1 STARTING 2026-01-02T03:04:03Z 2s 3 0 0 0 0 0 0",
            "3 - bob/bob 2 GONE - - 5 0 0 0 0 0 0"),
        lines.subList(5, 8).stream().map(l -> l.replaceAll(" +", " ")).toList());
    assertEquals(8, lines.size());
  }

  @Test
  void jsonHasEveryField() {
    assertEquals(
        "{\"launcher\":{\"pid\":100,\"startedAt\":\"2026-01-02T02:02:00.678Z\",\"uptimeSeconds\":3725},"
            + "\"acceptor\":{\"pid\":200,\"state\":\"READY\",\"startedAt\":\"2026-01-02T03:03:00.678Z\","
            + "\"uptimeSeconds\":65,\"restarts\":1,\"accepted\":40,\"handedOff\":37,"
            + "\"answered\":{\"503\":3}},"
            + "\"children\":["
            + "{\"slot\":1,\"pid\":301,\"user\":\"nobody\",\"group\":\"nogroup\",\"generation\":1,"
            + "\"state\":\"READY\",\"startedAt\":\"2026-01-02T03:02:35.678Z\",\"uptimeSeconds\":90,"
            + "\"restarts\":0,\"busyThreads\":2,\"idleThreads\":3,\"totalThreads\":6,\"queued\":1,"
            + "\"connections\":4,\"requests\":37,\"bytes\":4096},"
            + "{\"slot\":2,\"pid\":302,\"user\":\"alice\",\"group\":\"alice\",\"generation\":1,"
            + "\"state\":\"STARTING\",\"startedAt\":\"2026-01-02T03:04:03.678Z\",\"uptimeSeconds\":2,"
            + "\"restarts\":3,\"busyThreads\":0,\"idleThreads\":0,\"totalThreads\":0,\"queued\":0,"
            + "\"connections\":0,\"requests\":0,\"bytes\":0},"
            + "{\"slot\":3,\"pid\":0,\"user\":\"bob\",\"group\":\"bob\",\"generation\":2,"
            + "\"state\":\"GONE\",\"startedAt\":null,\"uptimeSeconds\":null,\"restarts\":5,"
            + "\"busyThreads\":0,\"idleThreads\":0,\"totalThreads\":0,\"queued\":0,"
            + "\"connections\":0,\"requests\":0,\"bytes\":0}]}\n",
        board().json());
  }

  @Test
  void jsonStringsAreEscaped() {
    assertEquals("\"a\\\"b\\\\c\\nd\\u0001\"", Scoreboard.string("a\"b\\c\nd\u0001"));
  }

  @Test
  void moreMembersGoAtTheEndOfTheLauncherAndOfTheWhole() {
    Scoreboard board = board();
    String plain = board.json();
    assertEquals(plain, board.json("", ""));
    String more = board.json(",\"a\":1", ",\"b\":2");
    int launcherEnd = plain.indexOf('}');
    assertEquals(
        plain.substring(0, launcherEnd)
            + ",\"a\":1"
            + plain.substring(launcherEnd, plain.lastIndexOf('}'))
            + ",\"b\":2}\n",
        more);
  }

  @Test
  void groupsShowTheirRangeAndState() {
    Scoreboard board =
        new Scoreboard(
            NOW,
            100,
            NOW,
            new Scoreboard.Acceptor(200, Scoreboard.State.READY, NOW, 0),
            List.of(),
            4,
            List.of(
                new Scoreboard.Group("alice", "alice", 0, 4, 0, 0),
                new Scoreboard.Group("bob", "bob", 0, 2, 2, 0),
                new Scoreboard.Group("carol", "staff", 1, 3, 3, 2),
                new Scoreboard.Group("nobody", "nogroup", 2, 2, 2, 2)));
    assertEquals(
        List.of(
            "Groups:",
            "alice/alice 0-4 cold",
            "bob/bob 0-2 starting",
            "carol/staff 1-3 2 of 3",
            "nobody/nogroup 2 2 of 2"),
        board.groupsText().lines().map(l -> l.replaceAll(" +", " ")).toList());
    assertTrue(
        board
            .groupsJson()
            .startsWith(
                "[{\"group\":\"alice/alice\",\"min\":0,\"max\":4,\"children\":0,\"ready\":0,"
                    + "\"state\":\"cold\"},"),
        board.groupsJson());
    Scoreboard back = Scoreboard.parse(board.message());
    assertEquals(board.groups(), back.groups());
    assertEquals(List.of(), back.children());
  }
}
