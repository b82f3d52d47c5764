package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.testsupport.Commands;
import org.perchild.testsupport.OpensslCertificates;
import org.perchild.testsupport.OpensslCertificates.Pair;

/**
 * {@code perchild -X} with an {@code https} listener: it terminates TLS in its one process, with
 * each virtual host's certificate chosen by SNI (the first host's without SNI), ALPN and HTTP/2 as
 * a child has them, so that it stays the benchmark's baseline over TLS. As root it runs the server
 * as nobody (setpriv); otherwise as the current user. One server for the whole class.
 */
@Timeout(180)
class DebugModeTlsIT {

  private static final Path TREE = ReadableTree.TREE;
  private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(\"[^\"]*\"|[^,}]+)");
  private static final boolean IS_ROOT = "root".equals(System.getProperty("user.name"));
  private static final int NOBODY = 65534;

  private static Path root;
  private static Path out;
  private static Process server;
  private static int port;

  @BeforeAll
  static void startServer() throws Exception {
    root = Files.createTempDirectory("perchild-x-tls");
    Path war = TREE.resolve("webapps/localhost/whoami.war");
    for (String host : List.of("first", "second")) {
      Path appBase = Files.createDirectories(root.resolve("webapps").resolve(host));
      Files.copy(war, appBase.resolve("ROOT.war"));
    }
    Pair first = new OpensslCertificates(root.resolve("keys")).rsa("first.test");
    Pair second = new OpensslCertificates(root.resolve("keys")).ec("second.test");
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    Files.createDirectories(root.resolve("conf"));
    List<String> lines =
        new ArrayList<>(
            List.of("Listen 127.0.0.1:" + port + " https", "User #65534", "Group #65534"));
    for (String host : List.of("first", "second")) {
      Pair pair = host.equals("first") ? first : second;
      lines.addAll(
          List.of(
              "<VirtualHost *:" + port + ">",
              "  ServerName " + host + ".test",
              "  AppBase webapps/" + host,
              "  SSLEngine on",
              "  SSLCertificateFile " + pair.certificate(),
              "  SSLCertificateKeyFile " + pair.key(),
              "</VirtualHost>"));
    }
    Files.writeString(root.resolve("conf/perchild.conf"), String.join("\n", lines) + "\n");
    Files.createDirectories(root.resolve("logs"));
    try (var files = Files.walk(root)) {
      for (Path each : files.toList()) {
        Files.setPosixFilePermissions(
            each,
            PosixFilePermissions.fromString(
                Files.isDirectory(each)
                    ? "rwxr-xr-x"
                    : each.toString().endsWith(".key") ? "rw-------" : "rw-r--r--"));
        if (IS_ROOT && each.toString().endsWith(".key")) {
          // -X reads the keys as the user it runs as, never as root.
          Files.setAttribute(each, "unix:uid", NOBODY);
        }
      }
    }
    out = root.resolve("debug.out");
    List<String> command = new ArrayList<>();
    if (IS_ROOT) {
      command.addAll(
          List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--init-groups", "--"));
    }
    command.addAll(List.of(TREE.resolve("bin/perchild").toString(), "-d", root.toString(), "-X"));
    server =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    await()
        .atMost(90, SECONDS)
        .pollInterval(200, TimeUnit.MILLISECONDS)
        .until(() -> !server.isAlive() || output().contains("-X ready: pid"));
    assertTrue(server.isAlive(), "-X did not start:\n" + output());
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server == null) {
      return;
    }
    server.destroy();
    assertTrue(server.waitFor(30, SECONDS), "-X did not stop on SIGTERM");
    List<String> errors =
        output().lines().filter(l -> l.contains(" ERROR ") || l.contains("Exception")).toList();
    assertEquals(List.of(), errors, "unexpected errors in the output of -X");
  }

  private static String output() throws Exception {
    return Files.exists(out) ? Files.readString(out) : "";
  }

  @Test
  void eachHostsCertificateBySniAndTheFirstHostsWithout() throws Exception {
    assertTrue(sClient("-servername", "first.test").contains("subject=CN = first.test"));
    assertTrue(sClient("-servername", "second.test").contains("subject=CN = second.test"));
    assertTrue(sClient("-noservername").contains("subject=CN = first.test"));
  }

  @Test
  void http2ByAlpnAndHttp11WhenForcedBothSecure() throws Exception {
    for (String host : List.of("first.test", "second.test")) {
      String json = curl(host, "--http2");
      assertEquals("HTTP/2.0", field(json, "protocol"), json);
      assertEquals("true", field(json, "secure"), json);
      assertEquals("https", field(json, "scheme"), json);
      assertEquals(host, field(json, "vhost"), json);
      assertEquals(Long.toString(server.pid()), field(json, "pid"), json);
      assertEquals("HTTP/1.1", field(curl(host, "--http1.1"), "protocol"));
    }
  }

  @Test
  void aHostOtherThanTheSnisIsMisdirected() throws Exception {
    String answer =
        Commands.run(
            "curl",
            "-sS",
            "-k",
            "--http1.1",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            "Host: second.test",
            "--resolve",
            "first.test:" + port + ":127.0.0.1",
            "https://first.test:" + port + "/");
    assertEquals("421", answer);
  }

  private static String curl(String host, String version) throws Exception {
    return Commands.run(
        "curl",
        "-sS",
        "-k",
        "--max-time",
        "20",
        version,
        "--resolve",
        host + ":" + port + ":127.0.0.1",
        "https://" + host + ":" + port + "/");
  }

  private static String sClient(String... options) throws Exception {
    List<String> command =
        new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port));
    command.addAll(List.of(options));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, SECONDS), String.join(" ", command));
    return text;
  }

  private static String field(String json, String name) {
    Matcher m = FIELD.matcher(json);
    while (m.find()) {
      if (m.group(1).equals(name)) {
        return m.group(2).replace("\"", "");
      }
    }
    throw new AssertionError("no " + name + " in " + json);
  }
}
