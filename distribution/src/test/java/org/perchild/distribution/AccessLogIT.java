package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.testsupport.Http;

/**
 * Per-tenant access logs in the real process model: two tenants, each with its own {@code
 * CustomLog} in httpd's {@code combined} format. Each log holds exactly its own tenant's requests,
 * in httpd's line format, in a file the launcher made for that tenant (owner and group the
 * tenant's, mode 0640); a request answered 421 is in nobody's log; and a log path that is a
 * symbolic link stops the launcher before any child starts.
 */
@Timeout(300)
class AccessLogIT {

  private static final Path WHOAMI = LaunchedServer.TREE.resolve("webapps/localhost/whoami.war");

  /** httpd's combined format as a pattern: groups are the fields a test checks. */
  private static final Pattern COMBINED =
      Pattern.compile(
          "(\\S+) - - \\[(\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4})\\]"
              + " \"([^\"]*)\" (\\d{3}) (\\d+|-) \"([^\"]*)\" \"([^\"]*)\"");

  private static LaunchedServer server;

  @BeforeAll
  static void startServer() throws Exception {
    LaunchedServer.requireRoot();
    for (String tenant : List.of("tenanta", "tenantb")) {
      LaunchedServer.ensureAccount(tenant, tenant);
    }
    Map<String, Path> wars = new LinkedHashMap<>();
    wars.put("a", WHOAMI);
    wars.put("b", WHOAMI);
    server =
        LaunchedServer.start(
            "perchild-log",
            wars,
            port ->
                String.join(
                    "\n",
                    "Listen 127.0.0.1:" + port,
                    "User #65534",
                    "Group #65534",
                    "NumServers 2",
                    "ChildPerUserID tenanta tenanta 1",
                    "ChildPerUserID tenantb tenantb 1",
                    "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                    "CustomLog logs/access_log common",
                    "<VirtualHost *:" + port + ">",
                    "  ServerName a.test",
                    "  AssignUserID tenanta tenanta",
                    "  AppBase webapps/a",
                    "  CustomLog logs/tenants/a/access_log combined",
                    "</VirtualHost>",
                    "<VirtualHost *:" + port + ">",
                    "  ServerName b.test",
                    "  AssignUserID tenantb tenantb",
                    "  AppBase webapps/b",
                    "  CustomLog logs/tenants/b/access_log combined",
                    "</VirtualHost>",
                    ""),
            2);
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

  private static Path log(String tenant) {
    return server.root.resolve("logs/tenants/" + tenant + "/access_log");
  }

  /** curl with a known Referer and User-Agent; returns "status bytes" as curl saw them. */
  private static String curl(
      String method, String host, String target, String referer, String agent) throws Exception {
    return Http.curl(
            server.port,
            host,
            target,
            method.equals("HEAD") ? "--head" : "--get",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{size_download}",
            "-e",
            referer,
            "-A",
            agent)
        .trim();
  }

  /** One request a test made and the line the log must hold for it. */
  private record Sent(
      String requestLine, String status, String bytes, String referer, String agent) {
    String logged() {
      return "\""
          + requestLine
          + "\" "
          + status
          + " "
          + bytes
          + " \""
          + referer
          + "\" \""
          + agent
          + "\"";
    }
  }

  @Test
  void eachTenantsLogHoldsExactlyItsOwnRequestsInCombinedFormat() throws Exception {
    // Other tests of this class may have written lines already: only the new ones count.
    Map<String, Integer> before =
        Map.of("a", Files.readAllLines(log("a")).size(), "b", Files.readAllLines(log("b")).size());
    Map<String, List<Sent>> sent = new LinkedHashMap<>();
    for (String tenant : List.of("a", "b")) {
      List<Sent> own = new ArrayList<>();
      for (String target : List.of("/?n=1", "/head-" + tenant, "/?q=%22x%22&n=3")) {
        String method = target.startsWith("/head") ? "HEAD" : "GET";
        String referer = "http://" + tenant + ".test/start.html";
        String agent = "Mozilla/4.08 [en] (Win98; I ;Nav) tenant-" + tenant;
        String[] answer = curl(method, tenant + ".test", target, referer, agent).split(" ");
        own.add(
            new Sent(
                method + " " + target + " HTTP/1.1",
                answer[0],
                answer[1].equals("0") ? "-" : answer[1],
                referer,
                agent));
      }
      sent.put(tenant, own);
    }
    assertEquals("200", sent.get("a").get(0).status());
    // A HEAD answer has no body: httpd's %b writes "-" for it.
    assertEquals("-", sent.get("b").get(1).bytes());

    for (String tenant : List.of("a", "b")) {
      List<Sent> own = sent.get(tenant);
      int already = before.get(tenant);
      await()
          .atMost(10, SECONDS)
          .until(() -> Files.readAllLines(log(tenant)).size() >= already + own.size());
      List<String> all = Files.readAllLines(log(tenant), StandardCharsets.UTF_8);
      List<String> lines = all.subList(already, all.size());
      assertEquals(own.size(), lines.size(), tenant + ": " + lines);
      // Each line is written when its response is complete: compare them in any order.
      List<String> ends = new ArrayList<>();
      for (String line : lines) {
        Matcher m = COMBINED.matcher(line);
        assertTrue(m.matches(), "not httpd's combined format: " + line);
        assertEquals("127.0.0.1", m.group(1), line);
        ends.add(line.substring(line.indexOf("] ") + 2));
      }
      assertEquals(
          own.stream().map(Sent::logged).sorted().toList(), ends.stream().sorted().toList());
    }
    // The main server's log got nothing of the tenants' requests.
    Path mainLog = server.root.resolve("logs/access_log");
    assertEquals(0, Files.size(mainLog), Files.readString(mainLog));
  }

  @Test
  void aMisdirectedRequestIsInNoTenantsLog() throws Exception {
    long aBefore = Files.readAllLines(log("a")).size();
    long bBefore = Files.readAllLines(log("b")).size();
    // One connection: the first request goes to a's child, the second (for b) is answered 421
    // there.
    String out =
        LaunchedServer.run(
            "curl",
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}\n",
            "--max-time",
            "20",
            "-H",
            "Host: a.test",
            "http://127.0.0.1:" + server.port + "/?first",
            "--next",
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{num_connects}\n",
            "--max-time",
            "20",
            "-H",
            "Host: b.test",
            "http://127.0.0.1:" + server.port + "/?misdirected");
    // num_connects 0: the second request went on the first one's connection, to a's child.
    assertEquals(List.of("200", "421 0"), List.of(out.trim().split("\n")), out);
    await().atMost(10, SECONDS).until(() -> Files.readAllLines(log("a")).size() == aBefore + 1);
    List<String> aLines = Files.readAllLines(log("a"));
    assertTrue(
        aLines.get(aLines.size() - 1).contains("\"GET /?first HTTP/1.1\" 200 "), aLines.toString());
    // A late line would show within half a second: the count must hold that long.
    await()
        .during(500, MILLISECONDS)
        .atMost(5, SECONDS)
        .until(() -> Files.readAllLines(log("a")).size() == aBefore + 1);
    assertEquals(aBefore + 1, Files.readAllLines(log("a")).size());
    assertEquals(bBefore, Files.readAllLines(log("b")).size());
    assertTrue(Files.readAllLines(log("a")).stream().noneMatch(l -> l.contains("misdirected")));
  }

  @Test
  void eachLogBelongsToItsTenantAndIsNotWorldReadable() throws Exception {
    for (String tenant : List.of("a", "b")) {
      Path log = log(tenant);
      int uid = LaunchedServer.uidOf("tenant" + tenant);
      int gid = LaunchedServer.gidOf("tenant" + tenant);
      assertEquals(uid, Files.getAttribute(log, "unix:uid", LinkOption.NOFOLLOW_LINKS));
      assertEquals(gid, Files.getAttribute(log, "unix:gid", LinkOption.NOFOLLOW_LINKS));
      assertEquals(
          "rw-r-----",
          PosixFilePermissions.toString(
              Files.getPosixFilePermissions(log, LinkOption.NOFOLLOW_LINKS)));
      assertEquals(0, Files.getAttribute(log.getParent(), "unix:uid"));
      assertEquals(
          "rwxr-xr-x",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(log.getParent())));
    }
    Path mainLog = server.root.resolve("logs/access_log");
    assertEquals(65534, Files.getAttribute(mainLog, "unix:uid", LinkOption.NOFOLLOW_LINKS));
    // Tenant a, as itself, cannot open tenant b's log for writing (nor read it).
    String denied =
        LaunchedServer.runStatus(
            "setpriv",
            "--reuid=tenanta",
            "--regid=tenanta",
            "--clear-groups",
            "sh",
            "-c",
            "echo forged >> " + log("b"));
    assertTrue(denied.startsWith("exit 1") || denied.startsWith("exit 2"), denied);
    assertTrue(denied.contains("Permission denied"), denied);
  }

  @Test
  void aLogPathThatIsASymbolicLinkStopsTheLauncher() throws Exception {
    Path root = Files.createTempDirectory("perchild-log-link");
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createDirectories(root.resolve("conf"));
    Path logs = Files.createDirectories(root.resolve("logs"));
    // Tenant a's log pointing at tenant b's: the launcher must not hand b's file to a.
    Files.createSymbolicLink(logs.resolve("a_log"), log("b"));
    Files.writeString(
        root.resolve("conf/perchild.conf"),
        String.join(
            "\n",
            "Listen 127.0.0.1:1",
            "User #65534",
            "Group #65534",
            "NumServers 1",
            "ChildPerUserID tenanta tenanta 1",
            "<VirtualHost *:1>",
            "  ServerName a.test",
            "  AssignUserID tenanta tenanta",
            "  CustomLog logs/a_log combined",
            "</VirtualHost>",
            ""));
    ProcessBuilder builder =
        new ProcessBuilder(
                LaunchedServer.TREE.resolve("bin/perchild").toString(),
                "-d",
                root.toString(),
                "-D",
                "FOREGROUND")
            .redirectErrorStream(true);
    builder.environment().remove("PERCHILD_LAUNCHER_OPTS");
    Process launcher = builder.start();
    String out = new String(launcher.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(launcher.waitFor(60, SECONDS));
    assertEquals(2, launcher.exitValue(), out);
    assertTrue(out.contains("logs/a_log of virtual host a.test"), out);
    assertTrue(out.contains("is a symbolic link"), out);
    assertEquals(LaunchedServer.uidOf("tenantb"), Files.getAttribute(log("b"), "unix:uid"));
  }
}
