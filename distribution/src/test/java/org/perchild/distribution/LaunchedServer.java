package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.perchild.testsupport.Commands;
import org.perchild.testsupport.RootRequirement;

/**
 * The assembled {@code bin/perchild -D FOREGROUND}, started as root from a temporary server root
 * that the test writes, for process tests that need one server of their own (ProcessModelIT keeps
 * its own copy of these steps). Start it in {@code @BeforeAll}, {@link #stop()} it in
 * {@code @AfterAll}, and check {@link #unexpectedErrors()} after each test.
 */
final class LaunchedServer {

  static final Path TREE = ReadableTree.TREE;

  private static final Pattern ERROR_LINE = Pattern.compile("\\bERROR\\b");
  private static final Pattern STARTED =
      Pattern.compile("perchild - (?:acceptor|child \\d+) started: pid (\\d+)");

  final Path root;
  final Path log;
  final int port;
  private final Process launcher;

  private LaunchedServer(Path root, int port, Process launcher) {
    this.root = root;
    this.log = root.resolve("logs/error_log");
    this.port = port;
    this.launcher = launcher;
  }

  /** Skips without root, but fails in CI, where a skipped root test would prove nothing. */
  static void requireRoot() {
    RootRequirement.require("the process model (children started as other users)");
  }

  /** Creates the group and the user (no home, no shell) unless they exist. */
  static void ensureAccount(String user, String group) throws Exception {
    run("sh", "-c", "getent group " + group + " || groupadd --system " + group);
    run(
        "sh",
        "-c",
        "id -u "
            + user
            + " || useradd --system --no-create-home --shell /usr/sbin/nologin -g "
            + group
            + " "
            + user);
  }

  /**
   * Writes a world-readable server root with {@code webapps/<dir>/ROOT.war} for each entry of
   * {@code rootWars}, the configuration {@code conf.apply(port)} for a free loopback port, starts
   * the launcher, and waits until the acceptor and {@code children} children are ready.
   */
  /**
   * The set-up most process tests share: a fallback host {@code fallback.test} served by User/Group
   * and a tenant host {@code tenant.test} served by one child of {@code tenant} (the account is
   * created), both with the whoami WAR as {@code ROOT.war}; {@code serverLines} go before the
   * hosts, {@code tenantHostLines} inside the tenant's {@code <VirtualHost>}.
   */
  static LaunchedServer startFallbackAndTenant(
      String prefix, String tenant, List<String> serverLines, List<String> tenantHostLines)
      throws Exception {
    ensureAccount(tenant, tenant);
    Path whoami = TREE.resolve("webapps/localhost/whoami.war");
    return start(
        prefix,
        Map.of("fallback", whoami, "tenant", whoami),
        port -> {
          List<String> lines =
              new ArrayList<>(
                  List.of(
                      "Listen 127.0.0.1:" + port,
                      "User #65534",
                      "Group #65534",
                      "NumServers 2",
                      "ChildPerUserID " + tenant + " " + tenant + " 1",
                      "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"));
          lines.addAll(serverLines);
          lines.addAll(
              List.of(
                  "<VirtualHost *:" + port + ">",
                  "  ServerName fallback.test",
                  "  AppBase webapps/fallback",
                  "</VirtualHost>",
                  "<VirtualHost *:" + port + ">",
                  "  ServerName tenant.test",
                  "  AssignUserID " + tenant + " " + tenant,
                  "  AppBase webapps/tenant"));
          lines.addAll(tenantHostLines);
          lines.add("</VirtualHost>");
          return String.join("\n", lines) + "\n";
        },
        2);
  }

  static LaunchedServer start(
      String prefix, Map<String, Path> rootWars, IntFunction<String> conf, int children)
      throws Exception {
    Map<String, Path> files = new java.util.LinkedHashMap<>();
    rootWars.forEach((dir, war) -> files.put("webapps/" + dir + "/ROOT.war", war));
    return startWith(prefix, files, conf, children);
  }

  /**
   * Like {@link #start}, but with any files: each entry of {@code files} is a path relative to the
   * server root (its directories are made, world-readable) and the file to copy there.
   */
  static LaunchedServer startWith(
      String prefix, Map<String, Path> files, IntFunction<String> conf, int children)
      throws Exception {
    return startWith(prefix, files, conf, children, root -> {});
  }

  /**
   * Something a test does to the server root after it is written and before the launcher starts.
   */
  interface BeforeStart {
    void prepare(Path root) throws Exception;
  }

  /** Like {@link #startWith}, with {@code beforeStart} run on the written server root. */
  static LaunchedServer startWith(
      String prefix,
      Map<String, Path> files,
      IntFunction<String> conf,
      int children,
      BeforeStart beforeStart)
      throws Exception {
    Path root = Files.createTempDirectory(prefix);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (Map.Entry<String, Path> file : files.entrySet()) {
      Path target = root.resolve(file.getKey());
      Files.createDirectories(target.getParent());
      Files.copy(file.getValue(), target);
    }
    int port = freePort();
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(root.resolve("conf/perchild.conf"), conf.apply(port));
    Files.createDirectories(root.resolve("logs"));
    beforeStart.prepare(root);
    ProcessBuilder builder =
        new ProcessBuilder(
                TREE.resolve("bin/perchild").toString(), "-d", root.toString(), "-D", "FOREGROUND")
            .redirectErrorStream(true)
            .redirectOutput(root.resolve("launcher.out").toFile());
    builder.environment().remove("PERCHILD_LAUNCHER_OPTS");
    LaunchedServer server = new LaunchedServer(root, port, builder.start());
    try {
      await()
          .atMost(120, SECONDS)
          .pollInterval(500, TimeUnit.MILLISECONDS)
          .until(
              () ->
                  server.count("perchild - child \\d+ ready") == children
                      && server.count("perchild - acceptor ready") == 1);
    } catch (RuntimeException | Error e) {
      // @AfterAll gets no server to stop: do not leave this one running.
      try {
        server.stop();
      } catch (Exception | Error stopFailure) {
        e.addSuppressed(stopFailure);
      }
      throw e;
    }
    return server;
  }

  /**
   * SIGTERM to the launcher; it must exit 0 and leave none of its processes behind. Only this
   * server's processes are checked (the launcher, and every pid its log says it started), so that
   * another server on the same machine cannot fail or hide the check.
   */
  void stop() throws Exception {
    Set<Long> ours = new TreeSet<>(startedPids());
    ours.add(launcher.pid());
    launcher.descendants().forEach(p -> ours.add(p.pid()));
    launcher.destroy();
    assertTrue(launcher.waitFor(30, SECONDS), "the launcher did not stop on SIGTERM");
    assertEquals(0, launcher.exitValue());
    await()
        .atMost(10, SECONDS)
        .untilAsserted(
            () ->
                assertEquals(
                    List.of(),
                    ours.stream()
                        .filter(
                            pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                        .map(pid -> pid + " " + commandLineOf(pid))
                        .toList()));
  }

  /**
   * Asks the probe webapp (webapps/probe) deployed for {@code host}: {@code GET /?query} with that
   * {@code Host}, through the acceptor; the answer's text, trimmed. Fails on an HTTP error.
   */
  String probe(String host, String query) throws Exception {
    return run(
            "curl",
            "-sS",
            "--fail",
            "--max-time",
            "20",
            "-H",
            "Host: " + host,
            "http://127.0.0.1:" + port + "/?" + query)
        .trim();
  }

  /** A loopback port that was free a moment ago, for a listener the test configures. */
  static int freePort() throws IOException {
    try (ServerSocket free = new ServerSocket(0)) {
      return free.getLocalPort();
    }
  }

  /** For {@link #startWith}: the whoami WAR as {@code webapps/<dir>/ROOT.war} for each dir. */
  static Map<String, Path> whoamiRoots(String... dirs) {
    Path whoami = TREE.resolve("webapps/localhost/whoami.war");
    Map<String, Path> files = new java.util.LinkedHashMap<>();
    for (String dir : dirs) {
      files.put("webapps/" + dir + "/ROOT.war", whoami);
    }
    return files;
  }

  /** {@code bin/perchild -d ROOT args} for this server: what it prints; fails on an error. */
  String perchild(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of(TREE.resolve("bin/perchild").toString()));
    argv.add("-d");
    argv.add(root.toString());
    argv.addAll(List.of(args));
    return run(argv.toArray(new String[0]));
  }

  /** How many times {@link #changeEveryGroup} has changed the configuration. */
  private int everyGroupChanges;

  /**
   * Changes a global setting every child uses ({@code Timeout}, by a second) in the configuration,
   * so that the next graceful restart gives every group new children: one keeps the children of a
   * group whose configuration did not change.
   */
  void changeEveryGroup() throws IOException {
    Path conf = root.resolve("conf/perchild.conf");
    String previous = "Timeout " + (60 - everyGroupChanges);
    List<String> lines = new ArrayList<>(Files.readAllLines(conf));
    lines.remove(previous);
    everyGroupChanges++;
    lines.add("Timeout " + (60 - everyGroupChanges));
    Files.writeString(conf, String.join("\n", lines) + "\n");
  }

  /** The launcher process itself, for tests that signal or kill it. */
  Process launcher() {
    return launcher;
  }

  /** The pids of this server's processes that run {@code mainClass}, seen from outside. */
  List<Long> pidsOf(String mainClass) {
    return launcher
        .descendants()
        .filter(p -> p.info().commandLine().orElse("").contains(mainClass))
        .map(ProcessHandle::pid)
        .toList();
  }

  /**
   * The child processes: {@code ChildMain}s that are not spares still waiting ({@code --spare},
   * still root). A spare is no child until its assignment, and {@code ServerLimit} does not count
   * it.
   */
  List<Long> childPids() {
    List<Long> pids = new ArrayList<>();
    for (long pid : pidsOf("org.perchild.container.ChildMain")) {
      try {
        boolean spare =
            ProcessHandle.of(pid)
                .flatMap(p -> p.info().commandLine())
                .orElse("")
                .contains(" --spare");
        if (!spare || !status(pid, "Uid").startsWith("0\t")) {
          pids.add(pid);
        }
      } catch (IOException | AssertionError gone) {
        // exited meanwhile
      }
    }
    return pids;
  }

  private List<Long> startedPids() throws IOException {
    List<Long> pids = new ArrayList<>();
    if (Files.exists(log)) {
      for (String line : Files.readAllLines(log)) {
        Matcher started = STARTED.matcher(line);
        if (started.find()) {
          pids.add(Long.parseLong(started.group(1)));
        }
      }
    }
    return pids;
  }

  private static String commandLineOf(long pid) {
    return ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("(no command line)");
  }

  /** Lines of the error log that say ERROR: a process test expects none. */
  List<String> unexpectedErrors() throws IOException {
    if (!Files.exists(log)) {
      return List.of();
    }
    return Files.readAllLines(log).stream().filter(l -> ERROR_LINE.matcher(l).find()).toList();
  }

  long count(String regex) throws IOException {
    Pattern pattern = Pattern.compile(regex);
    if (!Files.exists(log)) {
      return 0;
    }
    return Files.readAllLines(log).stream().filter(l -> pattern.matcher(l).find()).count();
  }

  static String run(String... command) throws Exception {
    return Commands.run(command);
  }

  /** Runs {@code command}, whatever its exit: {@code "exit N\n"} and its output. */
  static String runStatus(String... command) throws Exception {
    return Commands.runStatus(command);
  }

  /**
   * Makes {@code directory} of certificates and keys the tenant's, as an operator does: the
   * directory 0700, each {@code .key} 0600, the rest 0644, all owned by {@code tenant}.
   */
  static void giveKeysTo(Path directory, String tenant) throws Exception {
    run("chown", "-R", tenant + ":" + tenant, directory.toString());
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
    try (var each = Files.list(directory)) {
      for (Path file : each.toList()) {
        Files.setPosixFilePermissions(
            file,
            PosixFilePermissions.fromString(
                file.toString().endsWith(".key") ? "rw-------" : "rw-r--r--"));
      }
    }
  }

  static int uidOf(String user) throws Exception {
    return Integer.parseInt(run("id", "-u", user).trim());
  }

  static int gidOf(String group) throws Exception {
    return Integer.parseInt(run("getent", "group", group).split(":")[2]);
  }

  /** The value of a {@code /proc/<pid>/status} line. */
  static String status(long pid, String key) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(key + ":")) {
        return line.substring(key.length() + 1).trim();
      }
    }
    throw new AssertionError(key + " not in /proc/" + pid + "/status");
  }
}
