package org.perchild.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.config.ConfigLoader;
import org.perchild.config.FakeAccounts;
import org.perchild.config.LoadedConfiguration;
import org.perchild.config.ServerConfig;
import org.perchild.operator.OperatorCommand;
import org.perchild.operator.OperatorReply;
import org.perchild.protocol.Scoreboard;
import org.perchild.supervisor.FakeProcesses.Process;
import org.perchild.supervisor.FakeProcesses.Sent;

/**
 * The supervisor's state machine with no real process: the real {@link Supervisor} and its parts,
 * driven one turn at a time by the test, with {@link FakeProcesses} in place of {@code
 * posix_spawn}/{@code kill}/{@code waitpid} and a manual clock. The control channels are real
 * socketpairs: the test speaks as the acceptor and the children and reads what the launcher sends
 * them. The process tests in distribution (SupervisionIT, RecyclingIT, GracefulRestartIT) run the
 * same paths with real processes.
 */
@Timeout(30)
class SupervisorStateMachineTest {

  private static final String[] TWO_TENANTS = {
    "Listen 127.0.0.1:8080",
    "User nobody",
    "Group nogroup",
    "NumServers 2",
    "ChildPerUserID user1 group1 1",
    "ChildPerUserID user2 group2 1",
    "<VirtualHost *:8080>",
    "  ServerName a.test",
    "  AssignUserID user1 group1",
    "</VirtualHost>",
    "<VirtualHost *:8080>",
    "  ServerName b.test",
    "  AssignUserID user2 group2",
    "</VirtualHost>"
  };

  @TempDir Path root;

  private final FakeProcesses processes = new FakeProcesses();
  private long now = 1_000_000_000_000L;
  private Supervisor supervisor;

  @AfterEach
  void closeProcesses() {
    processes.closeAll();
  }

  // ---------------------------------------------------------------- crashes

  @Test
  void aCrashIsReplacedAtOnceThenTheWaitDoublesAndAHealthyRunCountsAnew() throws Exception {
    serving();
    Process acceptor = processes.acceptor();

    processes.exit(processes.latest(1), 1);
    supervisor.turn(0);
    assertEquals("GONE 1", next(acceptor));
    assertEquals(2, processes.slot(1).size(), "the first crash is replaced at once");

    processes.exit(processes.latest(1), 1);
    assertRespawnAfter(1, Duration.ofSeconds(1));
    processes.exit(processes.latest(1), 1);
    assertRespawnAfter(1, Duration.ofSeconds(2));
    processes.exit(processes.latest(1), 1);
    assertRespawnAfter(1, Duration.ofSeconds(4));

    advance(RespawnBackoff.HEALTHY_AFTER);
    processes.exit(processes.latest(1), 1);
    supervisor.turn(0);
    assertEquals(6, processes.slot(1).size(), "after a healthy run a crash is replaced at once");
    assertEquals(1, processes.slot(2).size(), "the other slot is left alone");
    assertEquals(1, processes.latest(1).generation());
  }

  @Test
  void aFatalExitWaitsFiveSecondsThenTwiceAsLong() throws Exception {
    serving();
    processes.exit(processes.latest(2), 2);
    assertRespawnAfter(2, Duration.ofSeconds(5));
    processes.exit(processes.latest(2), 2);
    assertRespawnAfter(2, Duration.ofSeconds(10));
  }

  @Test
  void aCrashedAcceptorIsReplacedAndToldEveryReadyChildAgain() throws Exception {
    serving();
    Process first = processes.acceptor();
    processes.exit(first, 1);
    supervisor.turn(0);
    Process second = processes.acceptor();
    assertTrue(second.pid != first.pid, "a new acceptor at once");
    second.say("READY " + second.pid);
    assertEquals(List.of("CHILD 1 1001 1001", "CHILD 2 1002 1002"), next(second, 2));
  }

  @Test
  void aNewAcceptorGetsEveryReadyChildThenAScoreboardAtOnce() throws Exception {
    serving();
    Process first = processes.acceptor();
    processes.exit(first, 1);
    supervisor.turn(0);
    Process second = processes.acceptor();
    second.say("READY " + second.pid);
    // No clock advance: the scoreboard that lets it accept comes in the same turn as the CHILDs,
    // and after them (one channel keeps the order).
    List<String> messages = new ArrayList<>();
    awaitTurning(
        () -> {
          for (String m = second.poll(); m != null; m = second.poll()) {
            messages.add(m);
          }
          return messages.size() >= 5;
        });
    // Each CHILD with the child's own end of its channel right after it (BACKLOG).
    assertEquals(
        List.of("CHILD 1 1001 1001", "BACKLOG 1", "CHILD 2 1002 1002", "BACKLOG 2"),
        messages.subList(0, 4));
    assertTrue(messages.get(4).startsWith("SCOREBOARD "), messages.toString());
  }

  // ---------------------------------------------------------------- recycling

  @Test
  void aRetiringChildsSuccessorTakesTheSlotWhenReadyAndTheOldOneIsStopped() throws Exception {
    serving();
    Process acceptor = processes.acceptor();
    Process old = processes.latest(1);
    Process successor = retire(old);
    assertEquals(1, successor.generation());

    successor.say("READY " + successor.pid);
    assertEquals("CHILD 1 1001 1001", next(acceptor), "the CHILD replaces the slot: no GONE first");
    assertEquals("STOP", next(old));

    processes.exit(old, 0);
    supervisor.turn(0);
    assertEquals(2, processes.slot(1).size(), "a retired child is not replaced");
    assertNothingFor(acceptor);

    // The slot is the successor's now: its crash is that slot's.
    processes.exit(successor, 1);
    supervisor.turn(0);
    assertEquals("GONE 1", next(acceptor));
    assertEquals(3, processes.slot(1).size());
  }

  @Test
  void aSuccessorThatExitsBeforeReadyIsTriedAgainWithBackoff() throws Exception {
    serving();
    Process acceptor = processes.acceptor();
    Process old = processes.latest(1);
    processes.exit(retire(old), 1);
    supervisor.turn(0);
    assertEquals(3, processes.slot(1).size(), "a first failure is tried again at once");
    processes.exit(processes.latest(1), 1);
    assertRespawnAfter(1, Duration.ofSeconds(1));

    Process successor = processes.latest(1);
    successor.say("READY " + successor.pid);
    assertEquals("CHILD 1 1001 1001", next(acceptor));
    assertEquals("STOP", next(old));
  }

  @Test
  void aRetiringChildThatExitsFirstLeavesTheSlotToItsStartingSuccessor() throws Exception {
    serving();
    Process acceptor = processes.acceptor();
    Process old = processes.latest(1);
    Process successor = retire(old);

    processes.exit(old, 0);
    supervisor.turn(0);
    assertEquals("GONE 1", next(acceptor));
    assertEquals(2, processes.slot(1).size(), "no respawn: the successor is on its way");

    successor.say("READY " + successor.pid);
    assertEquals("CHILD 1 1001 1001", next(acceptor));
    assertNull(successor.poll());
  }

  @Test
  void theScoreboardIsPushedEverySecondAndShowsTheRetiringSlotAndTheRetiredProcess()
      throws Exception {
    serving();
    Process acceptor = processes.acceptor();
    Process old = processes.latest(1);
    Process successor = retire(old);
    assertEquals(
        List.of("1 " + old.pid + " RETIRING", "2 " + processes.latest(2).pid + " READY"),
        rows(nextScoreboard(acceptor)));
    supervisor.turn(0);
    assertNull(acceptor.poll(), "not again within the second");

    successor.say("READY " + successor.pid);
    assertEquals("CHILD 1 1001 1001", next(acceptor));
    assertEquals(
        List.of(
            "1 " + successor.pid + " READY",
            "2 " + processes.latest(2).pid + " READY",
            "1 " + old.pid + " RETIRING"),
        rows(nextScoreboard(acceptor)));
  }

  // ---------------------------------------------------------------- generations

  @Test
  void aGracefulRestartSwitchesOnceTheWholeNewGenerationIsReady() throws Exception {
    serving();
    Process acceptor = processes.acceptor();
    Process old1 = processes.latest(1);
    Process old2 = processes.latest(2);
    rewrite("MaxRequestsPerChild 500");

    OperatorReply reply = await(supervisor.submit(OperatorCommand.GRACEFUL));
    assertEquals(OperatorReply.ok("graceful restart: starting generation 2"), reply);
    List<Process> fresh = processes.generation(2);
    assertEquals(List.of(3, 4), fresh.stream().map(Process::slot).toList());

    fresh.get(0).say("READY " + fresh.get(0).pid);
    assertNothingFor(acceptor);
    fresh.get(1).say("READY " + fresh.get(1).pid);
    assertEquals(
        List.of("RELOAD", "CHILD 3 1001 1001", "CHILD 4 1002 1002", "GONE 1", "GONE 2"),
        next(acceptor, 5));
    assertEquals("STOP", next(old1));
    assertEquals("STOP", next(old2));
    assertEquals(List.of(), processes.signals(), "a graceful restart lets them finish");

    // The old ones are retired: their exits start nothing.
    processes.exit(old1, 0);
    processes.exit(old2, 0);
    supervisor.turn(0);
    assertEquals(4, processes.spawned().size() - 1);
  }

  @Test
  void aRestartCutsTheOldGenerationShort() throws Exception {
    serving();
    Process old1 = processes.latest(1);
    Process old2 = processes.latest(2);
    rewrite("MaxRequestsPerChild 500");
    assertTrue(await(supervisor.submit(OperatorCommand.RESTART)).ok());
    for (Process child : processes.generation(2)) {
      child.say("READY " + child.pid);
    }
    awaitTurning(() -> processes.signals().size() == 2);
    assertEquals(List.of(new Sent(old1.pid, 9), new Sent(old2.pid, 9)), processes.signals());
  }

  @Test
  void aRefusedConfigurationKeepsTheRunningGeneration() throws Exception {
    serving();
    Process acceptor = processes.acceptor();
    rewrite();
    Files.writeString(
        root.resolve("conf/perchild.conf"),
        Files.readString(root.resolve("conf/perchild.conf"))
            .replace("Listen 127.0.0.1:8080", "Listen 127.0.0.2:8080"));

    OperatorReply reply = await(supervisor.submit(OperatorCommand.GRACEFUL));
    assertFalse(reply.ok());
    assertTrue(reply.text().startsWith("the Listen directives changed"), reply.text());

    rewrite("NoSuchDirective on");
    reply = await(supervisor.submit(OperatorCommand.GRACEFUL));
    assertFalse(reply.ok());
    assertTrue(reply.text().startsWith("the configuration is refused"), reply.text());

    assertEquals(3, processes.spawned().size(), "no child of a new generation");
    assertNothingFor(acceptor);
    processes.exit(processes.latest(1), 1);
    supervisor.turn(0);
    assertEquals(1, processes.latest(1).generation(), "generation 1 still serves");
  }

  @Test
  void aNewChildThatExitsBeforeReadyAbandonsTheRestart() throws Exception {
    serving();
    Process acceptor = processes.acceptor();
    rewrite("MaxRequestsPerChild 500");
    assertTrue(await(supervisor.submit(OperatorCommand.GRACEFUL)).ok());
    List<Process> fresh = processes.generation(2);

    processes.exit(fresh.get(0), 2);
    supervisor.turn(0);
    assertEquals("STOP", next(fresh.get(1)), "the rest of the new generation is stopped");
    assertNothingFor(acceptor);
    assertNull(processes.latest(1).poll(), "the running generation is not stopped");

    processes.exit(fresh.get(1), 0);
    OperatorReply again = await(supervisor.submit(OperatorCommand.GRACEFUL));
    assertEquals(OperatorReply.ok("graceful restart: starting generation 2"), again);
  }

  // ---------------------------------------------------------------- per-group restarts

  @Test
  void aGracefulRestartStartsOnlyTheGroupWhoseHostsChanged() throws Exception {
    serving();
    Process acceptor = processes.acceptor();
    Process kept = processes.latest(1);
    Process old2 = processes.latest(2);
    rewrite(host("c.test", "user2 group2"));

    OperatorReply reply = await(supervisor.submit(OperatorCommand.GRACEFUL));
    assertEquals(
        OperatorReply.ok("graceful restart: starting generation 2; kept: user1/group1"), reply);
    List<Process> fresh = processes.generation(2);
    assertEquals(List.of(3), fresh.stream().map(Process::slot).toList());
    assertEquals("user2", fresh.get(0).argument("--user"));

    fresh.get(0).say("READY " + fresh.get(0).pid);
    // The kept child is neither told of again nor GONE: the acceptor routes to it by its uid.
    assertEquals(List.of("RELOAD", "CHILD 3 1002 1002", "GONE 2"), next(acceptor, 3));
    assertEquals("STOP", next(old2));
    // It routes by the new hosts of others from now on (c.test is user2's now).
    assertEquals("ROUTES", next(kept));
    assertNothingFor(kept);
    assertTrue(
        await(supervisor.submit(OperatorCommand.STATUS))
            .text()
            .matches("(?s).*user1/group1 +gen 1 .*user2/group2 +gen 2 .*"),
        "a kept group says it runs generation 1's configuration");

    // Still the running generation's slot 1: its crash is replaced there, under the new record.
    processes.exit(kept, 1);
    supervisor.turn(0);
    assertEquals("GONE 1", next(acceptor));
    assertEquals(2, processes.slot(1).size());
    assertEquals("user1", processes.latest(1).argument("--user"));
    // Its replacement runs the running generation's configuration, and says so.
    assertEquals("2", processes.latest(1).argument("--generation"));
    processes.latest(1).say("READY " + processes.latest(1).pid);
    supervisor.turn(0);
    assertTrue(
        await(supervisor.submit(OperatorCommand.STATUS))
            .text()
            .matches("(?s).*user1/group1 +gen 2 .*"),
        "a respawned kept child runs generation 2's configuration");
  }

  @Test
  void aGracefulRestartWithNothingChangedKeepsEveryChildAndOnlyReloadsTheAcceptor()
      throws Exception {
    serving();
    Process acceptor = processes.acceptor();
    // A line more above the hosts moves them down: where a host is written changes nothing.
    List<String> lines = new ArrayList<>(List.of(TWO_TENANTS));
    lines.add(1, "# a comment");
    Files.writeString(root.resolve("conf/perchild.conf"), String.join("\n", lines) + "\n");

    OperatorReply reply = await(supervisor.submit(OperatorCommand.GRACEFUL));
    assertEquals(
        OperatorReply.ok(
            "graceful restart: starting generation 2; kept: user1/group1, user2/group2"),
        reply);
    assertEquals(List.of("RELOAD"), next(acceptor, 1));
    assertEquals(3, processes.spawned().size(), "no new child");
    assertEquals("ROUTES", next(processes.latest(1)), "not STOP");
    assertEquals("ROUTES", next(processes.latest(2)), "not STOP");

    // The next restart compares against what the kept children run: a change restarts them.
    rewrite("MaxRequestsPerChild 500");
    assertEquals(
        OperatorReply.ok("graceful restart: starting generation 3"),
        await(supervisor.submit(OperatorCommand.GRACEFUL)));
    assertEquals(List.of(3, 4), processes.generation(3).stream().map(Process::slot).toList());
  }

  @Test
  void aNewGroupStartsAndARemovedGroupRetires() throws Exception {
    serving();
    Process acceptor = processes.acceptor();
    Process kept = processes.latest(1);
    Process removed = processes.latest(2);
    // user2 goes (its ChildPerUserID and its host), alice comes.
    List<String> lines = new ArrayList<>(List.of(TWO_TENANTS).subList(0, 10));
    lines.remove("ChildPerUserID user2 group2 1");
    lines.add("ChildPerUserID alice alice 1");
    lines.addAll(List.of(host("d.test", "alice alice")));
    Files.writeString(root.resolve("conf/perchild.conf"), String.join("\n", lines) + "\n");

    OperatorReply reply = await(supervisor.submit(OperatorCommand.GRACEFUL));
    assertTrue(reply.ok(), reply.text());
    assertTrue(reply.text().endsWith("; kept: user1/group1"), reply.text());
    List<Process> fresh = processes.generation(2);
    assertEquals(List.of("alice"), fresh.stream().map(p -> p.argument("--user")).toList());
    fresh.get(0).say("READY " + fresh.get(0).pid);
    assertEquals(List.of("RELOAD", "CHILD 3 2001 2001", "GONE 2"), next(acceptor, 3));
    assertEquals("STOP", next(removed));
    assertEquals("ROUTES", next(kept));
  }

  @Test
  void aGlobalChangeRestartsEveryGroup() throws Exception {
    serving();
    rewrite("Timeout 30");
    assertEquals(
        OperatorReply.ok("graceful restart: starting generation 2"),
        await(supervisor.submit(OperatorCommand.GRACEFUL)));
    assertEquals(
        List.of("user1", "user2"),
        processes.generation(2).stream().map(p -> p.argument("--user")).toList());
  }

  @Test
  void aRestartRestartsEveryGroupEvenUnchanged() throws Exception {
    serving();
    assertEquals(
        OperatorReply.ok("graceful restart: starting generation 2"),
        await(supervisor.submit(OperatorCommand.RESTART)));
    assertEquals(2, processes.generation(2).size());
  }

  @Test
  void aTouchedRealmFileRestartsOnlyTheGroupThatReadsIt() throws Exception {
    Path realm = root.resolve("conf/b.realm");
    Files.createDirectories(realm.getParent());
    Files.writeString(realm, "bob: secret, user\n");
    String[] realmHost = {
      "<VirtualHost *:8080>",
      "  ServerName realm.test",
      "  AssignUserID user2 group2",
      "  WebAppRealm staff " + realm,
      "</VirtualHost>"
    };
    serving(realmHost);
    rewrite(realmHost);
    assertEquals(
        OperatorReply.ok(
            "graceful restart: starting generation 2; kept: user1/group1, user2/group2"),
        await(supervisor.submit(OperatorCommand.GRACEFUL)));

    Files.setLastModifiedTime(
        realm,
        java.nio.file.attribute.FileTime.fromMillis(
            Files.getLastModifiedTime(realm).toMillis() + 5000));
    assertEquals(
        OperatorReply.ok("graceful restart: starting generation 3; kept: user1/group1"),
        await(supervisor.submit(OperatorCommand.GRACEFUL)));
    assertEquals(
        List.of("user2"), processes.generation(3).stream().map(p -> p.argument("--user")).toList());
  }

  // ---------------------------------------------------------------- stop

  @Test
  void aStopEscalatesToTermAtThreeFiveAndSevenSecondsAndKillAtNine() throws Exception {
    serving();
    Process acceptor = processes.acceptor();
    Process child1 = processes.latest(1);
    Process child2 = processes.latest(2);
    assertTrue(await(supervisor.submit(OperatorCommand.STOP)).ok());
    assertEquals("STOP", next(acceptor));
    assertEquals("STOP", next(child1));
    assertEquals("STOP", next(child2));

    List<Sent> expected = new ArrayList<>();
    long elapsed = 0;
    for (StopEscalation.Step step : StopEscalation.STEPS) {
      Duration due = Duration.ofSeconds(step.seconds());
      advance(due.minusMillis(1).minusNanos(elapsed));
      supervisor.turn(0);
      assertEquals(expected, processes.signals(), "nothing before " + due);
      advance(Duration.ofMillis(1));
      supervisor.turn(0);
      expected.add(new Sent(child1.pid, step.signal()));
      expected.add(new Sent(child2.pid, step.signal()));
      expected.add(new Sent(acceptor.pid, step.signal()));
      assertEquals(expected, processes.signals(), "at " + due);
      elapsed = due.toNanos();
    }
    assertEquals(
        List.of(15, 15, 15, 9), StopEscalation.STEPS.stream().map(s -> s.signal()).toList());
    assertEquals(List.of(3, 5, 7, 9), StopEscalation.STEPS.stream().map(s -> s.seconds()).toList());

    advance(Duration.ofMinutes(1));
    supervisor.turn(0);
    assertEquals(expected, processes.signals(), "nothing after the KILL");
    processes.exit(child1, 0);
    processes.exit(child2, 0);
    processes.exit(acceptor, 0);
    assertFalse(supervisor.turn(0), "the loop ends once every process has exited");
  }

  @Test
  void aGracefulStopEscalatesOnlyAfterGracefulShutdownTimeout() throws Exception {
    serving("GracefulShutdownTimeout 10");
    assertTrue(await(supervisor.submit(OperatorCommand.GRACEFUL_STOP)).ok());
    advance(Duration.ofSeconds(13).minusMillis(1));
    supervisor.turn(0);
    assertEquals(List.of(), processes.signals());
    advance(Duration.ofMillis(1));
    supervisor.turn(0);
    assertEquals(3, processes.signals().size());
    assertTrue(processes.signals().stream().allMatch(s -> s.signal() == 15));
  }

  @Test
  void aStopStopsReplacingProcesses() throws Exception {
    serving();
    assertTrue(await(supervisor.submit(OperatorCommand.STOP)).ok());
    processes.exit(processes.latest(1), 1);
    processes.exit(processes.acceptor(), 1);
    advance(Duration.ofMinutes(1));
    assertTrue(supervisor.turn(0));
    assertEquals(3, processes.spawned().size(), "nothing is started again while stopping");
  }

  // ---------------------------------------------------------------- on-demand groups

  /** user1 0-2 and user2 0-1 on demand, one User/Group child, at most 3 child processes. */
  private static final String[] ON_DEMAND = {
    "Listen 127.0.0.1:8080",
    "User nobody",
    "Group nogroup",
    "NumServers 1",
    "ServerLimit 3",
    "ChildIdleTimeout 60",
    "ChildPerUserID user1 group1 0-2",
    "ChildPerUserID user2 group2 0-1",
    "<VirtualHost *:8080>",
    "  ServerName a.test",
    "  AssignUserID user1 group1",
    "</VirtualHost>",
    "<VirtualHost *:8080>",
    "  ServerName b.test",
    "  AssignUserID user2 group2",
    "</VirtualHost>"
  };

  @Test
  void aColdGroupStartsOneChildWhenTheAcceptorHoldsItsConnectionsThenOnlyWhenBusy()
      throws Exception {
    Process acceptor = servingOnDemand();
    assertEquals(2, processes.spawned().size(), "the acceptor and the User/Group child only");

    acceptor.say("WANTED 1001 1001 1");
    awaitTurning(() -> processes.spawned().size() == 3);
    Process first = processes.latest(2);
    assertEquals("1001", first.argument("--uid"));
    acceptor.say("WANTED 1001 1001 4");
    assertNothingFor(acceptor);
    assertEquals(3, processes.spawned().size(), "one start at a time: it takes what waits");

    first.say("READY " + first.pid);
    assertEquals("CHILD 2 1001 1001", next(acceptor));
    first.say("LOAD 1 63 66 0 1 5 500");
    assertNothingFor(acceptor);
    assertEquals(3, processes.spawned().size(), "a child with room: no other");

    first.say("LOAD 64 0 66 7 64 70 7000");
    awaitTurning(() -> processes.spawned().size() == 4);
    Process second = processes.latest(3);
    second.say("READY " + second.pid);
    assertEquals("CHILD 3 1001 1001", next(acceptor));
    second.say("LOAD 64 0 66 3 64 70 7000");
    acceptor.say("WANTED 1001 1001 9");
    assertNothingFor(acceptor);
    assertEquals(4, processes.spawned().size(), "at its maximum of 2");
  }

  @Test
  void aChildAboveTheMinimumStopsAfterChildIdleTimeoutWithoutAConnection() throws Exception {
    Process acceptor = servingOnDemand();
    Process child = startOnDemand(acceptor, 1001, 2);
    advance(Duration.ofSeconds(59));
    child.say("LOAD 0 8 10 0 1 3 300");
    awaitLoad(2, 1, 3);
    child.say("LOAD 0 8 10 0 0 3 300");
    awaitLoad(2, 0, 3);
    advance(Duration.ofSeconds(59));
    assertNothingFor(acceptor);
    assertNull(child.poll(), "59 s after its last connection it still serves");
    advance(Duration.ofSeconds(1));
    supervisor.turn(0);
    assertEquals("GONE 2", next(acceptor));
    assertEquals("STOP", next(child));
    processes.exit(child, 0);
    assertNothingFor(acceptor);
    assertEquals(3, processes.spawned().size(), "not started again until wanted");
    String status = await(supervisor.submit(OperatorCommand.STATUS)).text();
    assertTrue(status.matches("(?s).*\\buser1/group1 +0-2 +cold\\b.*"), status);
  }

  @Test
  void atServerLimitTheLeastRecentlyUsedIdleChildOfAnotherGroupMakesRoom() throws Exception {
    Process acceptor = servingOnDemand();
    Process a = startOnDemand(acceptor, 1001, 2);
    Process b = startOnDemand(acceptor, 1002, 3);
    a.say("LOAD 64 0 66 5 64 70 7000");
    advance(Duration.ofSeconds(1));
    supervisor.turn(0);
    assertEquals("GONE 3", next(acceptor), "3 processes alive: b's idle child makes room");
    assertEquals("STOP", next(b));
    assertEquals(4, processes.spawned().size(), "nothing starts before it has gone");
    processes.exit(b, 0);
    awaitTurning(() -> processes.spawned().size() == 5);
    assertEquals("1001", processes.latest(4).argument("--uid"));
    assertTrue(processes.latest(4).pid != a.pid);
  }

  @Test
  void anOnDemandChildThatDiesIsStartedAgainOnlyWhenWantedAndAfterBackoffWhenItKeepsFailing()
      throws Exception {
    Process acceptor = servingOnDemand();
    Process child = startOnDemand(acceptor, 1001, 2);
    advance(RespawnBackoff.HEALTHY_AFTER);
    processes.exit(child, 1);
    supervisor.turn(0);
    assertEquals("GONE 2", next(acceptor));
    assertNothingFor(acceptor);
    assertEquals(3, processes.spawned().size(), "an idle tenant gets no process back");

    acceptor.say("WANTED 1001 1001 1");
    awaitTurning(() -> processes.spawned().size() == 4);
    processes.exit(processes.latest(3), 1); // before READY: a first failure, no wait
    supervisor.turn(0);
    acceptor.say("WANTED 1001 1001 1");
    awaitTurning(() -> processes.spawned().size() == 5);
    processes.exit(processes.latest(4), 1); // the second: one second
    supervisor.turn(0);
    acceptor.say("WANTED 1001 1001 1");
    assertNothingFor(acceptor);
    assertEquals(5, processes.spawned().size(), "not before a second has passed");
    advance(Duration.ofSeconds(1));
    acceptor.say("WANTED 1001 1001 1");
    awaitTurning(() -> processes.spawned().size() == 6);
  }

  /** A server of {@link #ON_DEMAND}, its acceptor and User/Group child READY; the acceptor. */
  private Process servingOnDemand() throws Exception {
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(root.resolve("conf/perchild.conf"), String.join("\n", ON_DEMAND) + "\n");
    LoadedConfiguration loaded =
        new ConfigLoader(FakeAccounts.standard()).loadSource(root, Path.of("conf/perchild.conf"));
    supervisor = new Supervisor(loaded, null, processes, () -> now, FakeAccounts.standard());
    supervisor.start(ErrorLogs.open(loaded.config(), false), List.of());
    Process acceptor = processes.acceptor();
    acceptor.say("READY " + acceptor.pid);
    Process child = processes.latest(1);
    child.say("READY " + child.pid);
    assertTrue(next(acceptor).startsWith("CHILD 1 "));
    return acceptor;
  }

  /** Turns until {@code slot}'s latest LOAD, as {@code status --json} shows it, is the one said. */
  private void awaitLoad(int slot, int connections, int requests) {
    String row =
        "(?s).*\\{\"slot\":"
            + slot
            + ",[^}]*\"connections\":"
            + connections
            + ",\"requests\":"
            + requests
            + ",.*";
    awaitTurning(
        () -> {
          try {
            return await(supervisor.submit(OperatorCommand.STATUS_JSON)).text().matches(row);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
  }

  /** The acceptor wants a child of {@code uid}'s group: it starts in {@code slot}, READY. */
  private Process startOnDemand(Process acceptor, int uid, int slot) {
    int before = processes.spawned().size();
    acceptor.say("WANTED " + uid + " " + uid + " 1");
    awaitTurning(() -> processes.spawned().size() == before + 1);
    Process child = processes.latest(slot);
    child.say("READY " + child.pid);
    assertEquals("CHILD " + slot + " " + uid + " " + uid, next(acceptor));
    return child;
  }

  // ---------------------------------------------------------------- helpers

  /** Starts a server of two tenants, with {@code extra} lines, and makes everything READY. */
  private void serving(String... extra) throws Exception {
    rewrite(extra);
    LoadedConfiguration loaded =
        new ConfigLoader(FakeAccounts.standard()).loadSource(root, Path.of("conf/perchild.conf"));
    ServerConfig config = loaded.config();
    supervisor = new Supervisor(loaded, null, processes, () -> now, FakeAccounts.standard());
    supervisor.start(ErrorLogs.open(config, false), List.of());
    assertEquals(3, processes.spawned().size());
    Process acceptor = processes.acceptor();
    acceptor.say("READY " + acceptor.pid);
    for (int slot = 1; slot <= 2; slot++) {
      Process child = processes.latest(slot);
      child.say("READY " + child.pid);
    }
    List<String> announced = next(acceptor, 2);
    announced.sort(null);
    assertEquals(List.of("CHILD 1 1001 1001", "CHILD 2 1002 1002"), announced);
  }

  /** The scoreboard pushed to the acceptor once a second has passed; nothing else is waiting. */
  private Scoreboard nextScoreboard(Process acceptor) {
    assertNothingFor(acceptor);
    advance(Duration.ofSeconds(1));
    supervisor.turn(0);
    String message = acceptor.poll();
    assertTrue(message != null && message.startsWith("SCOREBOARD "), String.valueOf(message));
    String hosts = acceptor.poll();
    assertTrue(hosts != null && hosts.startsWith("HOSTS "), "the host rows after it: " + hosts);
    return Scoreboard.parse(message);
  }

  private static List<String> rows(Scoreboard board) {
    return board.children().stream().map(c -> c.slot() + " " + c.pid() + " " + c.state()).toList();
  }

  /** {@code child} says RETIRING; returns its successor, once it is spawned. */
  private Process retire(Process child) {
    int before = processes.slot(child.slot()).size();
    child.say("RETIRING");
    awaitTurning(() -> processes.slot(child.slot()).size() == before + 1);
    return processes.latest(child.slot());
  }

  /** A {@code <VirtualHost *:8080>} named {@code name} served by {@code assign}'s children. */
  private static String[] host(String name, String assign) {
    return new String[] {
      "<VirtualHost *:8080>", "  ServerName " + name, "  AssignUserID " + assign, "</VirtualHost>"
    };
  }

  /** Writes the configuration file anew: two tenants and {@code extra}. */
  private void rewrite(String... extra) throws IOException {
    List<String> lines = new ArrayList<>(List.of(TWO_TENANTS));
    lines.addAll(List.of(extra));
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(root.resolve("conf/perchild.conf"), String.join("\n", lines) + "\n");
  }

  private void advance(Duration duration) {
    now += duration.toNanos();
  }

  /** The slot's process has just exited: nothing until {@code wait} has passed, then a new one. */
  private void assertRespawnAfter(int slot, Duration wait) {
    int before = processes.slot(slot).size();
    supervisor.turn(0);
    assertEquals(before, processes.slot(slot).size(), "not at once, but after " + wait);
    advance(wait.minusMillis(1));
    supervisor.turn(0);
    assertEquals(before, processes.slot(slot).size(), "not before " + wait);
    advance(Duration.ofMillis(1));
    supervisor.turn(0);
    assertEquals(before + 1, processes.slot(slot).size(), "after " + wait);
  }

  /** Turns the loop until {@code condition} holds; the channels' readers are threads. */
  private void awaitTurning(BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within 10 s");
      }
      supervisor.turn(5);
    }
  }

  private OperatorReply await(CompletableFuture<OperatorReply> reply) throws Exception {
    awaitTurning(reply::isDone);
    return reply.get();
  }

  /** The next message the launcher sends {@code process}, scoreboards and host rows aside. */
  private String next(Process process) {
    return next(process, 1).get(0);
  }

  private List<String> next(Process process, int count) {
    List<String> messages = new ArrayList<>();
    awaitTurning(
        () -> {
          for (String m = process.poll(); m != null; m = process.poll()) {
            if (!isStatus(m)) {
              messages.add(m);
            }
          }
          return messages.size() >= count;
        });
    assertEquals(count, messages.size(), "messages to " + process + ": " + messages);
    return messages;
  }

  /** A few turns let what is in flight arrive: then nothing but scoreboards for {@code process}. */
  private void assertNothingFor(Process process) {
    for (int i = 0; i < 10; i++) {
      supervisor.turn(5);
    }
    for (String m = process.poll(); m != null; m = process.poll()) {
      assertTrue(isStatus(m), "unexpected message to " + process + ": " + m);
    }
  }

  /**
   * The scoreboard, a part of the per-host rows that follows it, or the child's end of a hand-off
   * channel that follows each CHILD.
   */
  private static boolean isStatus(String message) {
    return message.startsWith("SCOREBOARD ")
        || message.startsWith("HOSTS ")
        || message.startsWith("BACKLOG ");
  }
}
