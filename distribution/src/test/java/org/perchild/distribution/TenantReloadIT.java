package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.perchild.testsupport.Http;
import org.perchild.testsupport.OpensslCertificates;
import org.perchild.testsupport.TlsClients;

/**
 * A graceful restart is per tenant (issue 15): three groups (the fallback's User/Group, tenants
 * {@code reloada} and {@code reloadb}); adding a host to {@code reloadb} under a load loop against
 * {@code reloada} gives {@code reloadb} a new child only, every other child keeps its pid and no
 * request fails; touching {@code reloadb}'s certificate (its metadata, not its contents) restarts
 * {@code reloadb} only. One server for the whole class.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TenantReloadIT {

  private static LaunchedServer server;
  private static int https;
  private static Path certificate;

  @BeforeAll
  static void start() throws Exception {
    LaunchedServer.requireRoot();
    LaunchedServer.ensureAccount("reloada", "reloada");
    LaunchedServer.ensureAccount("reloadb", "reloadb");
    https = LaunchedServer.freePort();
    server =
        LaunchedServer.startWith(
            "perchild-tenant-reload",
            LaunchedServer.whoamiRoots("fallback", "a", "b"),
            port -> configuration(port, false),
            3,
            TenantReloadIT::makeKeys);
  }

  private static void makeKeys(Path root) throws Exception {
    Path directory = root.resolve("keys/b");
    certificate = new OpensslCertificates(directory).rsa("secure-b.test").certificate();
    LaunchedServer.giveKeysTo(directory, "reloadb");
    Files.setPosixFilePermissions(
        root.resolve("keys"), PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String configuration(int port, boolean withAddedHost) {
    List<String> lines =
        new ArrayList<>(
            List.of(
                "Listen 127.0.0.1:" + port,
                "Listen 127.0.0.1:" + https + " https",
                "User #65534",
                "Group #65534",
                "NumServers 3",
                "MaxRequestsPerChild 0",
                "ChildPerUserID reloada reloada 1",
                "ChildPerUserID reloadb reloadb 1",
                "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                // First: the address's default host, which every unknown name falls to.
                "<VirtualHost *:" + port + ">",
                "  ServerName a.test",
                "  AssignUserID reloada reloada",
                "  AppBase webapps/a",
                "</VirtualHost>",
                "<VirtualHost *:" + port + ">",
                "  ServerName fallback.test",
                "  AppBase webapps/fallback",
                "</VirtualHost>",
                "<VirtualHost *:" + port + ">",
                "  ServerName b.test",
                "  AssignUserID reloadb reloadb",
                "  AppBase webapps/b",
                "</VirtualHost>",
                "<VirtualHost *:" + https + ">",
                "  ServerName secure-b.test",
                "  AssignUserID reloadb reloadb",
                "  AppBase webapps/b",
                "  SSLEngine on",
                "  SSLCertificateFile keys/b/secure-b.test-rsa.crt",
                "  SSLCertificateKeyFile keys/b/secure-b.test-rsa.key",
                "</VirtualHost>"));
    if (withAddedHost) {
      lines.addAll(
          List.of(
              "<VirtualHost *:" + port + ">",
              "  ServerName added-b.test",
              "  AssignUserID reloadb reloadb",
              "  AppBase webapps/b",
              "</VirtualHost>"));
    }
    return String.join("\n", lines) + "\n";
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop();
      assertEquals(List.of(), server.unexpectedErrors());
    }
  }

  /** The whoami answer for {@code host} on the plain listener. */
  private static String get(String host) throws Exception {
    return Http.curl(server.port, host, "/");
  }

  private static long pid(String json) {
    return Long.parseLong(JsonFields.field(json, "pid"));
  }

  /** The pid of the child that answers each of the three plain hosts. */
  private static Map<String, Long> pids() throws Exception {
    Map<String, Long> pids = new LinkedHashMap<>();
    for (String host : List.of("fallback.test", "a.test", "b.test")) {
      pids.put(host, pid(get(host)));
    }
    return pids;
  }

  private static void usr1() throws Exception {
    LaunchedServer.run("kill", "-USR1", Long.toString(server.launcher().pid()));
  }

  @Test
  @Order(1)
  void addingAHostToOneTenantRestartsThatTenantOnlyWithoutAFailedRequest() throws Exception {
    Map<String, Long> before = pids();
    long aBefore = before.get("a.test");
    Set<Long> aPids = new HashSet<>();
    List<String> failures;
    try (LoadLoop load = new LoadLoop(server.port, "a.test", 2)) {
      await().atMost(10, SECONDS).until(() -> load.succeeded() > 20);
      Files.writeString(
          server.root.resolve("conf/perchild.conf"), configuration(server.port, true));
      usr1();
      await().atMost(90, SECONDS).until(() -> server.count("generation 2 serves") == 1);
      await()
          .atMost(30, SECONDS)
          .until(() -> server.count("perchild - child \\d+ \\(retired\\) exited") == 1);
      int served = load.succeeded();
      await().atMost(10, SECONDS).until(() -> load.succeeded() > served + 20);
      load.close();
      failures = load.failures();
      for (int i = 0; i < 4; i++) {
        aPids.add(pid(get("a.test")));
      }
    }
    assertEquals(List.of(), failures, "requests to a.test failed during the graceful restart");
    assertEquals(Set.of(aBefore), aPids, "reloada's child keeps its pid");
    assertEquals(before.get("fallback.test"), pid(get("fallback.test")), "the fallback's is kept");

    String added = get("added-b.test");
    assertEquals("added-b.test", JsonFields.field(added, "vhost"), added);
    assertEquals(Integer.toString(LaunchedServer.uidOf("reloadb")), JsonFields.field(added, "uid"));
    long bAfter = pid(added);
    assertNotEquals(before.get("b.test"), bAfter, "reloadb has a new child");
    assertEquals(bAfter, pid(get("b.test")));
    assertEquals(1, server.count("group reloadb/reloadb restarts: its virtual hosts changed"));
    assertEquals(1, server.count("group reloada/reloada kept: its children run on"));
    // The kept child was never told to stop, and the acceptor never lost it.
    assertEquals(1, server.count("perchild - child \\d+ started: pid " + aBefore + ","));
    assertEquals(0, server.count("child \\d+ \\(pid " + aBefore + "\\)"));

    // The kept child routes by the new table: on its kept-alive connection, added-b.test is no
    // longer an unknown name that falls to a.test (the address's default) but reloadb's: 421.
    String pipelined =
        Http.raw(
            server.port,
            "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: added-b.test\r\nConnection: close\r\n\r\n");
    assertTrue(pipelined.startsWith("HTTP/1.1 200 "), pipelined);
    assertTrue(pipelined.contains("\"pid\":" + aBefore), pipelined);
    assertTrue(pipelined.contains("HTTP/1.1 421 "), pipelined);
    // Both kept children (reloada's and the fallback's) were given the new table.
    assertEquals(2, server.count("child \\d+: routing by the new generation's 5 virtual hosts"));

    // perchild status: each group's configuration generation, the kept one's still 1.
    String status = server.perchild("status");
    assertTrue(status.matches("(?s).*reloada/reloada +gen 1 .*"), status);
    assertTrue(status.matches("(?s).*reloadb/reloadb +gen 2 .*"), status);
  }

  @Test
  @Order(2)
  void aTouchedCertificateRestartsItsTenantOnly() throws Exception {
    Map<String, Long> before = pids();
    Path served = server.root.resolve("keys/b/secure-b.test-rsa.crt");
    assertEquals(certificate.getFileName(), served.getFileName());
    String contents = Files.readString(served);
    // touch: the same bytes, a new modification time.
    Files.setLastModifiedTime(
        served, FileTime.fromMillis(Files.getLastModifiedTime(served).toMillis() + 60_000));
    assertEquals(contents, Files.readString(served));

    usr1();
    await().atMost(90, SECONDS).until(() -> server.count("generation 3 serves") == 1);
    assertEquals(
        1,
        server.count(
            "group reloadb/reloadb restarts: \\S*/keys/b/secure-b\\.test-rsa\\.crt changed"));
    Map<String, Long> after = pids();
    long bAfter = after.get("b.test");
    assertNotEquals(before.get("b.test"), bAfter, "reloadb has a new child");
    assertEquals(before.get("a.test"), after.get("a.test"), "reloada's child keeps its pid");
    assertEquals(before.get("fallback.test"), after.get("fallback.test"), "the fallback's too");
    String secure =
        LaunchedServer.run(
            TlsClients.curl("secure-b.test", https, "/", "--http1.1").toArray(new String[0]));
    assertEquals(bAfter, pid(secure), secure);
  }
}
