package org.perchild.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Invariant 1 seen from inside: two tenants, one child each, both serving the probe webapp, which
 * does what a hostile tenant's code would do (read the other tenant's files, signal the other
 * tenant's process) and shows its own credentials. Every "denied" is paired with the same probe
 * succeeding where it should, so a broken probe cannot pass for isolation.
 */
@Timeout(300)
class IsolationIT {

  private static final Path PROBE_WAR = Path.of("target/test-wars/probe.war").toAbsolutePath();

  private static LaunchedServer server;
  private static Path secret;

  @BeforeAll
  static void startServer() throws Exception {
    LaunchedServer.requireRoot();
    for (String tenant : List.of("tenanta", "tenantb")) {
      LaunchedServer.ensureAccount(tenant, tenant);
    }
    assertTrue(Files.isRegularFile(PROBE_WAR), PROBE_WAR + " (copied by the pom before the ITs)");
    Map<String, Path> wars = new LinkedHashMap<>();
    wars.put("a", PROBE_WAR);
    wars.put("b", PROBE_WAR);
    server =
        LaunchedServer.start(
            "perchild-iso",
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
                    "<VirtualHost *:" + port + ">",
                    "  ServerName a.test",
                    "  AssignUserID tenanta tenanta",
                    "  AppBase webapps/a",
                    "</VirtualHost>",
                    "<VirtualHost *:" + port + ">",
                    "  ServerName b.test",
                    "  AssignUserID tenantb tenantb",
                    "  AppBase webapps/b",
                    "</VirtualHost>",
                    ""),
            2);
    // Tenant b's private file, in a directory anyone may enter: only the file's mode protects it.
    Path dir = Files.createDirectories(server.root.resolve("home/tenantb"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    secret = Files.writeString(dir.resolve("secret.txt"), "tenant b's secret\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    LaunchedServer.run("chown", "tenantb:tenantb", secret.toString());
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

  /** The value of one line of the probe's {@code ?status} answer. */
  private static String statusLine(String status, String key) {
    for (String line : status.split("\n")) {
      if (line.startsWith(key + ":")) {
        return line.substring(key.length() + 1).trim();
      }
    }
    throw new AssertionError("no " + key + " in " + status);
  }

  /** The pid of the one child running as {@code user}, seen from outside (from /proc). */
  private static long childPidOf(String user) throws Exception {
    String uid = Integer.toString(LaunchedServer.uidOf(user));
    List<Long> pids = new ArrayList<>();
    for (long pid : server.pidsOf("org.perchild.container.ChildMain")) {
      if (LaunchedServer.status(pid, "Uid").split("\\s+")[0].equals(uid)) {
        pids.add(pid);
      }
    }
    assertEquals(1, pids.size(), "children of " + user + ": " + pids);
    return pids.get(0);
  }

  @Test
  void aTenantCannotReadAnotherTenantsPrivateFile() throws Exception {
    String fromA = probe("a.test", "read=" + secret);
    assertTrue(fromA.startsWith("read denied: java.nio.file.AccessDeniedException"), fromA);
    assertEquals("read ok", probe("b.test", "read=" + secret));
  }

  @Test
  void aTenantCannotSignalAnotherTenantsChild() throws Exception {
    long childA = childPidOf("tenanta");
    long childB = childPidOf("tenantb");
    // The webapps run in the children found from outside: the probe's Pid is the child's pid.
    assertEquals(Long.toString(childA), statusLine(probe("a.test", "status"), "Pid"));
    assertEquals(Long.toString(childB), statusLine(probe("b.test", "status"), "Pid"));

    assertEquals("kill permitted", probe("a.test", "kill=" + childA));
    String aSignalsB = probe("a.test", "kill=" + childB);
    assertTrue(aSignalsB.startsWith("kill denied:"), aSignalsB);
    assertTrue(aSignalsB.contains("Operation not permitted"), aSignalsB);
    String bSignalsA = probe("b.test", "kill=" + childA);
    assertTrue(bSignalsA.contains("Operation not permitted"), bSignalsA);
    for (long acceptor : server.pidsOf("org.perchild.acceptor.AcceptorMain")) {
      String aSignalsAcceptor = probe("a.test", "kill=" + acceptor);
      assertTrue(aSignalsAcceptor.contains("Operation not permitted"), aSignalsAcceptor);
    }
    assertTrue(ProcessHandle.of(childB).isPresent(), "tenant b's child must still run");
  }

  @Test
  void eachTenantRunsWithItsOwnIdsAndNoPrivileges() throws Exception {
    for (String[] tenant :
        List.of(new String[] {"a.test", "tenanta"}, new String[] {"b.test", "tenantb"})) {
      String status = probe(tenant[0], "status");
      String uid = Integer.toString(LaunchedServer.uidOf(tenant[1]));
      String gid = Integer.toString(LaunchedServer.gidOf(tenant[1]));
      // real, effective, saved and filesystem ids: all the tenant's, none left at 0.
      assertEquals(
          List.of(uid, uid, uid, uid), List.of(statusLine(status, "Uid").split("\\s+")), status);
      assertEquals(
          List.of(gid, gid, gid, gid), List.of(statusLine(status, "Gid").split("\\s+")), status);
      assertEquals(gid, statusLine(status, "Groups"), status);
      assertEquals("0000000000000000", statusLine(status, "CapEff"), status);
      assertEquals("0000000000000000", statusLine(status, "CapPrm"), status);
      assertEquals("1", statusLine(status, "NoNewPrivs"), status);
    }
  }
}
