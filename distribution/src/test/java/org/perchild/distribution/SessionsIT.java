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
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
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
 * restart; tenant {@code sessionb}'s child cannot read them; and the same holds in ee8 and ee9 web
 * applications. The methods run in order against one server and one client's cookie jar.
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
    Map<String, Path> files = new LinkedHashMap<>();
    files.put("webapps/a/ROOT.war", PROBE_WAR);
    files.put("webapps/b/ROOT.war", PROBE_WAR);
    server =
        LaunchedServer.startWith(
            "perchild-sessions",
            files,
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
                    "  ServerName a8.test",
                    "  AssignUserID sessiona sessiona",
                    "  AppBase webapps/a8",
                    "</VirtualHost>",
                    "<VirtualHost *:" + port + ">",
                    "  ServerName a9.test",
                    "  AssignUserID sessiona sessiona",
                    "  AppBase webapps/a9",
                    "</VirtualHost>",
                    "<VirtualHost *:" + port + ">",
                    "  ServerName b.test",
                    "  AssignUserID sessionb sessionb",
                    "  AppBase webapps/b",
                    "</VirtualHost>",
                    ""),
            3,
            SessionsIT::otherEnvironments);
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
   * The same counter in the environments nested in Jetty 12: an ee8 ({@code javax.servlet}) JSP for
   * {@code a8.test}, and the probe servlet under a Servlet 5.0 {@code web.xml} (so ee9) for {@code
   * a9.test}.
   */
  private static void otherEnvironments(Path root) throws Exception {
    Path ee8 = Files.createDirectories(root.resolve("webapps/a8/ROOT/WEB-INF"));
    Files.writeString(
        ee8.resolve("web.xml"),
        "<web-app xmlns=\"http://xmlns.jcp.org/xml/ns/javaee\" version=\"4.0\"/>\n");
    Files.writeString(
        ee8.getParent().resolve("count.jsp"),
        "<%@ page contentType=\"text/plain\" %><% Integer count = (Integer)"
            + " session.getAttribute(\"count\"); count = count == null ? 1 : count + 1;"
            + " session.setAttribute(\"count\", count); %><%= count %> <%= new"
            + " java.io.File(\"/proc/self\").getCanonicalFile().getName() %>");
    Path ee9 = Files.createDirectories(root.resolve("webapps/a9/ROOT"));
    try (ZipInputStream war = new ZipInputStream(Files.newInputStream(PROBE_WAR))) {
      for (ZipEntry entry = war.getNextEntry(); entry != null; entry = war.getNextEntry()) {
        Path target = ee9.resolve(entry.getName()).normalize();
        if (entry.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(war, target);
        }
      }
    }
    Path webXml = ee9.resolve("WEB-INF/web.xml");
    Files.writeString(
        webXml,
        Files.readString(webXml)
            .replace("version=\"6.0\"", "version=\"5.0\"")
            .replace("web-app_6_0.xsd", "web-app_5_0.xsd"));
    LaunchedServer.run("chmod", "-R", "a+rX", root.resolve("webapps").toString());
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

    // A change that restarts every group: an unchanged tenant's children would be kept.
    server.changeEveryGroup();
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

  @Test
  @Order(5)
  void theNestedEnvironmentsShareTheirSessionsToo() throws Exception {
    for (String[] each : new String[][] {{"a8.test", "/count.jsp"}, {"a9.test", "/?count"}}) {
      Path jar = server.root.resolve("cookies-" + each[0]);
      Set<String> pids = new HashSet<>();
      for (int i = 1; i <= 4; i++) {
        String answer =
            LaunchedServer.run(
                    "curl",
                    "-sS",
                    "--fail",
                    "--max-time",
                    "60",
                    "-b",
                    jar.toString(),
                    "-c",
                    jar.toString(),
                    "-H",
                    "Host: " + each[0],
                    "http://127.0.0.1:" + server.port + each[1])
                .trim();
        String[] fields = answer.split(" ");
        assertEquals(Integer.toString(i), fields[0], each[0] + ": " + answer);
        pids.add(fields[1]);
      }
      assertEquals(2, pids.size(), each[0] + " was served by both children: " + pids);
      String host = "." + each[0].replace(".", "%2E") + ".";
      try (Stream<Path> listed = Files.list(tenantDirectory())) {
        assertEquals(
            1,
            listed
                .map(f -> f.getFileName().toString())
                .filter(n -> n.contains(host) && n.endsWith(".session"))
                .count(),
            "one session file named by " + each[0]);
      }
    }
  }
}
