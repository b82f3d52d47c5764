package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.perchild.testsupport.Commands;
import org.perchild.testsupport.Http;
import org.perchild.testsupport.OpensslCertificates;
import org.perchild.testsupport.OpensslCertificates.Pair;
import org.perchild.testsupport.TlsClients;

/**
 * HTTPS and HTTP/2 per tenant, for real: the launcher as root, two tenants ({@code tlsa}, {@code
 * tlsb}) with their own certificates and keys (0600, the tenant's, in a 0700 directory of the
 * tenant's), the acceptor routing by SNI without terminating TLS, and real clients: openssl
 * s_client, curl, Python's h2, fatrace. One server for the whole class.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TlsIT {

  private static final Path H2_STREAMS =
      Path.of("target/test-classes/h2_streams.py").toAbsolutePath();

  /** The one ERROR line the broken host is expected to cause, once. */
  private static final String BROKEN_HOST_ERROR =
      "virtual host broken.test: TLS cannot be served, its connections are closed";

  private static LaunchedServer server;
  private static int https;
  private static Map<String, Path> keys = new LinkedHashMap<>();

  @BeforeAll
  static void startServer() throws Exception {
    LaunchedServer.requireRoot();
    LaunchedServer.ensureAccount("tlsa", "tlsa");
    LaunchedServer.ensureAccount("tlsb", "tlsb");
    https = LaunchedServer.freePort();
    server =
        LaunchedServer.startWith(
            "perchild-tls",
            LaunchedServer.whoamiRoots("fallback", "a", "b"),
            TlsIT::configuration,
            3,
            TlsIT::makeKeys);
  }

  /** Each tenant's certificates and keys, made by openssl, owned by the tenant, keys 0600. */
  private static void makeKeys(Path root) throws Exception {
    Pair a = new OpensslCertificates(root.resolve("keys/a")).rsa("a.test");
    OpensslCertificates forB = new OpensslCertificates(root.resolve("keys/b"));
    Pair b = forB.ec("b.test");
    Pair broken = forB.rsa("broken.test");
    Pair other = forB.rsa("other.test");
    // broken.test's key is another certificate's: that host fails, the rest serve.
    Files.move(other.key(), broken.key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.delete(other.certificate());
    keys.put("a.test", a.key());
    keys.put("b.test", b.key());
    keys.put("broken.test", broken.key());
    LaunchedServer.giveKeysTo(root.resolve("keys/a"), "tlsa");
    LaunchedServer.giveKeysTo(root.resolve("keys/b"), "tlsb");
    Files.setPosixFilePermissions(
        root.resolve("keys"), PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static String configuration(int port) {
    Path keyDir = Path.of("keys");
    List<String> lines =
        new ArrayList<>(
            List.of(
                "Listen 127.0.0.1:" + port,
                "Listen 127.0.0.1:" + https + " https",
                "User #65534",
                "Group #65534",
                "NumServers 3",
                "MaxRequestsPerChild 0",
                "ChildPerUserID tlsa tlsa 1",
                "ChildPerUserID tlsb tlsb 1",
                "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                "<Location /metrics>",
                "  SetHandler metrics",
                "  Require local",
                "</Location>",
                "<Location /server-status>",
                "  SetHandler server-status",
                "  Require local",
                "</Location>",
                "<VirtualHost *:" + port + ">",
                "  ServerName fallback.test",
                "  Protocols h2c http/1.1",
                "  AppBase webapps/fallback",
                "</VirtualHost>",
                "<VirtualHost *:" + port + ">",
                "  ServerName a.test",
                "  AssignUserID tlsa tlsa",
                "  Protocols h2c http/1.1",
                "  AppBase webapps/a",
                "</VirtualHost>"));
    lines.addAll(tlsHost("a.test", "tlsa", "webapps/a", keyDir.resolve("a"), "a.test-rsa"));
    lines.addAll(tlsHost("b.test", "tlsb", "webapps/b", keyDir.resolve("b"), "b.test-ec"));
    lines.addAll(
        tlsHost("broken.test", "tlsb", "webapps/b", keyDir.resolve("b"), "broken.test-rsa"));
    return String.join("\n", lines) + "\n";
  }

  private static List<String> tlsHost(
      String name, String tenant, String appBase, Path directory, String files) {
    return List.of(
        "<VirtualHost *:" + https + ">",
        "  ServerName " + name,
        "  AssignUserID " + tenant + " " + tenant,
        "  AppBase " + appBase,
        "  SSLEngine on",
        "  SSLCertificateFile " + directory.resolve(files + ".crt"),
        "  SSLCertificateKeyFile " + directory.resolve(files + ".key"),
        "</VirtualHost>");
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server == null) {
      return;
    }
    server.stop();
    List<String> errors = new ArrayList<>(server.unexpectedErrors());
    long broken = errors.stream().filter(l -> l.contains(BROKEN_HOST_ERROR)).count();
    errors.removeIf(l -> l.contains(BROKEN_HOST_ERROR));
    assertEquals(List.of(), errors, "unexpected ERROR lines in the error log");
    // Once per start of tlsb's child: the first one and the restart's (HUP); the graceful restart
    // that renews a.test's certificate keeps tlsb's child.
    assertEquals(2, broken, "the broken host's reason, once per start of its child");
  }

  @Test
  @Order(1)
  void eachTenantGetsItsOwnCertificateAndTheDefaultHostsWithoutSni() throws Exception {
    assertTrue(sClient("-servername", "a.test").contains("subject=CN = a.test"));
    assertTrue(sClient("-servername", "b.test").contains("subject=CN = b.test"));
    assertTrue(sClient("-noservername").contains("subject=CN = a.test"));
    // An unknown name goes to the address's first host, as httpd does.
    assertTrue(sClient("-servername", "unknown.test").contains("subject=CN = a.test"));
  }

  @Test
  @Order(1)
  void eachTenantsChildServesTlsWithConscryptLoadedAfterItsPrivilegeDrop() throws Exception {
    // The default SSLProvider: BoringSSL's library, unpacked into and loaded from the work
    // directory of a child that is already the tenant. A fallback to the JDK's would say so.
    assertEquals(0, server.count("Conscrypt does not load"));
    assertTrue(server.count("virtual host a\\.test: TLS with .* by Conscrypt$") >= 1);
    assertTrue(server.count("virtual host b\\.test: TLS with .* by Conscrypt$") >= 1);
  }

  @Test
  @Order(2)
  void curlOverTlsIsServedByTheTenantsUidOverHttp2OrHttp11WhenForced() throws Exception {
    for (String host : List.of("a.test", "b.test")) {
      String uid = Integer.toString(LaunchedServer.uidOf(host.equals("a.test") ? "tlsa" : "tlsb"));
      String json = curlTls(host, "--http2");
      assertEquals(uid, JsonFields.field(json, "uid"), json);
      assertEquals("true", JsonFields.field(json, "secure"), json);
      assertEquals("https", JsonFields.field(json, "scheme"), json);
      assertEquals("HTTP/2.0", JsonFields.field(json, "protocol"), json);
      assertEquals(host, JsonFields.field(json, "vhost"), json);
      String forced = curlTls(host, "--http1.1");
      assertEquals("HTTP/1.1", JsonFields.field(forced, "protocol"), forced);
      assertEquals(uid, JsonFields.field(forced, "uid"), forced);
    }
  }

  @Test
  @Order(3)
  void h2cWithPriorKnowledgeOnTheHttpListener() throws Exception {
    String json =
        LaunchedServer.run(
            "curl",
            "-sS",
            "--max-time",
            "20",
            "--http2-prior-knowledge",
            "-H",
            "Host: a.test",
            "http://127.0.0.1:" + server.port + "/");
    assertEquals("HTTP/2.0", JsonFields.field(json, "protocol"), json);
    assertEquals("false", JsonFields.field(json, "secure"), json);
    assertEquals(
        Integer.toString(LaunchedServer.uidOf("tlsa")), JsonFields.field(json, "uid"), json);
  }

  @Test
  @Order(4)
  void oneHttp2ConnectionAnswersItsOwnHostAndMisdirectsTheOtherTenants() throws Exception {
    String uid = Integer.toString(LaunchedServer.uidOf("tlsa"));
    String out =
        LaunchedServer.run(
            "/usr/bin/python3",
            H2_STREAMS.toString(),
            Integer.toString(https),
            "a.test",
            "a.test",
            "b.test",
            "a.test");
    assertEquals(
        List.of("a.test 200 " + uid, "b.test 421 -", "a.test 200 " + uid), out.lines().toList());
  }

  @Test
  @Order(5)
  void onHttp11OverTlsAHostOtherThanTheSnisGets421AndTheConnectionCloses() throws Exception {
    String out =
        sClientWith(
            "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: b.test\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n",
            "-servername",
            "a.test",
            "-ign_eof");
    assertEquals(1, count(out, "HTTP/1.1 200"), out);
    assertEquals(1, count(out, "HTTP/1.1 421"), out);
    assertTrue(out.indexOf("HTTP/1.1 200") < out.indexOf("HTTP/1.1 421"), out);
  }

  @Test
  @Order(6)
  void aSessionOfOneTenantIsNotResumedUnderTheOthersName() throws Exception {
    Path session = Files.createTempFile("perchild-tls-a", ".session");
    String first = sClient("-servername", "a.test", "-sess_out", session.toString());
    assertTrue(first.contains("New, TLSv1.3"), first);
    // The control: under its own name it is resumed, so a resumption would be seen.
    String again = sClient("-servername", "a.test", "-sess_in", session.toString());
    assertTrue(again.contains("Reused, TLSv1.3"), again);
    String other = sClient("-servername", "b.test", "-sess_in", session.toString());
    assertTrue(other.contains("New, TLSv1.3"), other);
    assertTrue(other.contains("subject=CN = b.test"), other);
  }

  @Test
  @Order(7)
  void aBrokenKeyFailsOnlyItsHost() throws Exception {
    String out = sClient("-servername", "broken.test");
    assertFalse(out.contains("subject=CN"), out);
    assertEquals(1L, server.count(Pattern.quote(BROKEN_HOST_ERROR) + ".*does not match"));
    // Its tenant's other host, on the same child, serves.
    String json = curlTls("b.test", "--http2");
    assertEquals(
        Integer.toString(LaunchedServer.uidOf("tlsb")), JsonFields.field(json, "uid"), json);
  }

  /**
   * While the server serves both tenants and a graceful restart makes every child read its keys
   * again, fanotify (fatrace) sees every open: the children open the keys (the proof that it
   * watches), neither the launcher nor the acceptor ever does, and each key stays the tenant's,
   * 0600.
   */
  @Test
  @Order(8)
  void onlyTheTenantsChildrenEverOpenAKey() throws Exception {
    Path traceDirectory = Files.createTempDirectory("perchild-fatrace");
    // fatrace makes its output file itself and refuses one that exists.
    Path trace = traceDirectory.resolve("opens");
    Path marker = Files.writeString(traceDirectory.resolve("marker"), "x");
    Process fatrace =
        new ProcessBuilder("fatrace", "-f", "O", "-o", trace.toString())
            .redirectErrorStream(true)
            .redirectOutput(traceDirectory.resolve("fatrace.err").toFile())
            .start();
    try {
      await()
          .atMost(20, SECONDS)
          .pollInterval(200, TimeUnit.MILLISECONDS)
          .until(
              () -> {
                assertTrue(fatrace.isAlive(), () -> read(traceDirectory.resolve("fatrace.err")));
                Files.readString(marker);
                return Files.exists(trace) && Files.readString(trace).contains(marker.toString());
              });
      restart();
      for (String host : List.of("a.test", "b.test")) {
        assertTrue(sClient("-servername", host).contains("subject=CN = " + host));
        curlTls(host, "--http2");
      }
    } finally {
      fatrace.destroy();
      fatrace.waitFor(10, SECONDS);
    }
    List<String> opens = Files.readAllLines(trace, StandardCharsets.UTF_8);
    Set<Long> privileged = Set.copyOf(pidsOfLauncherAndAcceptor());
    Pattern event = Pattern.compile("^.*\\((\\d+)\\): [RWCO]+\\s+(.*)$");
    List<String> keyOpensByChildren = new ArrayList<>();
    for (String line : opens) {
      Matcher m = event.matcher(line);
      if (!m.matches() || !keys.containsValue(Path.of(m.group(2)))) {
        continue;
      }
      long pid = Long.parseLong(m.group(1));
      assertFalse(privileged.contains(pid), "a key opened by the launcher or acceptor: " + line);
      keyOpensByChildren.add(line);
    }
    // The proof that the trace would have seen it: the new children read both tenants' keys.
    for (String host : List.of("a.test", "b.test")) {
      assertTrue(
          keyOpensByChildren.stream().anyMatch(l -> l.endsWith(keys.get(host).toString())),
          "no open of " + keys.get(host) + " seen:\n" + String.join("\n", opens));
    }
    for (Map.Entry<String, Path> key : keys.entrySet()) {
      String tenant = key.getKey().equals("a.test") ? "tlsa" : "tlsb";
      assertEquals(
          "600 " + tenant + " " + tenant,
          LaunchedServer.run("stat", "-c", "%a %U %G", key.getValue().toString()).trim());
    }
  }

  /**
   * {@code /metrics} and {@code /server-status?json}, answered by the acceptor from what the
   * children report, count each host's TLS handshakes by version, those that failed, and its
   * requests by HTTP version.
   */
  @Test
  @Order(9)
  void metricsAndStatusCountTlsHandshakesAndProtocolVersionsPerHost() throws Exception {
    curlTls("a.test", "--http1.1", "--tlsv1.2", "--tls-max", "1.2");
    curlTls("b.test", "--http2");
    sClient("-servername", "broken.test");
    Map<String, Double> wanted =
        Map.of(
            "perchild_vhost_tls_handshakes_total{version=\"TLSv1.2\",vhost=\"a.test\"}",
            1.0,
            "perchild_vhost_tls_handshakes_total{version=\"TLSv1.3\",vhost=\"b.test\"}",
            1.0,
            "perchild_vhost_requests_by_protocol_total{protocol=\"HTTP/1.1\",vhost=\"a.test\"}",
            1.0,
            "perchild_vhost_requests_by_protocol_total{protocol=\"HTTP/2\",vhost=\"b.test\"}",
            1.0,
            "perchild_vhost_tls_handshake_failures_total{vhost=\"broken.test\"}",
            1.0);
    await()
        .atMost(20, SECONDS)
        .pollInterval(500, TimeUnit.MILLISECONDS)
        .untilAsserted(
            () -> {
              String metrics = Http.get(server.port, "fallback.test", "/metrics").body();
              for (Map.Entry<String, Double> sample : wanted.entrySet()) {
                assertTrue(
                    sample(metrics, sample.getKey()) >= sample.getValue(),
                    sample.getKey() + " in\n" + metrics);
              }
            });
    String metrics = Http.get(server.port, "fallback.test", "/metrics").body();
    // The other tenant's host saw no TLSv1.2 handshake of ours, and a.test no HTTP/2 request.
    assertEquals(
        0.0,
        sample(
            metrics, "perchild_vhost_tls_handshakes_total{version=\"TLSv1.2\",vhost=\"b.test\"}"));
    assertEquals(
        0.0, sample(metrics, "perchild_vhost_tls_handshake_failures_total{vhost=\"a.test\"}"));
    String json = Http.get(server.port, "fallback.test", "/server-status?json").body();
    assertTrue(
        Pattern.compile(
                "\\{\"name\":\"b\\.test\",\"requests\":[1-9]\\d*,.*?\"protocols\":\\{[^}]*"
                    + "\"HTTP/2\":[1-9]\\d*\\},\"tlsHandshakes\":\\{\"TLSv1.2\":0,\"TLSv1.3\":[1-9]")
            .matcher(json)
            .find(),
        json);
  }

  /**
   * A certificate replaced on disk (a new key too, as a renewal makes) is served after a graceful
   * restart, by the tenant's new child, which reads it after dropping root.
   */
  @Test
  @Order(10)
  void aRenewedCertificateIsServedAfterAGracefulRestart() throws Exception {
    String before = servedFingerprint("a.test");
    Path directory = server.root.resolve("keys/a");
    Pair renewed = new OpensslCertificates(directory).rsa("a.test");
    LaunchedServer.giveKeysTo(directory, "tlsa");
    String onDisk = fingerprint(renewed.certificate());
    assertNotEquals(before, onDisk, "openssl made a new certificate");
    // Until the restart the child serves the certificate it read.
    assertEquals(before, servedFingerprint("a.test"));
    long tlsbChild = pidServing("b.test");
    // The new files' metadata restarts tlsa's group only.
    gracefulRestart(1);
    await()
        .atMost(20, SECONDS)
        .pollInterval(500, TimeUnit.MILLISECONDS)
        .until(() -> servedFingerprint("a.test").equals(onDisk));
    String json = curlTls("a.test", "--http2");
    assertEquals(
        Integer.toString(LaunchedServer.uidOf("tlsa")), JsonFields.field(json, "uid"), json);
    assertEquals(tlsbChild, pidServing("b.test"), "tlsb's child is kept");
  }

  /** The pid of the child that answers {@code host} over TLS. */
  private static long pidServing(String host) throws Exception {
    return Long.parseLong(JsonFields.field(curlTls(host, "--http2"), "pid"));
  }

  /** The SHA-256 fingerprint of the certificate the https listener serves for {@code host}. */
  private static String servedFingerprint(String host) throws Exception {
    String out = sClientWith("", "-servername", host, "-showcerts");
    int begin = out.indexOf("-----BEGIN CERTIFICATE-----");
    int end = out.indexOf("-----END CERTIFICATE-----");
    assertTrue(begin >= 0 && end > begin, out);
    Path pem = Files.createTempFile("served", ".crt");
    try {
      Files.writeString(pem, out.substring(begin, end) + "-----END CERTIFICATE-----\n");
      return fingerprint(pem);
    } finally {
      Files.delete(pem);
    }
  }

  private static String fingerprint(Path certificate) throws Exception {
    return LaunchedServer.run(
            "openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", certificate.toString())
        .trim();
  }

  /** The value of one sample of the Prometheus text {@code metrics}; -1 when it is not there. */
  private static double sample(String metrics, String name) {
    for (String line : metrics.split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    return -1;
  }

  /** SIGHUP to the launcher (every group restarts), then until its three new children are ready. */
  private static void restart() throws Exception {
    signalAndAwaitReady("-HUP", 3);
  }

  /** SIGUSR1 to the launcher, then until {@code restarting} new children are ready. */
  private static void gracefulRestart(int restarting) throws Exception {
    signalAndAwaitReady("-USR1", restarting);
  }

  private static void signalAndAwaitReady(String signal, int children) throws Exception {
    long readyBefore = server.count("perchild - child \\d+ ready");
    LaunchedServer.run("kill", signal, Long.toString(server.launcher().pid()));
    await()
        .atMost(120, SECONDS)
        .pollInterval(500, TimeUnit.MILLISECONDS)
        .until(() -> server.count("perchild - child \\d+ ready") >= readyBefore + children);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  private static List<Long> pidsOfLauncherAndAcceptor() {
    List<Long> pids = new ArrayList<>(server.pidsOf("org.perchild.acceptor.AcceptorMain"));
    pids.add(server.launcher().pid());
    return pids;
  }

  private static String curlTls(String host, String version, String... more) throws Exception {
    return LaunchedServer.run(
        TlsClients.curl(host, https, "/", version, more).toArray(new String[0]));
  }

  private static String sClient(String... options) throws Exception {
    return sClientWith("", options);
  }

  /** openssl s_client to the https listener; {@code input} is sent, then its end. */
  private static String sClientWith(String input, String... options) throws Exception {
    List<String> command = new ArrayList<>(TlsClients.sClient(https, options));
    if (!command.contains("-ign_eof")) {
      // Waits for the server's session tickets (TLS 1.3 sends them after the handshake) and the
      // answer, then ends when the server closes.
      command.add("-ign_eof");
      input = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    }
    return Commands.output(input, command);
  }

  /** Occurrences of {@code what}: s_client's ticket dump may run into an answer's line. */
  private static long count(String text, String what) {
    return Pattern.compile(Pattern.quote(what)).matcher(text).results().count();
  }
}
