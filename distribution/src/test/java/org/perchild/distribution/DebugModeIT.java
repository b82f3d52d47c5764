package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.testsupport.Commands;
import org.perchild.testsupport.Http;
import org.perchild.testsupport.OpensslCertificates;
import org.perchild.testsupport.OpensslCertificates.Pair;
import org.perchild.testsupport.RootRequirement;
import org.perchild.testsupport.TlsClients;

/**
 * {@code bin/perchild -X} run for real: one JVM, every virtual host, Jetty listening itself on a
 * {@code Listen} without an address (dual-stack), as an unprivileged user. As root, the test starts
 * it as uid/gid 65534 with {@code setpriv} and also checks that {@code -X} as root is refused;
 * otherwise it runs it as the current user. One server for the whole class.
 */
@Timeout(180)
class DebugModeIT {

  private static final Path TREE = ReadableTree.TREE;
  private static final boolean IS_ROOT = "root".equals(System.getProperty("user.name"));
  private static final int NOBODY = 65534;

  private static final Path SPRING_BOOT =
      Path.of("target/test-wars/springboot-sample.war").toAbsolutePath();

  private static Path root;
  private static Path out;
  private static Process server;
  private static int port;
  private static int https;

  @BeforeAll
  static void startServer() throws Exception {
    root = Files.createTempDirectory("perchild-x");
    Path war = TREE.resolve("webapps/localhost/whoami.war");
    for (String host : List.of("first", "second")) {
      Path appBase = Files.createDirectories(root.resolve("webapps").resolve(host));
      Files.copy(war, appBase.resolve("ROOT.war"));
    }
    // The same platform as a child's: a Spring Boot WAR (its initializer found by annotation
    // scanning), and JSP with the container's JSTL in ee10 and in ee8.
    Files.copy(SPRING_BOOT, root.resolve("webapps/second/boot.war"));
    jspApp(
        root.resolve("webapps/second/jsp"),
        "https://jakarta.ee/xml/ns/jakartaee",
        "6.0",
        "jakarta.tags.core");
    jspApp(
        root.resolve("webapps/second/jsp8"),
        "http://xmlns.jcp.org/xml/ns/javaee",
        "4.0",
        "http://java.sun.com/jsp/jstl/core");
    precompiledJspApp(root.resolve("webapps/second/pre"), root.resolve("javac"));
    // Only the first host has /marker/: it tells which host served a request whose name is unknown.
    Path marker = Files.createDirectories(root.resolve("webapps/first/marker"));
    Files.writeString(marker.resolve("host.txt"), "first\n");
    try (ServerSocket probe = new ServerSocket(0);
        ServerSocket probeTls = new ServerSocket(0)) {
      port = probe.getLocalPort();
      https = probeTls.getLocalPort();
    }
    // The same hosts over TLS, each with its certificate: -X terminates https itself.
    Pair firstTls = new OpensslCertificates(root.resolve("keys")).rsa("first");
    Pair secondTls = new OpensslCertificates(root.resolve("keys")).ec("second");
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(
        root.resolve("conf/perchild.conf"),
        String.join(
            "\n",
            "Listen " + port,
            "Listen 127.0.0.1:" + https + " https",
            "User #65534",
            "Group #65534",
            "NumServers 2",
            // The deployments' log lines say which servlet environment each WAR got.
            "LogLevel info",
            // Ignored by -X: every host runs as the user who started it.
            "ChildPerUserID #40001 #40001 1",
            "<VirtualHost *:" + port + ">",
            "  ServerName first",
            "  AppBase webapps/first",
            "</VirtualHost>",
            "<VirtualHost *:" + port + ">",
            "  ServerName second",
            "  AssignUserID #40001 #40001",
            "  AppBase webapps/second",
            "</VirtualHost>",
            tlsHost("first", firstTls),
            tlsHost("second", secondTls),
            ""));
    Files.createDirectories(root.resolve("logs"));
    makeReadable(root);
    for (Pair pair : List.of(firstTls, secondTls)) {
      // -X reads the keys as the user it runs as, never as root.
      Files.setPosixFilePermissions(pair.key(), PosixFilePermissions.fromString("rw-------"));
      if (IS_ROOT) {
        Files.setAttribute(pair.key(), "unix:uid", NOBODY);
      }
    }
    out = root.resolve("debug.out");
    server =
        new ProcessBuilder(asUnprivileged(perchild("-d", root.toString(), "-X")))
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
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
    server.destroy(); // SIGTERM
    assertTrue(server.waitFor(30, SECONDS), "-X did not stop on SIGTERM");
    List<String> errors =
        output().lines().filter(l -> l.contains(" ERROR ") || l.contains("Exception")).toList();
    assertEquals(List.of(), errors, "unexpected errors in the output of -X");
    assertTrue(output().contains("-X stopped"), output());
  }

  private static String tlsHost(String name, Pair pair) {
    return String.join(
        "\n",
        "<VirtualHost *:" + https + ">",
        "  ServerName " + name,
        "  AppBase webapps/" + name,
        "  SSLEngine on",
        "  SSLCertificateFile " + pair.certificate(),
        "  SSLCertificateKeyFile " + pair.key(),
        "</VirtualHost>");
  }

  /** The server root and its parents must be readable by the unprivileged user. */
  private static void makeReadable(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      for (Path each : files.toList()) {
        Files.setPosixFilePermissions(
            each,
            PosixFilePermissions.fromString(Files.isDirectory(each) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
  }

  private static List<String> perchild(String... args) {
    List<String> command = new ArrayList<>();
    command.add(TREE.resolve("bin/perchild").toString());
    command.addAll(List.of(args));
    return command;
  }

  private static List<String> asUnprivileged(List<String> command) {
    if (!IS_ROOT) {
      return command;
    }
    List<String> wrapped =
        new ArrayList<>(
            List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--init-groups", "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  private static String output() throws IOException {
    return Files.exists(out) ? Files.readString(out) : "";
  }

  private static String run(String... command) throws Exception {
    return Commands.run(command);
  }

  private static String curl(String address, String host, String path) throws Exception {
    return Http.curl(address, port, host, path, "-w", "\n%{http_code}");
  }

  private static int expectedUid() throws Exception {
    return IS_ROOT ? NOBODY : Integer.parseInt(run("id", "-u").trim());
  }

  @Test
  void everyVirtualHostIsServedByThisOneUnprivilegedProcess() throws Exception {
    Set<String> pids = new HashSet<>();
    for (String host : List.of("first", "second", "first", "second")) {
      String json = curl("127.0.0.1", host, "/");
      assertTrue(json.endsWith("\n200"), json);
      assertEquals(host, JsonFields.field(json, "vhost"), json);
      assertEquals(Integer.toString(expectedUid()), JsonFields.field(json, "uid"), json);
      pids.add(JsonFields.field(json, "pid"));
    }
    // setpriv and bin/perchild exec: the server is the very process the test started.
    assertEquals(Set.of(Long.toString(server.pid())), pids);
  }

  /** An exploded web application with one JSP that uses JSTL's {@code c:forEach}. */
  private static void jspApp(Path dir, String namespace, String version, String coreTaglib)
      throws IOException {
    Files.createDirectories(dir.resolve("WEB-INF"));
    Files.writeString(
        dir.resolve("WEB-INF/web.xml"),
        "<web-app xmlns=\"" + namespace + "\" version=\"" + version + "\"/>\n");
    Files.writeString(
        dir.resolve("hello.jsp"),
        "<%@ taglib prefix=\"c\" uri=\""
            + coreTaglib
            + "\" %><c:forEach var=\"i\" begin=\"1\" end=\"3\">jsp ${i} </c:forEach>\n");
  }

  /**
   * An exploded web application with a precompiled JSP: a servlet that extends Jasper's {@code
   * HttpJspBase} and writes through a {@code PageContext}, as JspC's output does, compiled against
   * lib/ee10/ and mapped in web.xml; the container's Jasper runtime must serve it.
   */
  private static void precompiledJspApp(Path dir, Path work) throws Exception {
    Path src = Files.createDirectories(work.resolve("org/example/jsp"));
    Files.writeString(
        src.resolve("hello_jsp.java"),
        String.join(
            "\n",
            "package org.example.jsp;",
            "import jakarta.servlet.jsp.*;",
            "public final class hello_jsp extends org.apache.jasper.runtime.HttpJspBase {",
            "  @Override",
            "  public void _jspService(jakarta.servlet.http.HttpServletRequest request,",
            "      jakarta.servlet.http.HttpServletResponse response)",
            "      throws java.io.IOException, jakarta.servlet.ServletException {",
            "    JspFactory factory = JspFactory.getDefaultFactory();",
            "    PageContext page = factory.getPageContext(this, request, response, null, true,"
                + " 8192, true);",
            "    try {",
            "      page.getOut().write(\"precompiled \" + (6 * 7) + \"\\n\");",
            "    } finally {",
            "      factory.releasePageContext(page);",
            "    }",
            "  }",
            "}",
            ""));
    Path classes = Files.createDirectories(dir.resolve("WEB-INF/classes"));
    StringBuilder classPath = new StringBuilder();
    try (var jars = Files.list(TREE.resolve("lib/ee10"))) {
      jars.forEach(jar -> classPath.append(jar).append(java.io.File.pathSeparator));
    }
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    int rc =
        ToolProvider.getSystemJavaCompiler()
            .run(
                null,
                errors,
                errors,
                "--release",
                "17",
                "-cp",
                classPath.toString(),
                "-d",
                classes.toString(),
                src.resolve("hello_jsp.java").toString());
    assertEquals(0, rc, errors.toString(StandardCharsets.UTF_8));
    Files.writeString(
        dir.resolve("WEB-INF/web.xml"),
        "<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\">\n"
            + "  <servlet><servlet-name>hello_jsp</servlet-name>"
            + "<servlet-class>org.example.jsp.hello_jsp</servlet-class></servlet>\n"
            + "  <servlet-mapping><servlet-name>hello_jsp</servlet-name>"
            + "<url-pattern>/hello.jsp</url-pattern></servlet-mapping>\n"
            + "</web-app>\n");
  }

  @Test
  void theServletPlatformIsAChildsOneInThisProcessToo() throws Exception {
    String precompiled = curl("127.0.0.1", "second", "/pre/hello.jsp");
    assertTrue(precompiled.equals("precompiled 42\n\n200"), precompiled);
    String boot = curl("127.0.0.1", "second", "/boot/whoami");
    assertTrue(boot.endsWith("\n200"), boot);
    assertTrue(boot.contains("uid=" + expectedUid()), boot);
    for (String path : List.of("/jsp/hello.jsp", "/jsp8/hello.jsp")) {
      String page = curl("127.0.0.1", "second", path);
      assertTrue(page.contains("jsp 1 jsp 2 jsp 3") && page.endsWith("\n200"), path + ": " + page);
    }
    String log = output();
    assertTrue(log.contains("webapp jsp8 at second/jsp8: servlet environment ee8"), log);
    assertTrue(log.contains("webapp boot.war at second/boot: servlet environment ee10"), log);
  }

  @Test
  void anUnknownHostGetsTheFirstVirtualHost() throws Exception {
    assertEquals("first\n\n200", curl("127.0.0.1", "unknown.example", "/marker/host.txt"));
    assertEquals("first\n\n200", curl("127.0.0.1", "first", "/marker/host.txt"));
    // The second host has no /marker/: its ROOT webapp (whoami, mapped at /) answers instead.
    String second = curl("127.0.0.1", "second", "/marker/host.txt");
    assertEquals("second", JsonFields.field(second, "vhost"), second);
  }

  @Test
  void aListenWithoutAddressAnswersOnIpv6Too() throws Exception {
    assumeTrue(
        Files.readString(Path.of("/proc/net/if_inet6"))
            .contains("00000000000000000000000000000001"),
        "no IPv6 loopback here");
    String json = curl("[::1]", "second", "/");
    assertTrue(json.endsWith("\n200"), json);
    assertEquals("second", JsonFields.field(json, "vhost"), json);
  }

  @Test
  void asRootItIsRefused() throws Exception {
    RootRequirement.require("showing that -X refuses root");
    Process process =
        new ProcessBuilder(perchild("-d", root.toString(), "-X")).redirectErrorStream(true).start();
    String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, SECONDS));
    assertEquals(1, process.exitValue(), text);
    assertTrue(text.contains("perchild: -X refuses to run as root"), text);
  }

  @Test
  void overTlsEachHostHasItsCertificateBySniAndTheFirstHostsWithout() throws Exception {
    assertTrue(sClient("-servername", "first").contains("subject=CN = first"));
    assertTrue(sClient("-servername", "second").contains("subject=CN = second"));
    assertTrue(sClient("-noservername").contains("subject=CN = first"));
  }

  @Test
  void overTlsHttp2ByAlpnAndHttp11WhenForcedBothSecureInThisOneProcess() throws Exception {
    for (String host : List.of("first", "second")) {
      String json = curlTls(host, "--http2");
      assertEquals("HTTP/2.0", JsonFields.field(json, "protocol"), json);
      assertEquals("true", JsonFields.field(json, "secure"), json);
      assertEquals("https", JsonFields.field(json, "scheme"), json);
      assertEquals(host, JsonFields.field(json, "vhost"), json);
      assertEquals(Long.toString(server.pid()), JsonFields.field(json, "pid"), json);
      assertEquals("HTTP/1.1", JsonFields.field(curlTls(host, "--http1.1"), "protocol"));
    }
  }

  @Test
  void overTlsAHostOtherThanTheSnisIsMisdirected() throws Exception {
    assertEquals(
        "421",
        curlTls(
            "first", "--http1.1", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: second"));
  }

  private static String curlTls(String host, String version, String... more) throws Exception {
    return run(TlsClients.curl(host, https, "/", version, more).toArray(new String[0]));
  }

  private static String sClient(String... options) throws Exception {
    return Commands.output("", TlsClients.sClient(https, options));
  }
}
