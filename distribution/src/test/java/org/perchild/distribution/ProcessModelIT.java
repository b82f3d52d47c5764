package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * The perchild manual's example, run for real: the assembled {@code bin/perchild} started as root,
 * seven child JVMs under real users that the test creates, the acceptor as {@code nobody}, and curl
 * as the client. One server for the whole class.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProcessModelIT {

  private static final Path TREE = ReadableTree.TREE;

  private static Path root;
  private static Path log;
  private static Process launcher;
  private static int port;

  @BeforeAll
  static void startServer() throws Exception {
    RootRequirement.require("the process model (children started as other users)");
    for (String name : List.of("user1", "user2")) {
      LaunchedServer.ensureAccount(name, "group" + name.charAt(name.length() - 1));
    }
    root = Files.createTempDirectory("perchild-pm");
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path war = TREE.resolve("webapps/localhost/whoami.war");
    for (String host : List.of("fallbackhost", "server1", "server2")) {
      Path appBase = Files.createDirectories(root.resolve("webapps").resolve(host));
      Files.copy(war, appBase.resolve("ROOT.war"));
    }
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(
        root.resolve("conf/perchild.conf"),
        String.join(
            "\n",
            "Listen 127.0.0.1:" + port,
            "User #65534",
            "Group #65534",
            "NumServers 7",
            // Load loops run here: no recycling in the middle of what a test watches.
            "MaxRequestsPerChild 0",
            "ChildPerUserID user1 group1 2",
            "ChildPerUserID user2 group2 4",
            "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
            "<VirtualHost *:" + port + ">",
            "  ServerName fallbackhost",
            "  AppBase webapps/fallbackhost",
            "</VirtualHost>",
            "<VirtualHost *:" + port + ">",
            "  ServerName server1",
            "  AssignUserID user1 group1",
            "  AppBase webapps/server1",
            "</VirtualHost>",
            "<VirtualHost *:" + port + ">",
            "  ServerName server2",
            "  AssignUserID user2 group2",
            "  AppBase webapps/server2",
            "</VirtualHost>",
            ""));
    Files.createDirectories(root.resolve("logs"));
    log = root.resolve("logs/error_log");
    launcher =
        new ProcessBuilder(
                TREE.resolve("bin/perchild").toString(), "-d", root.toString(), "-D", "FOREGROUND")
            .redirectErrorStream(true)
            .redirectOutput(root.resolve("launcher.out").toFile())
            .start();
    await()
        .atMost(120, SECONDS)
        .pollInterval(500, TimeUnit.MILLISECONDS)
        .until(
            () ->
                count("perchild - child \\d+ ready") == 7
                    && count("perchild - acceptor ready") == 1);
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (launcher == null) {
      return;
    }
    List<ProcessHandle> started = launcher.descendants().toList();
    launcher.destroy(); // SIGTERM
    assertTrue(launcher.waitFor(30, SECONDS), "the launcher did not stop on SIGTERM");
    assertEquals(0, launcher.exitValue());
    await().atMost(10, SECONDS).until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
    List<String> errors =
        Files.readAllLines(log).stream().filter(l -> l.contains(" ERROR ")).toList();
    assertEquals(List.of(), errors, "unexpected ERROR lines in the error log");
  }

  private static long count(String regex) throws IOException {
    Pattern pattern = Pattern.compile(regex);
    if (!Files.exists(log)) {
      return 0;
    }
    return Files.readAllLines(log).stream().filter(l -> pattern.matcher(l).find()).count();
  }

  private static String curl(String host) throws Exception {
    return Http.curl(port, host, "/");
  }

  /** This server's processes running {@code mainClass}: never another server's on the machine. */
  private static List<Long> pidsOf(String mainClass) {
    return launcher
        .descendants()
        .filter(p -> p.info().commandLine().orElse("").contains(mainClass))
        .map(ProcessHandle::pid)
        .toList();
  }

  private static String status(long pid, String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(key + ":")) {
        return line.substring(key.length() + 1).trim();
      }
    }
    throw new AssertionError(key + " not in /proc/" + pid + "/status");
  }

  @Test
  void eachTenantIsServedByItsOwnChildrenUnderItsOwnUser() throws Exception {
    for (String[] tenant :
        List.of(
            new String[] {"server1", "user1", "group1", "2"},
            new String[] {"server2", "user2", "group2", "4"})) {
      Set<String> pids = new HashSet<>();
      for (int i = 0; i < 40; i++) {
        String json = curl(tenant[0]);
        pids.add(JsonFields.field(json, "pid"));
        assertEquals(
            Integer.toString(LaunchedServer.uidOf(tenant[1])), JsonFields.field(json, "uid"), json);
        assertEquals(
            Integer.toString(LaunchedServer.gidOf(tenant[2])), JsonFields.field(json, "gid"), json);
        assertEquals("0000000000000000", JsonFields.field(json, "capEff"), json);
        assertEquals("1", JsonFields.field(json, "noNewPrivs"), json);
        assertEquals(tenant[0], JsonFields.field(json, "vhost"), json);
      }
      assertEquals(Integer.parseInt(tenant[3]), pids.size(), tenant[0] + " served by " + pids);
    }
  }

  @Test
  void fallbackAndUnknownHostsAreServedByUserGroup() throws Exception {
    Set<String> pids = new HashSet<>();
    for (String host :
        List.of("fallbackhost", "unknown.example", "fallbackhost", "another.unknown")) {
      String json = curl(host);
      assertEquals("65534", JsonFields.field(json, "uid"), json);
      pids.add(JsonFields.field(json, "pid"));
    }
    assertEquals(1, pids.size());
  }

  @Test
  void sevenChildrenAndAnUnprivilegedAcceptor() throws Exception {
    assertEquals(7, pidsOf("org.perchild.container.ChildMain").size());
    List<Long> acceptors = pidsOf("org.perchild.acceptor.AcceptorMain");
    assertEquals(1, acceptors.size());
    assertNotEquals("0", status(acceptors.get(0), "Uid").split("\\s+")[0]);
    assertEquals("65534", status(acceptors.get(0), "Uid").split("\\s+")[1]);
  }

  @Test
  void keepAliveRequestForTheOtherTenantGets421() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write("GET / HTTP/1.1\r\nHost: server1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String first = readResponse(in);
      assertTrue(first.startsWith("HTTP/1.1 200"), first);
      out.write("GET / HTTP/1.1\r\nHost: server2\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String second = readResponse(in);
      assertTrue(second.startsWith("HTTP/1.1 421"), second);
      assertEquals(-1, in.read(), "the connection must be closed after 421");
    }
  }

  @Test
  void servletsSeeTheRealClientAndLocalAddresses() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              "GET / HTTP/1.1\r\nHost: server1\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String json = response.substring(response.indexOf("\r\n\r\n") + 4);
      assertEquals("127.0.0.1", JsonFields.field(json, "remoteAddr"), json);
      assertEquals(
          Integer.toString(socket.getLocalPort()), JsonFields.field(json, "remotePort"), json);
      assertEquals("127.0.0.1", JsonFields.field(json, "localAddr"), json);
      assertEquals(Integer.toString(port), JsonFields.field(json, "localPort"), json);
    }
  }

  @Test
  void childrenGetACleanEnvironmentOfTheirOwnUser() throws Exception {
    String json = curl("server1");
    String environ =
        Files.readString(
            Path.of("/proc/" + JsonFields.field(json, "pid") + "/environ"), StandardCharsets.UTF_8);
    String home = LaunchedServer.run("sh", "-c", "getent passwd user1 | cut -d: -f6").trim();
    assertEquals(
        List.of(
            "PATH=/usr/local/bin:/usr/bin:/bin",
            "HOME=" + home,
            "USER=user1",
            "LOGNAME=user1",
            "LANG=C.UTF-8",
            "MALLOC_ARENA_MAX=2"),
        List.of(environ.split("\0")));
  }

  @Test
  void pidFileNamesTheLauncher() throws Exception {
    assertEquals(launcher.pid() + "", Files.readString(root.resolve("logs/perchild.pid")).trim());
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void aCrashedChildIsReplacedWhileTheOtherHostsServeOn() throws Exception {
    String victim = JsonFields.field(curl("server2"), "pid");
    long readyBefore = count("perchild - child \\d+ ready");
    List<String> failures;
    List<String> server2Failures;
    int served;
    try (LoadLoop server1 = new LoadLoop(port, "server1", 2);
        LoadLoop fallback = new LoadLoop(port, "fallbackhost", 1);
        LoadLoop server2 = new LoadLoop(port, "server2", 1)) {
      await().atMost(10, SECONDS).until(() -> server1.succeeded() > 20);
      LaunchedServer.run("kill", "-9", victim);
      await()
          .atMost(10, SECONDS)
          .until(() -> count("child \\d+ exited: pid " + victim + " killed by signal 9") == 1);
      // The group never stops serving: its three other children take its connections at once.
      int server2Before = server2.succeeded();
      await().atMost(5, SECONDS).until(() -> server2.succeeded() > server2Before + 10);
      // The replacement: a new JVM, ready in about 4 s on an idle machine (a bound for a busy one).
      await()
          .atMost(20, SECONDS)
          .until(() -> count("perchild - child \\d+ ready") == readyBefore + 1);
      server1.close();
      fallback.close();
      server2.close();
      failures = new ArrayList<>(server1.failures());
      failures.addAll(fallback.failures());
      server2Failures = server2.failures();
      served = server1.succeeded() + fallback.succeeded();
    }
    assertEquals(List.of(), failures, "the other virtual hosts saw failures");
    assertTrue(served > 20, "served " + served);
    // Only what the killed child held may be lost: the one connection in flight there.
    assertTrue(
        server2Failures.size() <= 1, "server2 lost more than one connection: " + server2Failures);
    String user2 = Integer.toString(LaunchedServer.uidOf("user2"));
    List<Long> user2Children = new ArrayList<>();
    for (long pid : pidsOf("org.perchild.container.ChildMain")) {
      if (status(pid, "Uid").split("\\s+")[0].equals(user2)) {
        user2Children.add(pid);
      }
    }
    assertEquals(4, user2Children.size(), "user2 has four children again: " + user2Children);
    assertTrue(!user2Children.contains(Long.parseLong(victim)), user2Children + " has " + victim);
    // The newcomer has served no one yet, so the acceptor gives it the next connections.
    String next = JsonFields.field(curl("server2"), "pid");
    assertTrue(user2Children.contains(Long.parseLong(next)), next + " not in " + user2Children);
  }

  /** Reads one response with a Content-Length body. */
  private static String readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.append((char) b);
    }
    Matcher length = Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
    if (length.find()) {
      in.readNBytes(Integer.parseInt(length.group(1)));
    }
    return head.toString();
  }
}
