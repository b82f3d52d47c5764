package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.testsupport.Http;
import org.perchild.testsupport.Http.Reply;

/**
 * Hot deployment in a running child, over real sockets: a WAR written slowly into an AppBase is
 * deployed once, complete; replaced, it is redeployed; removed, undeployed; all while two load
 * loops hammer the child's other webapps (in the same virtual host and in another) with 0 failures.
 * Each kind of broken WAR answers 503 at its path with the reason in the error log, the rest
 * serving. And DocumentRoot: static files with validators and ranges, no listings, and a ROOT
 * webapp wins.
 */
@Timeout(300)
class DeployIT {

  private static final String DOCS = "d.test";
  private static final String ROOTED = "r.test";
  private static final Path WHOAMI = LaunchedServer.TREE.resolve("webapps/localhost/whoami.war");
  private static final Path PROBE = Path.of("target/test-wars/probe.war").toAbsolutePath();

  private static LaunchedServer server;
  private static Path appBase;

  @BeforeAll
  static void startServer() throws Exception {
    LaunchedServer.requireRoot();
    LaunchedServer.ensureAccount("tenantd", "tenantd");
    Path index = Files.createTempFile("perchild-index", ".html");
    Files.writeString(index, "<h1>static index</h1>\n");
    Path text = Files.createTempFile("perchild-text", ".txt");
    Files.writeString(text, "0123456789abcdefghij\n");
    // Temporary files are 0600, and Files.copy keeps the mode: the tenant must read them.
    for (Path file : List.of(index, text)) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }
    Map<String, Path> files = new LinkedHashMap<>();
    files.put("webapps/d/load.war", WHOAMI);
    files.put("webapps/r/ROOT.war", WHOAMI);
    files.put("htdocs/d/index.html", index);
    files.put("htdocs/d/a.txt", text);
    files.put("htdocs/d/sub/b.txt", text);
    server =
        LaunchedServer.startWith(
            "perchild-deploy",
            files,
            port ->
                String.join(
                    "\n",
                    "Listen 127.0.0.1:" + port,
                    "User #65534",
                    "Group #65534",
                    "NumServers 1",
                    // The load loops would recycle the child (MaxRequestsPerChild) mid-test; a
                    // new child deploys at its start, which is not what this test watches.
                    "MaxRequestsPerChild 0",
                    "ChildPerUserID tenantd tenantd 1",
                    "ChildJavaOptions -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                    "<VirtualHost *:" + port + ">",
                    "  ServerName " + DOCS,
                    "  AssignUserID tenantd tenantd",
                    "  AppBase webapps/d",
                    "  DocumentRoot htdocs/d",
                    "</VirtualHost>",
                    "<VirtualHost *:" + port + ">",
                    "  ServerName " + ROOTED,
                    "  AssignUserID tenantd tenantd",
                    "  AppBase webapps/r",
                    "  DocumentRoot htdocs/d",
                    "</VirtualHost>",
                    ""),
            1);
    appBase = server.root.resolve("webapps/d");
    Files.delete(index);
    Files.delete(text);
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  @AfterEach
  void noErrorLogged() throws Exception {
    assertEquals(
        List.of(),
        server.unexpectedErrors().stream()
            .filter(l -> !l.contains("failed to deploy at " + DOCS + "/bad"))
            // The malformed web.xml of eachBrokenWar..., as Jetty's parser reports it.
            .filter(l -> !l.contains("XmlParser - Fatal SAX Parse Issue"))
            .toList());
  }

  /**
   * {@code GET path} for {@code host} as HTTP/1.0 on a new connection (so the body ends with the
   * connection, never chunked), with extra header lines.
   */
  private static Reply get(String host, String path, String... headers) throws IOException {
    return Http.get(server.port, host, path, headers);
  }

  @Test
  void warIsDeployedRedeployedAndUndeployedWhileOtherWebappsServe() throws Exception {
    assertEquals(404, get(DOCS, "/shop/").statusCode());
    try (LoadLoop sameHost = new LoadLoop(server.port, DOCS, "/load/", 3);
        LoadLoop otherHost = new LoadLoop(server.port, ROOTED, "/", 3)) {
      // Written in place in small chunks, with pauses shorter than a poll: never deployed early.
      byte[] war = Files.readAllBytes(WHOAMI);
      Path shop = appBase.resolve("shop.war");
      try (OutputStream out = Files.newOutputStream(shop)) {
        int chunk = war.length / 8 + 1;
        for (int offset = 0; offset < war.length; offset += chunk) {
          out.write(war, offset, Math.min(chunk, war.length - offset));
          out.flush();
          Thread.sleep(400);
        }
      }
      await()
          .atMost(15, SECONDS)
          .pollInterval(200, MILLISECONDS)
          .until(() -> get(DOCS, "/shop/?status").statusCode() == 200);
      assertTrue(get(DOCS, "/shop/?status").body().contains("\"vhost\":\"" + DOCS + "\""));
      // The log line follows the swap that makes the new state reachable: wait for it too.
      await()
          .atMost(5, SECONDS)
          .until(() -> server.count("webapp shop.war deployed at " + DOCS + "/shop from ") >= 1);
      assertEquals(1, server.count("webapp shop.war deployed at " + DOCS + "/shop from "));
      assertEquals(0, server.count("shop.war failed to deploy"));

      // Replaced (atomically, by a rename) with a different WAR: redeployed.
      Path next = appBase.resolve(".shop.war.part");
      Files.copy(PROBE, next);
      Files.move(next, shop, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      await()
          .atMost(15, SECONDS)
          .pollInterval(200, MILLISECONDS)
          .until(() -> get(DOCS, "/shop/?status").body().contains("NoNewPrivs"));
      // The log line follows the swap that makes the new state reachable: wait for it too.
      await()
          .atMost(5, SECONDS)
          .until(() -> server.count("webapp shop.war redeployed at " + DOCS + "/shop from ") >= 1);
      assertEquals(1, server.count("webapp shop.war redeployed at " + DOCS + "/shop from "));

      // Removed: undeployed; the DocumentRoot has no shop either, so 404.
      Files.delete(shop);
      await()
          .atMost(15, SECONDS)
          .pollInterval(200, MILLISECONDS)
          .until(() -> get(DOCS, "/shop/").statusCode() == 404);
      // The log line follows the swap that makes the new state reachable: wait for it too.
      await()
          .atMost(5, SECONDS)
          .until(() -> server.count("webapp shop.war undeployed from " + DOCS + "/shop") >= 1);
      assertEquals(1, server.count("webapp shop.war undeployed from " + DOCS + "/shop"));
      // Some more load after the undeploy, so that a failure it caused would be seen.
      int afterUndeploy = sameHost.succeeded();
      await().atMost(10, SECONDS).until(() -> sameHost.succeeded() > afterUndeploy + 10);
      sameHost.close();
      otherHost.close();
      assertEquals(List.of(), sameHost.failures());
      assertEquals(List.of(), otherHost.failures());
      assertTrue(sameHost.succeeded() > 10, "load on /load/: " + sameHost.succeeded());
      assertTrue(otherHost.succeeded() > 10, "load on r.test/: " + otherHost.succeeded());
    }
  }

  @Test
  void eachBrokenWarAnswers503AloneWithItsReasonLogged() throws Exception {
    Path work = Files.createTempDirectory("perchild-broken");
    byte[] whoami = Files.readAllBytes(WHOAMI);
    Path truncated = work.resolve("truncated.war");
    Files.write(truncated, java.util.Arrays.copyOf(whoami, whoami.length / 2));
    Path badXml = work.resolve("badxml.war");
    rewriteWar(WHOAMI, badXml, Map.of("WEB-INF/web.xml", "<web-app><servlet>".getBytes()));
    Path throwing = work.resolve("listener.war");
    listenerWar(work, throwing);
    try (LoadLoop load = new LoadLoop(server.port, DOCS, "/load/", 2)) {
      Map<String, Path> broken = new LinkedHashMap<>();
      broken.put("bad1", truncated);
      broken.put("bad2", badXml);
      broken.put("bad3", throwing);
      for (Map.Entry<String, Path> each : broken.entrySet()) {
        Path part = appBase.resolve("." + each.getKey() + ".part");
        Files.copy(each.getValue(), part);
        Files.move(part, appBase.resolve(each.getKey() + ".war"), StandardCopyOption.ATOMIC_MOVE);
      }
      for (String name : broken.keySet()) {
        await()
            .atMost(15, SECONDS)
            .pollInterval(200, MILLISECONDS)
            .until(() -> get(DOCS, "/" + name + "/").statusCode() == 503);
        assertEquals(
            1,
            server.count("webapp " + name + ".war failed to deploy at " + DOCS + "/" + name + ";"),
            name);
      }
      assertTrue(server.count("listener refuses to start: perchild test") > 0);
      assertEquals(200, get(DOCS, "/load/").statusCode());
      assertEquals(200, get(ROOTED, "/").statusCode());
      for (String name : broken.keySet()) {
        Files.delete(appBase.resolve(name + ".war"));
      }
      for (String name : broken.keySet()) {
        await()
            .atMost(15, SECONDS)
            .pollInterval(200, MILLISECONDS)
            .until(() -> get(DOCS, "/" + name + "/").statusCode() == 404);
      }
      load.close();
      assertEquals(List.of(), load.failures());
      assertTrue(load.succeeded() > 10, "load on /load/: " + load.succeeded());
    }
  }

  @Test
  void documentRootServesFilesWithValidatorsAndRangesAndNoListings() throws Exception {
    Reply index = get(DOCS, "/");
    assertEquals(200, index.statusCode());
    assertEquals("<h1>static index</h1>\n", index.body());
    Reply file = get(DOCS, "/a.txt");
    assertEquals(200, file.statusCode());
    assertEquals("0123456789abcdefghij\n", file.body());
    String etag = file.header("ETag");
    String modified = file.header("Last-Modified");
    assertEquals(304, get(DOCS, "/a.txt", "If-None-Match: " + etag).statusCode());
    assertEquals(304, get(DOCS, "/a.txt", "If-Modified-Since: " + modified).statusCode());
    Reply range = get(DOCS, "/a.txt", "Range: bytes=2-5");
    assertEquals(206, range.statusCode());
    assertEquals("2345", range.body());
    assertEquals("bytes 2-5/21", range.header("Content-Range"));
    // httpd with Options -Indexes: 403 for a directory without an index.
    assertEquals(403, get(DOCS, "/sub/").statusCode());
    assertEquals(200, get(DOCS, "/sub/b.txt").statusCode());
    assertEquals(404, get(DOCS, "/nothing.txt").statusCode());
    // The webapps come first: /load/ is the whoami webapp, not a file.
    assertTrue(get(DOCS, "/load/").body().contains("\"vhost\":\"" + DOCS + "\""));
    // r.test has the same DocumentRoot, but its ROOT webapp wins at / (and for every path).
    assertTrue(get(ROOTED, "/").body().contains("\"vhost\":\"" + ROOTED + "\""));
    assertTrue(get(ROOTED, "/a.txt").body().contains("\"vhost\":\"" + ROOTED + "\""));
  }

  /** Copies a WAR, replacing some entries. */
  private static void rewriteWar(Path from, Path to, Map<String, byte[]> replaced)
      throws IOException {
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(from));
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to))) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        out.putNextEntry(new ZipEntry(entry.getName()));
        byte[] bytes = replaced.get(entry.getName());
        out.write(bytes != null ? bytes : in.readAllBytes());
        out.closeEntry();
      }
    }
  }

  /** A WAR whose only content is a ServletContextListener that throws in contextInitialized. */
  private static void listenerWar(Path work, Path war) throws Exception {
    Path src = Files.createDirectories(work.resolve("src/broken"));
    Files.writeString(
        src.resolve("ThrowingListener.java"),
        String.join(
            "\n",
            "package broken;",
            "public class ThrowingListener implements jakarta.servlet.ServletContextListener {",
            "  @Override",
            "  public void contextInitialized(jakarta.servlet.ServletContextEvent event) {",
            "    throw new IllegalStateException(\"listener refuses to start: perchild test\");",
            "  }",
            "}",
            ""));
    Path classes = Files.createDirectories(work.resolve("classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    int rc =
        javac.run(
            null,
            errors,
            errors,
            "--release",
            "17",
            "-cp",
            LaunchedServer.TREE.resolve("lib/ee10/jakarta.servlet-api-6.0.0.jar").toString(),
            "-d",
            classes.toString(),
            src.resolve("ThrowingListener.java").toString());
    assertEquals(0, rc, errors.toString(StandardCharsets.UTF_8));
    String webXml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\">\n"
            + "  <listener><listener-class>broken.ThrowingListener</listener-class></listener>\n"
            + "</web-app>\n";
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(war))) {
      out.putNextEntry(new ZipEntry("WEB-INF/web.xml"));
      out.write(webXml.getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
      out.putNextEntry(new ZipEntry("WEB-INF/classes/broken/ThrowingListener.class"));
      try (InputStream in =
          Files.newInputStream(classes.resolve("broken/ThrowingListener.class"))) {
        in.transferTo(out);
      }
      out.closeEntry();
    }
  }
}
