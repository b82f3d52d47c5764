package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.perchild.protocol.ProcessCommand;

/**
 * The launcher heals what dies: a killed acceptor is replaced while the kernel keeps the queued
 * connections (the launcher holds the listen sockets), and a killed launcher takes every process
 * with it, since each one sees the end of its control channel.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SupervisionIT {

  private static LaunchedServer server;

  @BeforeAll
  static void start() throws Exception {
    LaunchedServer.requireRoot();
    server =
        LaunchedServer.startFallbackAndTenant(
            "perchild-supervisionit", "supervised", List.of("MaxRequestsPerChild 0"), List.of());
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null && server.launcher().isAlive()) {
      server.stop();
    }
  }

  @Test
  @Order(1)
  void aKilledAcceptorIsReplacedAndNoConnectionIsRefused() throws Exception {
    long acceptor = server.pidsOf("org.perchild.acceptor.AcceptorMain").get(0);
    List<String> failures;
    try (LoadLoop tenant = new LoadLoop(server.port, "tenant.test", 2);
        LoadLoop fallback = new LoadLoop(server.port, "fallback.test", 1)) {
      await().atMost(10, SECONDS).until(() -> tenant.succeeded() > 20);
      LaunchedServer.run("kill", "-9", Long.toString(acceptor));
      // Bounds for a machine that may be busy (a new JVM starts): what is checked is that the
      // acceptor comes back and nothing is refused meanwhile, not how fast.
      await().atMost(30, SECONDS).until(() -> server.count("perchild - acceptor ready") == 2);
      int before = tenant.succeeded();
      await().atMost(30, SECONDS).until(() -> tenant.succeeded() > before + 20);
      tenant.close();
      fallback.close();
      failures = new ArrayList<>(tenant.failures());
      failures.addAll(fallback.failures());
    }
    // Only the connections the killed acceptor held at that instant may be lost (at most one per
    // client thread); none may be refused: the launcher's listen sockets never closed.
    assertEquals(
        List.of(),
        failures.stream().filter(f -> f.contains("refused")).toList(),
        "connections refused while the acceptor was replaced");
    assertTrue(
        failures.size() <= 3, "more than the acceptor's own connections failed: " + failures);
    List<Long> acceptors = server.pidsOf("org.perchild.acceptor.AcceptorMain");
    assertEquals(1, acceptors.size());
    assertNotEquals(acceptor, acceptors.get(0));
    assertEquals(List.of(), server.unexpectedErrors());
  }

  /**
   * The tenant's only child is killed under load: the acceptor holds the connections that arrive
   * while its replacement starts (ChildWaitTimeout, 10 s by default) and hands them to it, so only
   * the request the dead child was serving may fail, and none gets 503.
   */
  @Test
  @Order(2)
  void aKilledOnlyChildOfATenantLosesAtMostTheRequestInFlight() throws Exception {
    int uid = LaunchedServer.uidOf("supervised");
    List<Long> children = childrenOf(uid);
    assertEquals(1, children.size(), "the tenant has one child: " + children);
    long readyBefore = server.count("perchild - child \\d+ ready");
    List<String> failures;
    try (LoadLoop tenant = new LoadLoop(server.port, "tenant.test", 1)) {
      await().atMost(10, SECONDS).until(() -> tenant.succeeded() > 20);
      LaunchedServer.run("kill", "-9", Long.toString(children.get(0)));
      await()
          .atMost(60, SECONDS)
          .until(() -> server.count("perchild - child \\d+ ready") > readyBefore);
      int before = tenant.succeeded();
      await().atMost(30, SECONDS).until(() -> tenant.succeeded() > before + 20);
      tenant.close();
      failures = tenant.failures();
    }
    assertTrue(failures.size() <= 1, "more than the request in flight failed: " + failures);
    assertEquals(
        List.of(), failures.stream().filter(f -> f.contains("503")).toList(), "503s meanwhile");
    List<Long> now = childrenOf(uid);
    assertEquals(1, now.size(), "one child again: " + now);
    assertNotEquals(children.get(0), now.get(0));
  }

  private static List<Long> childrenOf(int uid) throws Exception {
    List<Long> pids = new ArrayList<>();
    for (long pid : server.pidsOf("org.perchild.container.ChildMain")) {
      if (LaunchedServer.status(pid, "Uid").startsWith(uid + "\t")) {
        pids.add(pid);
      }
    }
    return pids;
  }

  @Test
  @Order(3)
  void aKilledLauncherLeavesNoProcessBehind() throws Exception {
    List<ProcessHandle> processes = server.launcher().descendants().toList();
    // The acceptor and two children; a class archive's training run may still be under way (the
    // first start of a server root): it must go with the launcher too, but it serves nothing.
    assertEquals(
        3,
        processes.stream()
            .map(p -> p.info().commandLine().orElse(""))
            .filter(c -> c.contains("org.perchild") && !c.contains(ProcessCommand.TRAINING_MAIN))
            .count());
    LaunchedServer.run("kill", "-9", Long.toString(server.launcher().pid()));
    await()
        .atMost(10, SECONDS)
        .untilAsserted(
            () ->
                assertEquals(
                    List.of(),
                    processes.stream()
                        .filter(ProcessHandle::isAlive)
                        .map(ProcessHandle::pid)
                        .toList()));
    assertTrue(!server.launcher().isAlive());
  }
}
