package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Sessions through the real process model: tenant {@code sessiona} has two children, and one
 * client's session (a counter in the probe webapp's {@code ?count}) goes on counting whichever of
 * them the acceptor hands each connection to, after one of them is killed, and across a graceful
 * restart; tenant {@code sessionb}'s child cannot read them. The methods run in order against one
 * server and one client's cookie jar.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SessionsIT {

  private static final Path PROBE_WAR = Path.of("target/test-wars/probe.war").toAbsolutePath();

  private static LaunchedServer server;
  private static Path cookies;
  private static int count;

  @BeforeAll
  static void startServer() throws Exception {
    LaunchedServer.requireRoot();
    for (String tenant : List.of("sessiona", "sessionb")) {
      LaunchedServer.ensureAccount(tenant, tenant);
    }
    assertTrue(Files.isRegularFile(PROBE_WAR), PROBE_WAR + " (copied by the pom before the ITs)");
    Map<String, Path> wars = new LinkedHashMap<>();
    wars.put("a", PROBE_WAR);
    wars.put("b", PROBE_WAR);
    server =
        LaunchedServer.start(
            "perchild-sessions",
            wars,
            port ->
                String.join(
                    "\n",
                    "Listen 127.0.0.1:" + port,
                    "User #65534",
                    "Group #65534",
                    "NumServers 3",
                    "ChildPerUserID sessiona sessiona 2",
                    "ChildPerUserID sessionb sessionb 1",
                    "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                    "<VirtualHost *:" + port + ">",
                    "  ServerName a.test",
                    "  AssignUserID sessiona sessiona",
                    "  AppBase webapps/a",
                    "</VirtualHost>",
                    "<VirtualHost *:" + port + ">",
                    "  ServerName b.test",
                    "  AssignUserID sessionb sessionb",
                    "  AppBase webapps/b",
                    "</VirtualHost>",
                    ""),
            3);
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

  /** One {@code ?count} on a new connection with the client's cookies; the pid that answered. */
  private static long countOnce() throws Exception {
    String answer =
        LaunchedServer.run(
                "curl",
                "-sS",
                "--fail",
                "--max-time",
                "20",
                "-b",
                cookies.toString(),
                "-c",
                cookies.toString(),
                "-H",
                "Host: a.test",
                "http://127.0.0.1:" + server.port + "/?count")
            .trim();
    String[] fields = answer.split(" ");
    count++;
    assertEquals(Integer.toString(count), fields[0], "the session's counter: " + answer);
    return Long.parseLong(fields[1]);
  }

  private static Set<Long> countTimes(int n) throws Exception {
    Set<Long> pids = new HashSet<>();
    for (int i = 0; i < n; i++) {
      pids.add(countOnce());
    }
    return pids;
  }

  private static Path tenantDirectory() throws Exception {
    return server.root.resolve("sessions/" + LaunchedServer.uidOf("sessiona"));
  }

  @Test
  @Order(1)
  void bothChildrenOfTheTenantServeOneSession() throws Exception {
    Set<Long> pids = countTimes(6);

    assertEquals(2, pids.size(), "the acceptor handed the connections to both children: " + pids);
  }

  @Test
  @Order(2)
  void theSessionOutlivesTheChildThatWroteItLast() throws Exception {
    long last = countOnce();
    long readyBefore = server.count("perchild - child \\d+ ready");

    LaunchedServer.run("kill", "-9", Long.toString(last));
    await()
        .atMost(60, SECONDS)
        .until(() -> server.count("perchild - child \\d+ ready") == readyBefore + 1);

    Set<Long> pids = countTimes(4);
    assertTrue(!pids.contains(last), pids + " still has the killed " + last);
  }

  @Test
  @Order(3)
  void theSessionOutlivesAGracefulRestart() throws Exception {
    Set<Long> before = countTimes(2);

    LaunchedServer.run("kill", "-USR1", Long.toString(server.launcher().pid()));
    await().atMost(90, SECONDS).until(() -> server.count("generation 2 serves") == 1);

    Set<Long> after = countTimes(4);
    after.retainAll(before);
    assertEquals(Set.of(), after, "generation 2 answered");
  }

  @Test
  @Order(4)
  void theSessionsAreTheTenantsAloneOnDisk() throws Exception {
    Path mine = tenantDirectory();
    List<Path> files = new ArrayList<>();
    try (Stream<Path> listed = Files.list(mine)) {
      listed.filter(f -> f.toString().endsWith(".session")).forEach(files::add);
    }
    assertEquals(1, files.size(), files.toString());
    int uid = LaunchedServer.uidOf("sessiona");
    assertEquals(uid, Files.getAttribute(mine, "unix:uid", LinkOption.NOFOLLOW_LINKS));
    assertEquals(0700, (Integer) Files.getAttribute(mine, "unix:mode") & 07777);
    assertEquals(0711, (Integer) Files.getAttribute(mine.getParent(), "unix:mode") & 07777);
    assertEquals(0, Files.getAttribute(mine.getParent(), "unix:uid"));
    assertEquals(uid, Files.getAttribute(files.get(0), "unix:uid"));
    assertEquals(0600, (Integer) Files.getAttribute(files.get(0), "unix:mode") & 07777);

    // The tenant's own child lists its directory; the other tenant's reaches none of it.
    assertTrue(
        server.probe("a.test", "list=" + mine).contains(files.get(0).getFileName().toString()));
    assertTrue(server.probe("b.test", "list=" + mine).startsWith("list denied"));
    assertTrue(server.probe("b.test", "read=" + files.get(0)).startsWith("read denied"));
    assertTrue(server.probe("b.test", "list=" + mine.getParent()).startsWith("list denied"));
  }
}
