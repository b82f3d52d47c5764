package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.testsupport.Commands;
import org.perchild.testsupport.RootRequirement;

/**
 * A launcher started by an ordinary user: refused unless single-user mode is asked for, and then
 * every process runs as that user, each tenant still in its own children. The test needs root only
 * to become {@code nobody} (setpriv).
 */
@Timeout(300)
class SingleUserIT {

  private static final Path TREE = ReadableTree.TREE;
  private static Path root;
  private static Process launcher;
  private static int port;

  @BeforeAll
  static void startServer() throws Exception {
    RootRequirement.require("becoming another user (setpriv)");
    root = Files.createTempDirectory("perchild-su");
    for (String host : List.of("fallback", "tenant")) {
      Path appBase = Files.createDirectories(root.resolve("webapps").resolve(host));
      Files.copy(TREE.resolve("webapps/localhost/whoami.war"), appBase.resolve("ROOT.war"));
    }
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Files.createDirectories(root.resolve("conf"));
    Files.createDirectories(root.resolve("logs"));
    Files.writeString(
        root.resolve("conf/perchild.conf"),
        String.join(
            "\n",
            "Listen 127.0.0.1:" + port,
            "NumServers 2",
            "ChildPerUserID #40001 #40001 1",
            "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
            "<VirtualHost *:" + port + ">",
            "  ServerName fallback.test",
            "  AppBase webapps/fallback",
            "</VirtualHost>",
            "<VirtualHost *:" + port + ">",
            "  ServerName tenant.test",
            "  AssignUserID #40001 #40001",
            "  AppBase webapps/tenant",
            "</VirtualHost>",
            ""));
    run("chown", "-R", "65534:65534", root.toString());
    run("chmod", "-R", "a+rX", root.toString());
    launcher =
        new ProcessBuilder(asNobody("-D", "FOREGROUND", "-D", "SINGLE_USER"))
            .redirectErrorStream(true)
            .redirectOutput(root.resolve("launcher.out").toFile())
            .start();
    await()
        .atMost(120, SECONDS)
        .pollInterval(500, TimeUnit.MILLISECONDS)
        .until(() -> count("perchild - child \\d+ ready") == 2);
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (launcher == null) {
      return;
    }
    launcher.destroy();
    assertTrue(launcher.waitFor(30, SECONDS), "the launcher did not stop on SIGTERM");
  }

  private static List<String> asNobody(String... flags) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                TREE.resolve("bin/perchild").toString(),
                "-d",
                root.toString()));
    command.addAll(List.of(flags));
    return command;
  }

  private static String run(String... command) throws Exception {
    return Commands.run(command);
  }

  private static String run(List<String> command, int expectedExit) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, SECONDS));
    assertEquals(expectedExit, process.exitValue(), String.join(" ", command) + ": " + out);
    return out;
  }

  private static long count(String regex) throws IOException {
    Path log = root.resolve("logs/error_log");
    if (!Files.exists(log)) {
      return 0;
    }
    Pattern pattern = Pattern.compile(regex);
    return Files.readAllLines(log).stream().filter(l -> pattern.matcher(l).find()).count();
  }

  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"?([^\",}]*)").matcher(json);
    assertTrue(m.find(), "no " + name + " in " + json);
    return m.group(1);
  }

  @Test
  void withoutTheFlagANonRootLauncherIsRefused() throws Exception {
    String out = run(asNobody("-D", "FOREGROUND"), 1);
    assertTrue(
        out.contains("not root: it cannot start children as the configured users and groups"), out);
    assertTrue(out.contains("-D SINGLE_USER"), out);
  }

  @Test
  void everyProcessRunsAsTheCallerAndTenantsKeepTheirOwnChildren() throws Exception {
    Set<String> pids = new HashSet<>();
    for (String host : List.of("fallback.test", "tenant.test")) {
      String json =
          run(
              "curl",
              "-sS",
              "--max-time",
              "10",
              "-H",
              "Host: " + host,
              "http://127.0.0.1:" + port + "/");
      assertEquals(host, field(json, "vhost"), json);
      assertEquals("65534", field(json, "uid"), json);
      assertEquals("1", field(json, "noNewPrivs"), json);
      pids.add(field(json, "pid"));
    }
    assertEquals(2, pids.size(), "each tenant has its own child even in single-user mode");
    String out = Files.readString(root.resolve("launcher.out"));
    assertTrue(out.contains("WARNING: single-user mode"), out);
  }
}
