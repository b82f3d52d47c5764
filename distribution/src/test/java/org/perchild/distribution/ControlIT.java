package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.perchild.protocol.ProcessCommand;

/**
 * {@code bin/perchild -k ...} and {@code bin/perchild status} against a real launcher, over its
 * root-only control socket; and {@code -k start}, the launcher in the background.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlIT {

  private static final Path WHOAMI = LaunchedServer.TREE.resolve("webapps/localhost/whoami.war");
  private static LaunchedServer server;

  /** What one run of the command line printed and returned. */
  private record Result(int code, String out, String err) {}

  private static String conf(int port) {
    return String.join(
        "\n",
        "Listen 127.0.0.1:" + port,
        "User #65534",
        "Group #65534",
        "NumServers 2",
        "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
        "<VirtualHost *:" + port + ">",
        "  ServerName fallback.test",
        "  AppBase webapps/fallback",
        "</VirtualHost>",
        "");
  }

  @BeforeAll
  static void start() throws Exception {
    LaunchedServer.requireRoot();
    server =
        LaunchedServer.start("perchild-control", Map.of("fallback", WHOAMI), ControlIT::conf, 2);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null && server.launcher().isAlive()) {
      server.stop();
    }
  }

  @AfterEach
  void noErrors() throws Exception {
    if (server != null) {
      assertEquals(List.of(), server.unexpectedErrors());
    }
  }

  private static Result perchild(Path root, String... args) throws Exception {
    return command(root, List.of(), args);
  }

  /** {@code bin/perchild -d root args}, run as {@code prefix} says (e.g. setpriv). */
  private static Result command(Path root, List<String> prefix, String... args) throws Exception {
    List<String> argv = new ArrayList<>(prefix);
    argv.add(LaunchedServer.TREE.resolve("bin/perchild").toString());
    argv.add("-d");
    argv.add(root.toString());
    argv.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(argv)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().remove("PERCHILD_LAUNCHER_OPTS");
    Process process = builder.start();
    byte[] out;
    byte[] err;
    try (InputStream stdout = process.getInputStream();
        InputStream stderr = process.getErrorStream()) {
      out = stdout.readAllBytes();
      err = stderr.readAllBytes();
    }
    assertTrue(process.waitFor(150, SECONDS), "still running: " + argv);
    return new Result(
        process.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  private static List<Long> childPids() {
    return server.pidsOf("org.perchild.container.ChildMain").stream().sorted().toList();
  }

  @Test
  @Order(1)
  void statusShowsEveryChildReadyWithItsPid() throws Exception {
    Result status = perchild(server.root, "status");
    assertEquals(0, status.code(), status.err());
    assertEquals("", status.err());
    List<String> lines = status.out().lines().toList();
    assertEquals("Launcher: pid " + server.launcher().pid(), lines.get(1), status.out());
    long acceptor = server.pidsOf("org.perchild.acceptor.AcceptorMain").get(0);
    assertTrue(
        lines.get(2).startsWith("Acceptor: pid " + acceptor + ", READY, uptime "), status.out());
    assertEquals("Children: 2 of 2 ready", lines.get(3));
    List<Long> pids = new ArrayList<>();
    Pattern row =
        Pattern.compile("^(\\d+) +(\\d+) +nobody/\\S+ +1 +READY +\\S+ +\\S+ +0( +\\d+){6}$");
    // The child rows end where the group rows begin.
    int hosts = lines.indexOf("Groups:");
    assertTrue(hosts > 5, status.out());
    for (String line : lines.subList(5, hosts)) {
      Matcher m = row.matcher(line);
      assertTrue(m.matches(), line);
      pids.add(Long.parseLong(m.group(2)));
    }
    assertEquals(childPids(), pids.stream().sorted().toList());
  }

  @Test
  @Order(2)
  void statusJsonParses() throws Exception {
    Result status = perchild(server.root, "status", "--json");
    assertEquals(0, status.code(), status.err());
    String json = status.out().strip();
    assertTrue(json.startsWith("{\"launcher\":{\"pid\":" + server.launcher().pid() + ","), json);
    Matcher child =
        Pattern.compile(
                "\\{\"slot\":(\\d+),\"pid\":(\\d+),\"user\":\"nobody\",\"group\":\"[^\"]+\","
                    + "\"generation\":1,\"state\":\"READY\",\"startedAt\":\"[^\"]+\","
                    + "\"uptimeSeconds\":\\d+,\"restarts\":0,\"busyThreads\":\\d+,"
                    + "\"idleThreads\":\\d+,\"totalThreads\":[1-9]\\d*,\"queued\":\\d+,"
                    + "\"connections\":\\d+,\"requests\":\\d+,\"bytes\":\\d+\\}")
            .matcher(json);
    List<Long> pids = new ArrayList<>();
    while (child.find()) {
      pids.add(Long.parseLong(child.group(2)));
    }
    assertEquals(childPids(), pids.stream().sorted().toList(), json);
    assertTrue(
        json.matches(
            "\\{\"launcher\":\\{[^{}]+\\},\"acceptor\":\\{[^{}]*\"state\":\"READY\"[^{}]*"
                + "\"answered\":\\{[^{}]*\\}\\},"
                + "\"children\":\\[(\\{[^{}]+\\},?)+\\],"
                + "\"groups\":\\[(\\{[^{}]+\\},?)+\\],"
                + "\"spares\":\\{\"ready\":0,\"starting\":0,\"pids\":\\[\\]\\},"
                + "\"hosts\":\\[(\\{\"name\":\"[^\"]+\",[^{}]+\\{[^{}]+\\},\"protocols\":\\{[^{}]+\\},"
                + "\"tlsHandshakes\":\\{[^{}]+\\}\\},?)+\\]\\}"),
        json);
  }

  @Test
  @Order(2)
  void dumpPrintsTheChildsJettyTree() throws Exception {
    Result dump = perchild(server.root, "dump", "1");
    assertEquals(0, dump.code(), dump.err());
    assertEquals("", dump.err());
    String text = dump.out();
    // The root lifecycle, with Jetty's server, its pool and connector, and the host's webapp.
    String first = text.lines().findFirst().orElse("");
    assertTrue(first.contains("ChildProcess@"), first);
    for (String part :
        List.of(
            "SpareThreadPool", "HandoffConnector", "HandoffReceiver", "LoadReporter", "whoami")) {
      assertTrue(text.contains(part), part + " not in the dump:\n" + text);
    }
    Result none = perchild(server.root, "dump", "9");
    assertEquals(1, none.code(), none.out());
    assertTrue(none.err().contains("there is no child slot 9"), none.err());
    Result usage = perchild(server.root, "dump", "one");
    assertEquals(1, usage.code());
  }

  @Test
  @Order(3)
  void theSocketIsRootsAlone() throws Exception {
    Path socket = server.root.resolve("logs/perchild.sock");
    PosixFileAttributes attributes =
        Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    assertTrue(attributes.isOther(), "not a socket: " + socket);
    assertEquals(PosixFilePermissions.fromString("rw-------"), attributes.permissions());
    assertEquals("root", attributes.owner().getName());
    Result nobody =
        command(
            server.root,
            List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"),
            "status");
    assertEquals(1, nobody.code(), nobody.out());
    assertEquals("", nobody.out());
    assertTrue(nobody.err().contains("Permission denied"), nobody.err());
    Result stop =
        command(
            server.root,
            List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"),
            "-k",
            "stop");
    assertEquals(1, stop.code());
    assertTrue(server.launcher().isAlive());
  }

  @Test
  @Order(4)
  void gracefulRestartThroughTheSocketAndBySignal() throws Exception {
    List<Long> first = childPids();
    Result graceful = perchild(server.root, "-k", "graceful");
    assertEquals(0, graceful.code(), graceful.err());
    assertEquals("", graceful.out() + graceful.err());
    await().atMost(60, SECONDS).until(() -> server.count("generation 2 serves") == 1);
    // Nothing changed: every child is kept.
    assertEquals(first, childPids());
    server.changeEveryGroup();
    assertEquals(0, perchild(server.root, "-k", "graceful").code());
    await().atMost(60, SECONDS).until(() -> server.count("generation 3 serves") == 1);
    await()
        .atMost(30, SECONDS)
        .until(() -> childPids().size() == 2 && childPids().stream().noneMatch(first::contains));
    List<Long> second = childPids();
    // A restart (HUP) restarts every group, changed or not.
    LaunchedServer.run("kill", "-HUP", Long.toString(server.launcher().pid()));
    await().atMost(60, SECONDS).until(() -> server.count("generation 4 serves") == 1);
    await()
        .atMost(30, SECONDS)
        .until(() -> childPids().size() == 2 && childPids().stream().noneMatch(second::contains));
    assertTrue(server.launcher().isAlive());
  }

  @Test
  @Order(5)
  void stopStopsTheServerAndLeavesNothing() throws Exception {
    // An old generation's child that has just exited is listed until the launcher reaps it.
    await().atMost(10, SECONDS).until(() -> server.launcher().descendants().count() == 3);
    Set<Long> ours = new TreeSet<>();
    ours.add(server.launcher().pid());
    server.launcher().descendants().forEach(p -> ours.add(p.pid()));
    assertEquals(4, ours.size(), ours.toString());
    Result stop = perchild(server.root, "-k", "stop");
    assertEquals(0, stop.code(), stop.err());
    assertEquals("", stop.out() + stop.err());
    assertTrue(server.launcher().waitFor(10, SECONDS));
    assertEquals(0, server.launcher().exitValue());
    assertEquals(
        List.of(),
        ours.stream()
            .filter(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false))
            .toList());
    assertFalse(Files.exists(server.root.resolve("logs/perchild.sock")));
    assertFalse(Files.exists(server.root.resolve("logs/perchild.pid")));
  }

  @Test
  @Order(6)
  void noServerNoControl() throws Exception {
    Result graceful = perchild(server.root, "-k", "graceful");
    assertEquals(1, graceful.code());
    assertEquals(
        "perchild: no server is running (no control socket at "
            + server.root.resolve("logs/perchild.sock")
            + ")\n",
        graceful.err());
  }

  @Test
  @Order(7)
  void startRunsInTheBackgroundUntilStop() throws Exception {
    Path root = Files.createTempDirectory("perchild-daemon");
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.copy(
        WHOAMI, Files.createDirectories(root.resolve("webapps/fallback")).resolve("ROOT.war"));
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(root.resolve("conf/perchild.conf"), conf(port));
    Result start = perchild(root, "-k", "start");
    assertEquals(0, start.code(), start.err());
    assertEquals("", start.out() + start.err());
    long launcher = Long.parseLong(Files.readString(root.resolve("logs/perchild.pid")).strip());
    ProcessHandle handle = ProcessHandle.of(launcher).orElseThrow();
    // Its own session, no longer the child of the command that started it.
    assertEquals(
        Long.toString(launcher),
        Files.readString(Path.of("/proc/" + launcher + "/stat")).split(" ")[5]);
    Result again = perchild(root, "-k", "start");
    assertEquals(0, again.code());
    assertTrue(again.err().startsWith("perchild: already running"), again.err());
    Path log = root.resolve("logs/error_log");
    await()
        .atMost(120, SECONDS)
        .until(() -> Files.readString(log).split("perchild - child \\d+ ready", -1).length == 3);
    Result status = perchild(root, "status");
    assertTrue(status.out().contains("Children: 2 of 2 ready"), status.out());
    // The launcher, the acceptor and two children; a class archive's training run may be under way
    // (the first start of a server root), which is no serving process.
    List<ProcessHandle> processes =
        new ArrayList<>(
            handle
                .descendants()
                .filter(
                    p -> !p.info().commandLine().orElse("").contains(ProcessCommand.TRAINING_MAIN))
                .toList());
    processes.add(handle);
    assertEquals(4, processes.size(), processes.toString());
    Result stop = perchild(root, "-k", "stop");
    assertEquals(0, stop.code(), stop.err());
    await().atMost(10, SECONDS).until(() -> processes.stream().noneMatch(ProcessHandle::isAlive));
    String errorLog = Files.readString(log);
    assertEquals(
        1,
        errorLog.split("perchild configured -- resuming normal operations", -1).length - 1,
        "each line once: the daemon's standard error is the log, and it is not copied twice");
    assertFalse(Pattern.compile("\\bERROR\\b").matcher(errorLog).find(), errorLog);
    assertFalse(Files.exists(root.resolve("logs/perchild.sock")));
  }
}
