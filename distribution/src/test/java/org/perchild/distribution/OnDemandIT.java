package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * On-demand groups with real processes: four tenants whose groups start at zero children ({@code
 * ChildPerUserID user group 0-2} and {@code 0-1}), one of them unable to start (a bad JVM option),
 * on a server capped at three child processes ({@code ServerLimit 3}, one of them the User/Group
 * child). A cold tenant's first request is held by the acceptor while its child starts and gets
 * 200; a burst of slow requests above {@code MaxThreadsPerChild} starts a second child; an idle
 * tenant's children stop after {@code ChildIdleTimeout}; tenants touched one after another never
 * make more than three children alive; the broken tenant gets 503 after {@code ChildWaitTimeout}
 * while the others serve on.
 */
@Timeout(600)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OnDemandIT {

  private static final Path PROBE = Path.of("target/test-wars/probe.war").toAbsolutePath();
  private static final Path WHOAMI = LaunchedServer.TREE.resolve("webapps/localhost/whoami.war");

  private static final String BURSTY = "ondemand1";
  private static final List<String> QUIET = List.of("ondemand2", "ondemand3", "ondemand4");
  private static final String BROKEN = "ondemandbad";
  private static final int SERVER_LIMIT = 3;
  private static final int WAIT_SECONDS = 20;
  private static final int IDLE_SECONDS = 20;
  private static final int MAX_THREADS = 4;

  private static LaunchedServer server;

  @BeforeAll
  static void start() throws Exception {
    LaunchedServer.requireRoot();
    List<String> tenants = new ArrayList<>(List.of(BURSTY));
    tenants.addAll(QUIET);
    tenants.add(BROKEN);
    for (String tenant : tenants) {
      LaunchedServer.ensureAccount(tenant, tenant);
    }
    Map<String, Path> wars = new LinkedHashMap<>();
    wars.put("fallback", WHOAMI);
    wars.put(BURSTY, PROBE);
    for (String tenant : QUIET) {
      wars.put(tenant, WHOAMI);
    }
    wars.put(BROKEN, WHOAMI);
    server =
        LaunchedServer.start(
            "perchild-ondemandit",
            wars,
            port -> {
              List<String> lines =
                  new ArrayList<>(
                      List.of(
                          "Listen 127.0.0.1:" + port,
                          "User #65534",
                          "Group #65534",
                          "NumServers 1",
                          "ServerLimit " + SERVER_LIMIT,
                          "ChildWaitTimeout " + WAIT_SECONDS,
                          "ChildIdleTimeout " + IDLE_SECONDS,
                          "StartThreads 2",
                          "MinSpareThreads 1",
                          "MaxSpareThreads " + MAX_THREADS,
                          "MaxThreadsPerChild " + MAX_THREADS,
                          "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"));
              for (String tenant : tenants) {
                String range = tenant.equals(BURSTY) ? "0-2" : "0-1";
                lines.add("ChildPerUserID " + tenant + " " + tenant + " " + range);
              }
              lines.add("ChildPerUserJavaOptions " + BROKEN + " " + BROKEN + " -XX:+NoSuchOption");
              lines.addAll(
                  List.of(
                      "<Location /server-status>",
                      "  SetHandler server-status",
                      "  Require local",
                      "</Location>",
                      "<VirtualHost *:" + port + ">",
                      "  ServerName fallback.test",
                      "  AppBase webapps/fallback",
                      "</VirtualHost>"));
              for (String tenant : tenants) {
                lines.addAll(
                    List.of(
                        "<VirtualHost *:" + port + ">",
                        "  ServerName " + tenant + ".test",
                        "  AssignUserID " + tenant + " " + tenant,
                        "  AppBase webapps/" + tenant,
                        "</VirtualHost>"));
              }
              return String.join("\n", lines) + "\n";
            },
            1);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  @Order(1)
  void theSpareWaitsAsRootWithNoTenantUntilAColdTenantsChildStartsFromIt() throws Exception {
    // An idle server has its spare ready (ChildSpares: 1 by default with on-demand groups), with
    // the class archive of a fresh server root made: a spare started before is replaced then.
    await()
        .atMost(180, SECONDS)
        .until(() -> server.count("class archive .*(installed|training failed)") >= 1);
    await().atMost(60, SECONDS).until(() -> perchild("status").contains("Spares: 1 ready"));
    long spare = sparePid();
    assertEquals("0\t0\t0\t0", LaunchedServer.status(spare, "Uid"), "a waiting spare is root");
    String cmdline = Files.readString(Path.of("/proc/" + spare + "/cmdline")).replace('\0', ' ');
    assertTrue(cmdline.contains("org.perchild.container.ChildMain --spare"), cmdline);
    assertTrue(!cmdline.contains(BURSTY) && !cmdline.contains("--user"), cmdline);
    // It holds no tenant's hand-off channel or configuration: only its control channel, three
    // times, at 3, 4 and 5.
    String socket = Files.readSymbolicLink(Path.of("/proc/" + spare + "/fd/3")).toString();
    for (int fd : new int[] {4, 5}) {
      assertEquals(
          socket, Files.readSymbolicLink(Path.of("/proc/" + spare + "/fd/" + fd)).toString());
    }

    assertEquals("200", get(BURSTY + ".test", "/?status"));
    // The tenant's child is the spare, now the tenant: its pid, the tenant's uid, the tenant's
    // variables in the JVM's environment.
    assertEquals(List.of(spare), childrenOf(BURSTY));
    int uid = LaunchedServer.uidOf(BURSTY);
    assertTrue(LaunchedServer.status(spare, "Uid").startsWith(uid + "\t"));
    assertTrue(
        server.count("child \\d+ started: pid " + spare + ", .*user " + BURSTY + ", .*from a spare")
            == 1);
    // It started at a raised priority (StartPriority) and is back at nice 0 since its READY.
    assertEquals(List.of(0), niceOfEachThread(spare));
    String home = LaunchedServer.run("getent", "passwd", BURSTY).trim().split(":")[5];
    assertEquals(home, body(BURSTY + ".test", "/?env=HOME"));
    assertEquals(BURSTY, body(BURSTY + ".test", "/?env=USER"));
    assertTrue(
        Files.readSymbolicLink(Path.of("/proc/" + spare + "/fd/4")).toString().startsWith("socket:")
            && !Files.readSymbolicLink(Path.of("/proc/" + spare + "/fd/4"))
                .toString()
                .equals(socket),
        "the hand-off channel took the placeholder's number");
    // Another spare takes its place once nothing starts.
    await().atMost(60, SECONDS).until(() -> perchild("status").contains("Spares: 1 ready"));
    assertTrue(sparePid() != spare);
    assertEquals(List.of(), server.unexpectedErrors());
  }

  @Test
  @Order(2)
  void aColdTenantHasNoProcessUntilItsFirstRequestWhichGets200() throws Exception {
    for (String tenant : List.of(QUIET.get(0), BROKEN)) {
      assertEquals(List.of(), childrenOf(tenant), tenant + " has a process before any request");
    }
    // BURSTY's first request was the test before's.
    assertEquals("200", get(BURSTY + ".test", "/?status"));
    assertEquals(1, childrenOf(BURSTY).size());
    String status = perchild("status");
    assertTrue(status.matches("(?s).*\\b" + BURSTY + "/" + BURSTY + " +0-2 +1 of 2\\b.*"), status);
    assertTrue(
        status.matches("(?s).*\\b" + QUIET.get(0) + "/" + QUIET.get(0) + " +0-1 +cold\\b.*"),
        status);
    // The acceptor's page shows the same, from the scoreboard the launcher pushes each second.
    await()
        .atMost(10, SECONDS)
        .until(
            () ->
                statusJson()
                    .contains(
                        "{\"group\":\""
                            + BURSTY
                            + "/"
                            + BURSTY
                            + "\",\"min\":0,\"max\":2,\"children\":1,\"ready\":1,"
                            + "\"state\":\"1_of_2\"}"));
    assertTrue(
        statusJson()
            .contains(
                "{\"group\":\""
                    + QUIET.get(0)
                    + "/"
                    + QUIET.get(0)
                    + "\",\"min\":0,\"max\":1,\"children\":0,\"ready\":0,"
                    + "\"state\":\"cold\"}"));
    assertEquals(List.of(), server.unexpectedErrors());
  }

  @Test
  @Order(3)
  void aBurstAboveMaxThreadsPerChildStartsASecondChild() throws Exception {
    int burst = 3 * MAX_THREADS;
    ExecutorService clients = Executors.newFixedThreadPool(burst);
    try {
      List<Future<String>> answers = new ArrayList<>();
      for (int i = 0; i < burst; i++) {
        answers.add(clients.submit(() -> get(BURSTY + ".test", "/?sleep=6000")));
      }
      await().atMost(60, SECONDS).until(() -> childrenOf(BURSTY).size() == 2);
      for (Future<String> answer : answers) {
        assertEquals("200", answer.get());
      }
    } finally {
      clients.shutdownNow();
    }
    assertTrue(
        server.count("on-demand group " + BURSTY + "/" + BURSTY + " 0-2: child \\d+ started") >= 2);
    assertEquals(List.of(), server.unexpectedErrors());
  }

  @Test
  @Order(4)
  void afterChildIdleTimeoutWithoutAConnectionTheTenantHasNoProcess() throws Exception {
    await().atMost(120, SECONDS).until(() -> childrenOf(BURSTY).isEmpty());
    assertTrue(
        server.count("child \\d+ of on-demand group " + BURSTY + "/" + BURSTY + " stops") >= 2);
    // Cold again: the next request starts it again.
    assertEquals("200", get(BURSTY + ".test", "/?status"));
    assertEquals(1, childrenOf(BURSTY).size());
  }

  @Test
  @Order(5)
  void tenantsTouchedOneAfterAnotherNeverMakeMoreChildrenThanServerLimit() throws Exception {
    AtomicInteger most = new AtomicInteger();
    // The children alive, counted every 20 ms while the tenants are touched (a waiting spare is
    // none: ServerLimit does not count it).
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleAtFixedRate(
        () -> most.accumulateAndGet(server.childPids().size(), Math::max),
        0,
        20,
        TimeUnit.MILLISECONDS);
    List<String> answers = new ArrayList<>();
    try {
      for (int round = 0; round < 2; round++) {
        for (String tenant : QUIET) {
          answers.add(tenant + " " + get(tenant + ".test", "/"));
        }
        answers.add(BURSTY + " " + get(BURSTY + ".test", "/?status"));
      }
    } finally {
      sampler.shutdown();
      assertTrue(sampler.awaitTermination(10, SECONDS));
    }
    for (String answer : answers) {
      assertTrue(answer.endsWith(" 200"), answers.toString());
    }
    assertTrue(most.get() <= SERVER_LIMIT, most.get() + " child processes alive at once");
    assertTrue(server.count("ServerLimit " + SERVER_LIMIT + " reached: stopping child") >= 1);
    assertEquals(List.of(), server.unexpectedErrors());
  }

  @Test
  @Order(6)
  void aTenantWhoseChildrenCannotStartGets503AfterChildWaitTimeoutAndTheOthersServeOn()
      throws Exception {
    ExecutorService clients = Executors.newSingleThreadExecutor();
    try {
      long started = System.nanoTime();
      Future<String> broken =
          clients.submit(
              () ->
                  LaunchedServer.run(
                      "curl",
                      "-sS",
                      "-o",
                      "/dev/null",
                      "-D",
                      "-",
                      "--max-time",
                      "90",
                      "-H",
                      "Host: " + BROKEN + ".test",
                      "http://127.0.0.1:" + server.port + "/"));
      // Meanwhile another tenant is served.
      assertEquals("200", get(QUIET.get(0) + ".test", "/"));
      String head = broken.get();
      long waited = (System.nanoTime() - started) / 1_000_000_000L;
      assertTrue(head.startsWith("HTTP/1.1 503"), head);
      assertTrue(head.toLowerCase().contains("retry-after:"), head);
      assertTrue(waited >= WAIT_SECONDS - 1, "503 after " + waited + " s");
      assertEquals(List.of(), childrenOf(BROKEN));
      assertTrue(server.count("on-demand group " + BROKEN + "/" + BROKEN + " 0-1: child") >= 1);
      assertEquals("200", get(QUIET.get(1) + ".test", "/"));
    } finally {
      clients.shutdownNow();
    }
  }

  /** The status code of {@code GET path} with {@code Host: host}, waiting up to 90 s. */
  private static String get(String host, String path) throws Exception {
    return curl(host, path, "-o", "/dev/null", "-w", "%{http_code}");
  }

  /** The body of {@code GET path} with {@code Host: host}. */
  private static String body(String host, String path) throws Exception {
    return curl(host, path);
  }

  /** curl's output for {@code GET path} with {@code Host: host} and {@code options}, trimmed. */
  private static String curl(String host, String path, String... options) throws Exception {
    List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--max-time", "90"));
    argv.addAll(List.of(options));
    argv.addAll(List.of("-H", "Host: " + host, "http://127.0.0.1:" + server.port + path));
    return LaunchedServer.run(argv.toArray(String[]::new)).trim();
  }

  /** The nice value of each thread of {@code pid}: field 19 of its tasks' {@code stat}. */
  private static List<Integer> niceOfEachThread(long pid) throws Exception {
    List<Integer> nice = new ArrayList<>();
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks.toList()) {
        String stat = Files.readString(task.resolve("stat"));
        nice.add(Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]));
      }
    }
    return nice.stream().distinct().toList();
  }

  /** The pid in {@code perchild status}'s {@code Spares: 1 ready, 0 starting (pids N)}. */
  private static long sparePid() throws Exception {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("Spares: 1 ready, 0 starting \\(pids (\\d+)\\)")
            .matcher(perchild("status"));
    assertTrue(m.find(), "no spare ready");
    return Long.parseLong(m.group(1));
  }

  /** The acceptor's {@code /server-status?json}. */
  private static String statusJson() throws Exception {
    return LaunchedServer.run(
        "curl",
        "-sS",
        "--max-time",
        "10",
        "-H",
        "Host: fallback.test",
        "http://127.0.0.1:" + server.port + "/server-status?json");
  }

  private static List<Long> childrenOf(String tenant) throws Exception {
    int uid = LaunchedServer.uidOf(tenant);
    List<Long> pids = new ArrayList<>();
    for (long pid : server.pidsOf("org.perchild.container.ChildMain")) {
      try {
        if (LaunchedServer.status(pid, "Uid").startsWith(uid + "\t")) {
          pids.add(pid);
        }
      } catch (java.io.IOException | AssertionError gone) {
        // exited meanwhile
      }
    }
    return pids;
  }

  private static String perchild(String... args) throws Exception {
    List<String> argv = new ArrayList<>();
    argv.add(LaunchedServer.TREE.resolve("bin/perchild").toString());
    argv.addAll(List.of("-d", server.root.toString()));
    argv.addAll(List.of(args));
    return LaunchedServer.run(argv.toArray(String[]::new));
  }
}
