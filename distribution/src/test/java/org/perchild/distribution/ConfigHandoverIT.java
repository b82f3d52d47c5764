package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * One configuration per generation, read by the launcher alone: the configuration files are root's
 * (mode 0600) and the server still starts and answers; no tenant's webapp can read them, nor any
 * child's JVM options (on no command line, in no readable file); and a file edited again right
 * after a graceful restart was read changes nothing in the generation that goes live.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConfigHandoverIT {

  private static final Path PROBE_WAR = Path.of("target/test-wars/probe.war").toAbsolutePath();
  private static final String SECRET_A = "handover-alpha-only";
  private static final String SECRET_B = "handover-beta-only";

  private static LaunchedServer server;
  private static Path conf;
  private static Path included;

  @BeforeAll
  static void startServer() throws Exception {
    LaunchedServer.requireRoot();
    for (String tenant : List.of("handa", "handb")) {
      LaunchedServer.ensureAccount(tenant, tenant);
    }
    assertTrue(Files.isRegularFile(PROBE_WAR), PROBE_WAR + " (copied by the pom before the ITs)");
    Map<String, Path> files = new LinkedHashMap<>();
    files.put("webapps/a/ROOT.war", PROBE_WAR);
    files.put("webapps/b/ROOT.war", PROBE_WAR);
    server =
        LaunchedServer.startWith(
            "perchild-handover",
            files,
            port ->
                String.join(
                    "\n",
                    "Listen 127.0.0.1:" + port,
                    "User #65534",
                    "Group #65534",
                    "NumServers 2",
                    "ChildPerUserID handa handa 1",
                    "ChildPerUserID handb handb 1",
                    "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                    "ChildPerUserJavaOptions handa handa -Dhandover.secret=" + SECRET_A,
                    "ChildPerUserJavaOptions handb handb -Dhandover.secret=" + SECRET_B,
                    "<VirtualHost *:" + port + ">",
                    "  ServerName a.test",
                    "  AssignUserID handa handa",
                    "  AppBase webapps/a",
                    "</VirtualHost>",
                    "Include conf/b.conf",
                    ""),
            2,
            root -> {
              conf = root.resolve("conf/perchild.conf");
              included = root.resolve("conf/b.conf");
              String port = Files.readString(conf).lines().findFirst().orElseThrow().split(":")[1];
              Files.writeString(
                  included,
                  String.join(
                      "\n",
                      "<VirtualHost *:" + port + ">",
                      "  ServerName b.test",
                      "  AssignUserID handb handb",
                      "  AppBase webapps/b",
                      "</VirtualHost>",
                      ""));
              for (Path file : List.of(conf, included)) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
              }
            });
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

  private static String probe(String host, String query) throws Exception {
    return server.probe(host, query);
  }

  /** The real uid of the process that answered for {@code host}. */
  private static String uidServing(String host) throws Exception {
    for (String line : probe(host, "status").split("\n")) {
      if (line.startsWith("Uid:")) {
        return line.substring(4).trim().split("\\s+")[0];
      }
    }
    throw new AssertionError("no Uid for " + host);
  }

  private static String uid(String user) throws Exception {
    return Integer.toString(LaunchedServer.uidOf(user));
  }

  private static List<Long> childPids() {
    return server.pidsOf("org.perchild.container.ChildMain");
  }

  private static Path argFileDirectory() {
    return server.root.resolve("logs/perchild-java-options");
  }

  private static String perchild(String... args) throws Exception {
    List<String> argv = new ArrayList<>();
    argv.add(LaunchedServer.TREE.resolve("bin/perchild").toString());
    argv.addAll(List.of("-d", server.root.toString()));
    argv.addAll(List.of(args));
    return LaunchedServer.runStatus(argv.toArray(String[]::new));
  }

  @Test
  @Order(1)
  void withTheConfigurationRootsAloneTheServerStartsAndAnswers() throws Exception {
    for (Path file : List.of(conf, included)) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      assertEquals(0, Files.getAttribute(file, "unix:uid"));
    }
    assertEquals(uid("handa"), uidServing("a.test"));
    assertEquals(uid("handb"), uidServing("b.test"));
    // The options reached each JVM, through the argfile, as root, before main.
    assertEquals(SECRET_A, probe("a.test", "property=handover.secret"));
    assertEquals(SECRET_B, probe("b.test", "property=handover.secret"));
    assertEquals(1, server.count("configuration read for generation 1: " + conf + ", sha256 "));
  }

  @Test
  @Order(2)
  void configTestWarnsAboutAConfigurationOthersCanRead() throws Exception {
    assertEquals("exit 0\nSyntax OK\n", perchild("-t"));
    Files.setPosixFilePermissions(included, PosixFilePermissions.fromString("rw-r--r--"));
    try {
      String out = perchild("-t");
      assertTrue(out.startsWith("exit 0\n"), out);
      assertTrue(
          out.contains(
              included
                  + ":0: warning: mode 0644: readable by others; tenants could read every"
                  + " tenant's settings"),
          out);
      assertFalse(out.contains(conf + ":0: warning"), out);
    } finally {
      Files.setPosixFilePermissions(included, PosixFilePermissions.fromString("rw-------"));
    }
    String layout = perchild("-S");
    assertTrue(layout.contains("Configuration: \"" + conf + "\" read "), layout);
    assertTrue(layout.contains("         " + included), layout);
  }

  @Test
  @Order(3)
  void aTenantCanReadNeitherTheConfigurationNorAnyChildsJavaOptions() throws Exception {
    for (String host : List.of("a.test", "b.test")) {
      String config = probe(host, "read=" + conf);
      assertTrue(config.startsWith("read denied: java.nio.file.AccessDeniedException"), config);
      String include = probe(host, "read=" + included);
      assertTrue(include.startsWith("read denied: java.nio.file.AccessDeniedException"), include);
      String options = probe(host, "list=" + argFileDirectory());
      assertTrue(options.startsWith("list denied: java.nio.file.AccessDeniedException"), options);
      List<Long> pids = childPids();
      assertEquals(2, pids.size(), pids.toString());
      for (long pid : pids) {
        String cmdline = probe(host, "cat=/proc/" + pid + "/cmdline");
        assertTrue(cmdline.contains("org.perchild.container.ChildMain"), cmdline);
        assertFalse(cmdline.contains(SECRET_A) || cmdline.contains(SECRET_B), cmdline);
        assertFalse(cmdline.contains("-Xmx96m"), cmdline);
      }
    }
    // Every child is READY: the launcher has deleted every options file.
    try (var left = Files.list(argFileDirectory())) {
      assertEquals(List.of(), left.toList());
    }
  }

  private static void append(Path file, String... lines) throws Exception {
    Files.writeString(
        file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  private static String[] tenantBHost(String name) {
    return new String[] {
      "<VirtualHost *:" + server.port + ">",
      "  ServerName " + name,
      "  AssignUserID handb handb",
      "  AppBase webapps/b",
      "</VirtualHost>"
    };
  }

  private static void gracefulRestart() throws Exception {
    LaunchedServer.run("kill", "-USR1", Long.toString(server.launcher().pid()));
  }

  @Test
  @Order(4)
  void aFileEditedAgainAfterTheRestartReadItChangesNothingInTheNewGeneration() throws Exception {
    String original = Files.readString(included);
    // Round 1: the restart adds c1.test; an edit right after the launcher read it adds c2.test.
    append(included, tenantBHost("c1.test"));
    gracefulRestart();
    await()
        .atMost(20, SECONDS)
        .pollInterval(50, TimeUnit.MILLISECONDS)
        .until(() -> server.count("configuration read for generation 2: ") == 1);
    append(included, tenantBHost("c2.test"));
    await().atMost(90, SECONDS).until(() -> server.count("generation 2 serves") == 1);
    // The acceptor routes by what the launcher accepted: c1.test to tenant b's child, which
    // serves it (no 421); c2.test is unknown, so a.test, the address's default, answers.
    assertEquals(uid("handb"), uidServing("c1.test"));
    assertEquals(uid("handa"), uidServing("c2.test"));
    String status = perchild("status", "--json");
    assertTrue(status.contains("\"configurations\":[["), status);
    assertTrue(status.contains("[\"handb/handb\",2,\"" + conf + "\","), status);
    // handa's group did not change: its child runs on, on generation 1's configuration.
    assertTrue(status.contains("[\"handa/handa\",1,\"" + conf + "\","), status);
    String text = perchild("status");
    assertTrue(text.contains("Configuration by child group:"), text);

    // Round 2: c3.test, and after the launcher read it a line that would refuse the file.
    append(included, tenantBHost("c3.test"));
    gracefulRestart();
    await()
        .atMost(20, SECONDS)
        .pollInterval(50, TimeUnit.MILLISECONDS)
        .until(() -> server.count("configuration read for generation 3: ") == 1);
    append(conf, "NumServers lots");
    await().atMost(90, SECONDS).until(() -> server.count("generation 3 serves") == 1);
    assertEquals(1, server.count("perchild - child \\d+ ready: pid \\d+, gen 3"));
    assertEquals(0, server.count("configuration refused|not started"));
    assertEquals(uid("handb"), uidServing("c3.test"));
    assertEquals(uid("handb"), uidServing("c2.test"));
    assertEquals(uid("handa"), uidServing("a.test"));

    String fixed = Files.readString(conf).replace("NumServers lots\n", "");
    Files.writeString(conf, fixed);
    Files.writeString(included, original);
  }
}
