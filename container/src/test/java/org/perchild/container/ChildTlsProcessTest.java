package org.perchild.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.perchild.testsupport.OpensslCertificates;
import org.perchild.testsupport.OpensslCertificates.Pair;
import org.perchild.testsupport.TlsClients;

/**
 * TLS in a real child process, spawned as root as the launcher spawns it: its virtual host's key is
 * mode 0600 and the tenant's, in a directory only the tenant can enter, so the child can read it
 * only as the tenant, after the drop. This test is its acceptor: it reads each ClientHello and
 * hands the socket over as a secure hand-off naming the host, as the acceptor does by SNI; the
 * clients are curl and openssl.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChildTlsProcessTest {

  private Path keys;
  private ChildProcessFixture child;
  private ChildProcessFixture broken;

  @BeforeAll
  @Timeout(60)
  void spawnChildren() throws Exception {
    ChildProcessFixture.assumeRoot();
    keys = Files.createTempDirectory("perchild-child-tls-");
    Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path own = keys.resolve("tenant");
    Pair a = new OpensslCertificates(own).rsa("a.test");
    Path encrypted =
        new OpensslCertificates(own)
            .convert(a.key(), "a-encrypted.key", "pkey", "-aes256", "-passout", "pass:secret");
    for (Path each : List.of(own, a.key(), encrypted, a.certificate())) {
      Files.setAttribute(each, "unix:uid", ChildProcessFixture.TENANT);
      Files.setAttribute(each, "unix:gid", ChildProcessFixture.TENANT);
    }
    Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwx------"));
    Files.setPosixFilePermissions(a.key(), PosixFilePermissions.fromString("rw-------"));
    Files.setPosixFilePermissions(encrypted, PosixFilePermissions.fromString("rw-------"));
    child = spawn(a.certificate(), a.key());
    broken = spawn(a.certificate(), encrypted);
  }

  private static ChildProcessFixture spawn(Path certificate, Path key) throws Exception {
    return new ChildProcessFixture(
        ChildProcessFixture.TENANT,
        ChildProcessFixture.TENANT,
        List.of(),
        true,
        List.of(
            "SSLEngine on", "SSLCertificateFile " + certificate, "SSLCertificateKeyFile " + key));
  }

  @AfterAll
  void killChildren() throws Exception {
    for (ChildProcessFixture each : new ChildProcessFixture[] {child, broken}) {
      if (each != null) {
        each.close();
      }
    }
    if (keys != null) {
      org.perchild.posix.FileTrees.delete(keys);
    }
  }

  @Test
  @Order(1)
  @Timeout(60)
  void bothSayReadyEvenTheOneWhoseKeyIsEncrypted() throws Exception {
    assertEquals("READY " + child.pid, child.receiveControl(), () -> log(child));
    assertEquals("READY " + broken.pid, broken.receiveControl(), () -> log(broken));
  }

  @Test
  @Order(2)
  @Timeout(60)
  void servesHttp2OverTlsWithTheKeyOnlyTheTenantCanRead() throws Exception {
    String out = curl(child, "--http2", "/whoami");
    assertEquals("Uid: 40123 40123 40123 40123\n2 https", out, () -> out + "\n" + log(child));
    assertEquals("Uid: 40123 40123 40123 40123\n1.1 https", curl(child, "--http1.1", "/whoami"));
  }

  @Test
  @Order(3)
  @Timeout(60)
  void anotherTenantsHostOnTheTlsConnectionIs421() throws Exception {
    String out =
        curl(
            child,
            "--http1.1",
            "/whoami",
            "-H",
            "Host: b.other",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}");
    assertTrue(out.startsWith("421"), out);
  }

  @Test
  @Order(4)
  @Timeout(60)
  void aHostWhoseKeyIsEncryptedClosesItsConnectionsAndSaysWhyOnce() throws Exception {
    String out = sClient(broken);
    assertFalse(out.contains("subject=CN"), out);
    String log = log(broken);
    assertEquals(
        1,
        log.lines()
            .filter(l -> l.contains("virtual host a.test: TLS cannot be served"))
            .filter(l -> l.contains("the private key is encrypted"))
            .count(),
        log);
  }

  private static String log(ChildProcessFixture fixture) {
    try {
      return fixture.log();
    } catch (Exception e) {
      return e.toString();
    }
  }

  private static String curl(
      ChildProcessFixture fixture, String version, String path, String... more) throws Exception {
    int port = fixture.address().getPort();
    List<String> options = new ArrayList<>(List.of("-w", "%{http_version} %{scheme}"));
    options.addAll(List.of(more));
    List<String> command =
        TlsClients.curl("a.test", port, path, version, options.toArray(new String[0]));
    return withHandOff(fixture, command).replace("HTTPS", "https");
  }

  private static String sClient(ChildProcessFixture fixture) throws Exception {
    return withHandOff(
        fixture, TlsClients.sClient(fixture.address().getPort(), "-servername", "a.test"));
  }

  private static String withHandOff(ChildProcessFixture fixture, List<String> command)
      throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    fixture.acceptTlsAndHandOff("a.test");
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
    return out;
  }
}
