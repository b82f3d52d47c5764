package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.perchild.testsupport.Http;

/**
 * A Spring Boot 3 WAR (webapps/springboot: {@code SpringBootServletInitializer}, no web.xml, a
 * controller and a session counter) in a tenant with two children, as a customer would deploy it:
 * the controller answers as the tenant's user; one session counts on across fresh connections that
 * the acceptor hands to either child, across the recycling of both children (MaxRequestsPerChild)
 * and across a graceful restart.
 */
@Timeout(400)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpringBootIT {

  private static final String TENANT = "springa";
  private static final String HOST = "boot.test";
  private static final Path WAR =
      Path.of("target/test-wars/springboot-sample.war").toAbsolutePath();

  private static LaunchedServer server;
  private static Path cookies;
  private static int count;

  @BeforeAll
  static void startServer() throws Exception {
    LaunchedServer.requireRoot();
    LaunchedServer.ensureAccount(TENANT, TENANT);
    assertTrue(Files.isRegularFile(WAR), WAR + " (copied by the pom before the ITs)");
    server =
        LaunchedServer.startWith(
            "perchild-springboot",
            Map.of("webapps/boot/boot.war", WAR),
            port ->
                String.join(
                    "\n",
                    "Listen 127.0.0.1:" + port,
                    "User #65534",
                    "Group #65534",
                    "NumServers 2",
                    "ChildPerUserID " + TENANT + " " + TENANT + " 2",
                    // Small, so that the test sees both children recycled (it counts connections).
                    "MaxRequestsPerChild 12",
                    "ChildJavaOptions -Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                    "<VirtualHost *:" + port + ">",
                    "  ServerName " + HOST,
                    "  AssignUserID " + TENANT + " " + TENANT,
                    "  AppBase webapps/boot",
                    "</VirtualHost>",
                    ""),
            2);
    cookies = server.root.resolve("client-cookies.txt");
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  @AfterEach
  void noErrorLogged() throws Exception {
    assertEquals(List.of(), server.unexpectedErrors());
  }

  /**
   * On one new connection: {@code /boot/count} with the client's cookies, then {@code
   * /boot/whoami}; checks that the counter went up by one and the child runs as the tenant, and
   * returns the child's pid.
   */
  private static long countOnce() throws Exception {
    String base = "http://127.0.0.1:" + server.port;
    String answer =
        LaunchedServer.run(
                "curl",
                "-sS",
                "--fail",
                "--max-time",
                "30",
                "-b",
                cookies.toString(),
                "-c",
                cookies.toString(),
                "-H",
                "Host: " + HOST,
                base + "/boot/count",
                "-w",
                "\n",
                base + "/boot/whoami")
            .trim();
    List<String> lines = answer.lines().map(String::trim).toList();
    count++;
    assertEquals(Integer.toString(count), lines.get(0), "the session's counter: " + answer);
    assertTrue(
        lines.contains("uid=" + LaunchedServer.uidOf(TENANT)), "not the tenant's uid: " + answer);
    return lines.stream()
        .filter(l -> l.startsWith("pid="))
        .map(l -> Long.parseLong(l.substring(4)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no pid in " + answer));
  }

  private static Set<Long> countTimes(int n) throws Exception {
    Set<Long> pids = new HashSet<>();
    for (int i = 0; i < n; i++) {
      pids.add(countOnce());
    }
    return pids;
  }

  @Test
  @Order(1)
  void theStaticPageAndTheControllerAnswerAsTheTenant() throws Exception {
    String page = Http.get(server.port, HOST, "/boot/index.html").body();
    assertTrue(page.contains("Spring Boot sample"), page);
    assertTrue(server.count("webapp boot.war at " + HOST + "/boot: servlet environment ee10") >= 2);
  }

  @Test
  @Order(2)
  void sixFreshConnectionsCountOneToSixThroughBothChildren() throws Exception {
    Set<Long> pids = countTimes(6);
    assertEquals(2, pids.size(), "the acceptor handed the connections to both children: " + pids);
  }

  @Test
  @Order(3)
  void theSessionCountsOnAfterBothChildrenAreRecycled() throws Exception {
    String replaced = "ready: pid \\d+, replacing retiring pid";
    long before = server.count(replaced);
    // MaxRequestsPerChild counts connections, one a count: both children soon retire, and serve
    // on until their replacements are ready; countOnce fails if the counter skips or restarts.
    await()
        .atMost(120, SECONDS)
        .pollInterval(200, java.util.concurrent.TimeUnit.MILLISECONDS)
        .until(
            () -> {
              countOnce();
              return server.count(replaced) >= before + 2;
            });
    assertTrue(server.count(replaced) >= before + 2, "both children recycled");
    countTimes(4);
  }

  @Test
  @Order(4)
  void theSessionCountsOnAfterAGracefulRestart() throws Exception {
    Set<Long> before = countTimes(2);
    // A change that restarts every group: an unchanged tenant's children would be kept.
    server.changeEveryGroup();
    LaunchedServer.run("kill", "-USR1", Long.toString(server.launcher().pid()));
    await().atMost(120, SECONDS).until(() -> server.count("generation 2 serves") == 1);
    Set<Long> after = countTimes(4);
    after.retainAll(before);
    assertEquals(Set.of(), after, "generation 2 answered");
  }
}
