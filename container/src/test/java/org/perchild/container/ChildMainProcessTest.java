package org.perchild.container;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.perchild.container.ChildProcessFixture.Response;
import org.perchild.posix.ExitStatus;

/**
 * One real child, spawned as root and told to become uid/gid {@value ChildProcessFixture#TENANT};
 * the test is its launcher (control channel) and its acceptor (hand-off channel). The methods run
 * in order against the same process, and the last one stops it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChildMainProcessTest {

  private ChildProcessFixture child;

  @BeforeAll
  @Timeout(30)
  void spawnChild() throws Exception {
    ChildProcessFixture.assumeRoot();
    child = new ChildProcessFixture(ChildProcessFixture.TENANT, ChildProcessFixture.TENANT);
  }

  @AfterAll
  void killChild() throws Exception {
    if (child != null) {
      child.close();
    }
  }

  @Test
  @Order(1)
  @Timeout(60)
  void saysReadyWithItsPidOnceJettyHasStarted() throws Exception {
    assertEquals("READY " + child.pid, child.receiveControl(), () -> log());
  }

  @Test
  @Order(2)
  @Timeout(30)
  void runsAsTheTenantWithNoCapabilities() throws Exception {
    Map<String, String> status = child.procStatus();
    String tenant = ChildProcessFixture.TENANT + "";
    String ids = String.join(" ", tenant, tenant, tenant, tenant);
    assertEquals(ids, status.get("Uid"));
    assertEquals(ids, status.get("Gid"));
    assertEquals(tenant, status.get("Groups"));
    assertEquals("0000000000000000", status.get("CapEff"));
    assertEquals("0000000000000000", status.get("CapPrm"));
    assertEquals("1", status.get("NoNewPrivs"));
  }

  @Test
  @Order(3)
  @Timeout(30)
  void servesAHandedOffConnectionThenKeepsItAliveAndRefusesAnotherHostWith421() throws Exception {
    try (Socket client = new Socket(child.address().getAddress(), child.address().getPort())) {
      OutputStream out = client.getOutputStream();
      InputStream in = client.getInputStream();
      out.write(get("/", "a.test"));
      out.flush();
      child.acceptAndHandOff();

      Response page = ChildProcessFixture.readResponse(in);
      assertEquals(200, page.status(), () -> page + "\n" + log());
      assertEquals("<p>hello from a.test</p>\n", page.body());
      assertFalse(page.headers().containsKey("server"), "sendServerVersion is off");

      // Same connection, served by the child alone: the acceptor has closed its copy.
      out.write(get("/whoami", "www.a.test"));
      out.flush();
      Response whoami = ChildProcessFixture.readResponse(in);
      assertEquals(200, whoami.status(), () -> whoami + "\n" + log());
      assertTrue(
          whoami.body().startsWith("Uid: " + ChildProcessFixture.TENANT + " "),
          "the servlet runs as the tenant: " + whoami.body());

      // A reused keep-alive connection for a host this child does not serve (invariant 4).
      out.write(get("/", "b.other"));
      out.flush();
      Response misdirected = ChildProcessFixture.readResponse(in);
      assertEquals(421, misdirected.status(), () -> misdirected.toString());
      assertEquals("close", misdirected.headers().get("connection"));
      assertEquals(-1, in.read(), "the child closes the connection after a 421");
    }
  }

  @Test
  @Order(4)
  @Timeout(30)
  void answers421OnAFreshConnectionForAnotherHost() throws Exception {
    try (Socket client = new Socket(child.address().getAddress(), child.address().getPort())) {
      client.getOutputStream().write(get("/", "b.other"));
      child.acceptAndHandOff();
      Response response = ChildProcessFixture.readResponse(client.getInputStream());
      assertEquals(421, response.status(), () -> response.toString());
    }
  }

  @Test
  @Order(5)
  @Timeout(30)
  void aBrokenWarFailsAloneAndIsNamedInTheLog() throws Exception {
    try (Socket client = new Socket(child.address().getAddress(), child.address().getPort())) {
      OutputStream out = client.getOutputStream();
      InputStream in = client.getInputStream();
      out.write(get("/bad/", "a.test"));
      child.acceptAndHandOff();
      Response bad = ChildProcessFixture.readResponse(in);
      assertEquals(503, bad.status(), () -> bad + "\n" + log());

      out.write(get("/", "a.test"));
      Response root = ChildProcessFixture.readResponse(in);
      assertEquals(200, root.status(), () -> root.toString());
    }
    String log = log();
    assertTrue(
        log.contains("webapp bad.war failed to deploy at a.test/bad"),
        "the log names bad.war:\n" + log);
    assertTrue(log.contains("webapp ROOT deployed at a.test/"), log);
  }

  @Test
  @Order(6)
  @Timeout(30)
  void refusesBrokenHandOffsAndGoesOnServing() throws Exception {
    // A malformed message with a socket: the child closes the socket it cannot place.
    try (Socket client = new Socket(child.address().getAddress(), child.address().getPort())) {
      child.acceptAndSendRaw(new byte[] {9, 9, 9}, true);
      assertEquals(-1, client.getInputStream().read(), "the child closed the refused socket");
    }
    // A message with no socket at all.
    try (Socket client = new Socket(child.address().getAddress(), child.address().getPort())) {
      child.acceptAndSendRaw(new byte[] {1}, false);
    }
    try (Socket client = new Socket(child.address().getAddress(), child.address().getPort())) {
      client.getOutputStream().write(get("/", "a.test"));
      child.acceptAndHandOff();
      assertEquals(200, ChildProcessFixture.readResponse(client.getInputStream()).status());
    }
    String log = log();
    assertTrue(
        log.contains("hand-off refused (1 so far): malformed hand-off message: version 9"), log);
    assertTrue(log.contains("hand-off refused (2 so far): a 1-byte message without a socket"), log);
  }

  @Test
  @Order(7)
  @Timeout(30)
  void keepsItsSessionsInItsTenantsOwnDirectory() throws Exception {
    String cookie;
    try (Socket client = new Socket(child.address().getAddress(), child.address().getPort())) {
      OutputStream out = client.getOutputStream();
      InputStream in = client.getInputStream();
      out.write(get("/session/count", "a.test"));
      child.acceptAndHandOff();
      Response first = ChildProcessFixture.readResponse(in);
      assertEquals("1\n", first.body(), () -> first + "\n" + log());
      cookie = first.headers().get("set-cookie").split(";", 2)[0];
      out.write(get("/session/count", "a.test", "Cookie: " + cookie));
      assertEquals("2\n", ChildProcessFixture.readResponse(in).body());
    }
    Path sessions = child.root.resolve("sessions/" + ChildProcessFixture.TENANT);
    List<Path> files;
    try (Stream<Path> listed = Files.list(sessions)) {
      files = listed.filter(f -> f.toString().endsWith(".session")).toList();
    }
    assertEquals(1, files.size(), files.toString());
    Path file = files.get(0);
    String name = file.getFileName().toString();
    assertTrue(name.contains(".a%2Etest." + cookie.substring(cookie.indexOf('=') + 1)), name);
    assertEquals(ChildProcessFixture.TENANT, Files.getAttribute(file, "unix:uid"));
    assertEquals(0600, (Integer) Files.getAttribute(file, "unix:mode") & 0777);
  }

  @Test
  @Order(8)
  @Timeout(60)
  void stopsGracefullyOnStopAndExitsZero() throws Exception {
    child.sendControl("STOP");
    ExitStatus exit = child.awaitExit(Duration.ofSeconds(30));
    assertTrue(exit.exitedWith(0), () -> exit + "\n" + log());
    String log = log();
    assertTrue(log.contains("child 1 stopped"), log);
    List<String> unexpected =
        log.lines().filter(l -> l.contains(" ERROR ") && !l.contains("bad.war")).toList();
    assertEquals(List.of(), unexpected, "ERROR lines other than bad.war's");
  }

  private String log() {
    try {
      return child.log();
    } catch (java.io.IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static byte[] get(String path, String host, String... headers) {
    StringBuilder head = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
    for (String header : headers) {
      head.append(header).append("\r\n");
    }
    return head.append("\r\n").toString().getBytes(ISO_8859_1);
  }
}
