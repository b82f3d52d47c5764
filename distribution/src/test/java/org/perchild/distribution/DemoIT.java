package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.perchild.testsupport.Http;
import org.perchild.testsupport.RootRequirement;

/**
 * The shipped demo as a newcomer meets it: {@code bin/start.sh}, run as root with the shipped
 * configuration and AppBases (on a free port instead of 8080, and with the process tests' small
 * child heaps), prints the URL of each demo host once every child is ready, and {@code /} on each
 * answers the welcome page from a child of that host's own uid. One server for the whole class.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoIT {

  private static final Path TREE = ReadableTree.TREE;
  private static final Pattern SERVING = Pattern.compile("(?m)^Perchild is serving: .*$");
  private static final Pattern PAGE_PID = Pattern.compile("<span id=\"pid\">(\\d+)</span>");

  /** The demo's hosts and the uids conf/perchild.conf gives them. */
  private static final List<String[]> HOSTS =
      List.of(
          new String[] {"localhost", "65534"},
          new String[] {"alice.localhost", "40001"},
          new String[] {"bob.localhost", "40002"});

  private static Path root;
  private static Path out;
  private static int port;
  private static Process server;

  @BeforeAll
  static void startTheDemo() throws Exception {
    RootRequirement.require("the demo's tenants (children started as uids 40001 and 40002)");
    root = Files.createTempDirectory("perchild-demo");
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    String conf = Files.readString(TREE.resolve("conf/perchild.conf"));
    assertTrue(conf.contains("\nListen 8080\n"), "the demo listens on 8080: " + conf);
    conf =
        conf.replace("8080", Integer.toString(port))
            .replaceAll(
                "(?m)^ChildJavaOptions .*$",
                "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(root.resolve("conf/perchild.conf"), conf);
    Files.setPosixFilePermissions(
        root.resolve("conf/perchild.conf"), PosixFilePermissions.fromString("rw-------"));
    try (Stream<Path> files = Files.walk(TREE.resolve("webapps"))) {
      for (Path file : files.toList()) {
        Path target = root.resolve(TREE.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
    Files.createDirectories(root.resolve("logs"));
    out = root.resolve("start.out");
    ProcessBuilder builder =
        new ProcessBuilder(TREE.resolve("bin/start.sh").toString(), "-d", root.toString())
            .redirectOutput(out.toFile())
            .redirectError(root.resolve("start.err").toFile());
    builder.environment().remove("PERCHILD_LAUNCHER_OPTS");
    builder.environment().remove("PERCHILD_READY_WAIT");
    server = builder.start();
    try {
      // start.sh gives the children 120 s before it stops waiting to print.
      await()
          .atMost(150, SECONDS)
          .pollInterval(500, TimeUnit.MILLISECONDS)
          .until(() -> servingLines(out).size() >= HOSTS.size() || !server.isAlive());
      assertTrue(server.isAlive(), "start.sh ended: " + output());
    } catch (RuntimeException | Error e) {
      stopTheDemo();
      throw new AssertionError("no URLs printed: " + output(), e);
    }
  }

  @AfterAll
  static void stopTheDemo() throws Exception {
    if (server == null) {
      return;
    }
    List<ProcessHandle> started = server.descendants().toList();
    server.destroy(); // SIGTERM, to the launcher start.sh became
    assertTrue(server.waitFor(30, SECONDS), "the launcher did not stop on SIGTERM");
    assertEquals(0, server.exitValue(), output());
    await().atMost(10, SECONDS).until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
    await().atMost(10, SECONDS).until(() -> waiters(root).isEmpty());
    List<String> errors =
        Files.readAllLines(root.resolve("logs/error_log")).stream()
            .filter(l -> l.matches(".*\\bERROR\\b.*"))
            .toList();
    assertEquals(List.of(), errors, "unexpected ERROR lines in the error log");
    server = null;
  }

  private static List<String> servingLines(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    return SERVING.matcher(Files.readString(file)).results().map(MatchResult::group).toList();
  }

  private static String output() {
    try {
      return "stdout: "
          + Files.readString(out)
          + "\nstderr: "
          + Files.readString(root.resolve("start.err"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  /**
   * start.sh's waiters for {@code serverRoot}: shell processes still running the script (the
   * launcher it became runs java). A waiter that has exited but not been reaped has no command
   * line, and is not one.
   */
  private static List<ProcessHandle> waiters(Path serverRoot) {
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info()
                    .commandLine()
                    .filter(c -> c.contains("bin/start.sh") && c.contains(serverRoot.toString()))
                    .isPresent())
        .toList();
  }

  @Test
  @Order(1)
  void startShPrintsEachDemoHostsUrlOnceEveryChildIsReadyAndStaysTheServer() throws Exception {
    List<String> lines = servingLines(out);
    assertEquals(3, lines.size(), output());
    assertTrue(
        lines
            .get(0)
            .matches(
                "Perchild is serving: http://localhost:" + port + "/ \\(user \\S+ group \\S+\\)"),
        lines.toString());
    assertEquals(
        "Perchild is serving: http://alice.localhost:" + port + "/ (user #40001 group #40001)",
        lines.get(1));
    assertEquals(
        "Perchild is serving: http://bob.localhost:" + port + "/ (user #40002 group #40002)",
        lines.get(2));
    assertTrue(Files.readString(out).startsWith("Syntax OK\n"), output());
    // exec: the process start.sh began as is the launcher, whose pid the PidFile holds.
    assertEquals(
        Long.toString(server.pid()), Files.readString(root.resolve("logs/perchild.pid")).strip());
    String status =
        LaunchedServer.run(
            TREE.resolve("bin/perchild").toString(), "-d", root.toString(), "status");
    assertTrue(status.contains("\nChildren: 4 of 4 ready\n"), status);
    // Its waiter has printed and gone; it never outlives its work.
    await().atMost(10, SECONDS).until(() -> waiters(root).isEmpty());
  }

  @Test
  @Order(2)
  void eachDemoHostAnswersItsWelcomePageFromAChildOfItsOwnUid() throws Exception {
    List<Long> ours = server.descendants().map(ProcessHandle::pid).toList();
    for (String[] host : HOSTS) {
      Http.Reply reply = Http.get(port, host[0] + ":" + port, "/");
      assertEquals(200, reply.statusCode(), host[0] + ": " + reply);
      assertTrue(reply.header("Content-Type").startsWith("text/html"), reply.fields().toString());
      String html = reply.body();
      assertTrue(html.contains("<td id=\"vhost\">" + host[0] + "</td>"), html);
      assertTrue(html.contains("<span id=\"uid\">" + host[1] + "</span>"), html);
      assertTrue(html.contains("<span id=\"gid\">" + host[1] + "</span>"), html);
      Matcher pid = PAGE_PID.matcher(html);
      assertTrue(pid.find(), html);
      long childPid = Long.parseLong(pid.group(1));
      assertTrue(ours.contains(childPid), childPid + " is not one of this server's " + ours);
      assertEquals(
          host[1], LaunchedServer.status(childPid, "Uid").split("\\s+")[0], "uid of " + childPid);
      // The links to every demo host are on the port the request came to.
      for (String[] other : HOSTS) {
        String url = "http://" + other[0] + ":" + port + "/";
        assertTrue(html.contains("<a href=\"" + url + "\">"), url + " in " + html);
      }
      assertTrue(html.contains("<a href=\"/whoami/\">"), html);
      Http.Reply whoami = Http.get(port, host[0] + ":" + port, "/whoami/");
      assertEquals(200, whoami.statusCode(), whoami.toString());
      assertTrue(whoami.body().contains("\"uid\":" + host[1] + ","), whoami.body());
    }
  }

  @Test
  @Order(3)
  void theWelcomePageIsAtTheRootAloneAndEscapesTheHost() throws Exception {
    assertEquals(404, Http.get(port, "alice.localhost:" + port, "/favicon.ico").statusCode());
    // An unknown name goes to the default host, localhost, whose page names what was asked for.
    Http.Reply reply = Http.get(port, "a&b.example:" + port, "/");
    assertEquals(200, reply.statusCode(), reply.toString());
    assertTrue(reply.body().contains("<td id=\"vhost\">a&amp;b.example</td>"), reply.body());
  }

  @Test
  @Order(4)
  void aStartThatFailsPrintsNoUrlsAndLeavesNoWaiter() throws Exception {
    // The same server root again: the configuration passes, the launcher cannot start (its port
    // is taken, its control socket answers), and the running server's READY is not its own.
    Path out2 = root.resolve("start2.out");
    ProcessBuilder builder =
        new ProcessBuilder(TREE.resolve("bin/start.sh").toString(), "-d", root.toString())
            .redirectOutput(out2.toFile())
            .redirectError(root.resolve("start2.err").toFile());
    builder.environment().remove("PERCHILD_LAUNCHER_OPTS");
    Process second = builder.start();
    assertTrue(second.waitFor(60, SECONDS), "a second start.sh is still running");
    assertNotEquals(0, second.exitValue());
    // Its waiter sees its server gone within a poll, and ends without a word.
    await().atMost(10, SECONDS).until(() -> waiters(root).isEmpty());
    assertEquals("Syntax OK\n", Files.readString(out2));
    assertTrue(server.isAlive(), "the running demo stopped");
    assertEquals(200, Http.get(port, "bob.localhost:" + port, "/").statusCode());
  }
}
