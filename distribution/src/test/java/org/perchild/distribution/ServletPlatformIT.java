package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.testsupport.Http;
import org.perchild.testsupport.Http.Reply;

/**
 * The servlet platform with WARs written by others: Jetty's own demo WARs (ee10, ee9, ee8), as
 * published on Maven Central, deployed as a tenant would deploy them, and small WARs of the test's
 * own for BASIC and DIGEST. One server for the class: tenant {@value #TENANT} has every WAR in
 * {@value #HOST} (with {@code ServerAlias 127.0.0.1}, for the JDK's WebSocket client, which sets
 * {@code Host} from the URI), tenant {@value #OTHER} runs the probe in {@value #OTHER_HOST}, and
 * tenant {@value #IDLE} has an {@code AppBase} without WARs in {@value #IDLE_HOST}, the address's
 * first virtual host. Everything goes through the acceptor on real sockets.
 */
@Timeout(300)
class ServletPlatformIT {

  private static final String TENANT = "platforma";
  private static final String OTHER = "platformb";
  private static final String IDLE = "platformc";
  private static final String HOST = "p.test";
  private static final String OTHER_HOST = "q.test";
  private static final String IDLE_HOST = "e.test";
  private static final Path TEST_WARS = Path.of("target/test-wars").toAbsolutePath();

  /** Each WAR of {@value #HOST}, by file name, and the environment its log line must name. */
  private static final Map<String, String> ENVIRONMENTS = new LinkedHashMap<>();

  static {
    for (String war :
        List.of("simple", "jsp", "demo", "spec", "specplain", "basic", "digest", "norealm")) {
      ENVIRONMENTS.put(war + ".war", "ee10");
    }
    ENVIRONMENTS.put("ee8jsp.war", "ee8");
    ENVIRONMENTS.put("ee9jsp.war", "ee9");
  }

  /** The only ERROR lines this class provokes, each exactly. */
  private static final String SPEC_PLAIN_FAILED =
      "webapp specplain.war failed to deploy at "
          + HOST
          + "/specplain; it answers 503, the other webapps serve: ";

  private static final String NO_REALM_REFUSED =
      "webapp norealm.war at "
          + HOST
          + "/norealm: <login-config> realm 'Nowhere' has no WebAppRealm in <VirtualHost "
          + HOST
          + ">; every login is refused";

  private static LaunchedServer server;
  private static Instant started;
  private static Path realms;

  @BeforeAll
  static void startServer() throws Exception {
    LaunchedServer.requireRoot();
    for (String tenant : List.of(TENANT, OTHER, IDLE)) {
      LaunchedServer.ensureAccount(tenant, tenant);
    }
    Path work = Files.createTempDirectory("perchild-platform-wars");
    Map<String, Path> files = new LinkedHashMap<>();
    files.put("webapps/p/simple.war", testWar("jetty-ee10-demo-simple-webapp.war"));
    files.put("webapps/p/jsp.war", testWar("jetty-ee10-demo-jsp-webapp.war"));
    files.put("webapps/p/demo.war", testWar("jetty-ee10-demo-jetty-webapp.war"));
    files.put("webapps/p/specplain.war", testWar("jetty-ee10-demo-spec-webapp.war"));
    files.put("webapps/p/spec.war", specWarWithItsResources(work));
    files.put("webapps/p/ee8jsp.war", testWar("jetty-ee8-demo-jsp-webapp.war"));
    files.put("webapps/p/ee9jsp.war", testWar("jetty-ee9-demo-jsp-webapp.war"));
    files.put("webapps/p/basic.war", loginWar(work, "basic.war", "BASIC", "R1", "/*"));
    files.put("webapps/p/digest.war", loginWar(work, "digest.war", "DIGEST", "R2", "/*"));
    files.put(
        "webapps/p/norealm.war", loginWar(work, "norealm.war", "BASIC", "Nowhere", "/private/*"));
    files.put("webapps/q/ROOT.war", testWar("probe.war"));
    Map<String, String> realmFiles = realmFiles();
    started = Instant.now();
    server =
        LaunchedServer.startWith(
            "perchild-platform",
            files,
            port ->
                String.join(
                    "\n",
                    "Listen 127.0.0.1:" + port,
                    "User #65534",
                    "Group #65534",
                    "NumServers 3",
                    // One child per tenant for the whole class: the tests find it by its pid.
                    "MaxRequestsPerChild 0",
                    "ChildPerUserID " + TENANT + " " + TENANT + " 1",
                    "ChildPerUserID " + OTHER + " " + OTHER + " 1",
                    "ChildPerUserID " + IDLE + " " + IDLE + " 1",
                    "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                    // Ten WARs, JSP compilation and annotation scanning in one child.
                    "ChildPerUserJavaOptions " + TENANT + " " + TENANT + " -Xmx256m",
                    "<VirtualHost *:" + port + ">",
                    "  ServerName " + IDLE_HOST,
                    "  AssignUserID " + IDLE + " " + IDLE,
                    "  AppBase webapps/e",
                    "</VirtualHost>",
                    "<VirtualHost *:" + port + ">",
                    "  ServerName " + HOST,
                    "  ServerAlias 127.0.0.1",
                    "  AssignUserID " + TENANT + " " + TENANT,
                    "  AppBase webapps/p",
                    "  WebAppRealm \"Test Realm\" realms/test.properties",
                    "  WebAppRealm R1 realms/r1.properties",
                    "  WebAppRealm R2 realms/r2.properties",
                    "</VirtualHost>",
                    "<VirtualHost *:" + port + ">",
                    "  ServerName " + OTHER_HOST,
                    "  AssignUserID " + OTHER + " " + OTHER,
                    "  AppBase webapps/q",
                    "</VirtualHost>",
                    ""),
            3,
            root -> {
              Path empty = Files.createDirectories(root.resolve("webapps/e"));
              Files.setPosixFilePermissions(empty, PosixFilePermissions.fromString("rwxr-xr-x"));
              Path dir = Files.createDirectories(root.resolve("realms"));
              Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
              for (Map.Entry<String, String> realm : realmFiles.entrySet()) {
                Path file = Files.writeString(dir.resolve(realm.getKey()), realm.getValue());
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
                LaunchedServer.run("chown", TENANT + ":" + TENANT, file.toString());
              }
            });
    realms = server.root.resolve("realms");
    // The server root has copies of the built WARs.
    try (Stream<Path> built = Files.walk(work)) {
      for (Path file : built.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
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
            .filter(l -> !l.contains(SPEC_PLAIN_FAILED))
            .filter(l -> !l.contains(NO_REALM_REFUSED))
            .toList());
  }

  // 1. ee10 simple and JSP demos; the JSPs compile into the child's private work directory.

  @Test
  void simpleDemoAnswers() throws Exception {
    Reply index = get("/simple/");
    assertEquals(200, index.statusCode());
    assertTrue(index.body().contains("Hello World EE10!"), index.body());
    Reply hello = get("/simple/hello");
    assertEquals(200, hello.statusCode());
    assertTrue(
        hello.body().contains("HelloWorld from Servlet-6.0 with interface jakarta.servlet.Servlet"),
        hello.body());
  }

  @Test
  void jspDemoRendersAndCompilesIntoTheChildsPrivateWorkDirectory() throws Exception {
    assertRenders("/jsp/dump.jsp", "<h1>JSP Dump</h1>", "<td>/jsp/dump.jsp</td>");
    // JSTL's c:forEach ran: 1 to 10, each followed by a <br />.
    assertRenders("/jsp/jstl.jsp", "<h1>JSTL Example</h1>");
    assertCounts("/jsp/jstl.jsp");
    // The tag file WEB-INF/tags/panel.tag rendered each panel's title.
    assertRenders(
        "/jsp/tagfile.jsp", "<h1>JSP 2.0 Tag File Example</h1>", "<b>Panel 1</b>", "<b>Inner</b>");

    int uid = LaunchedServer.uidOf(TENANT);
    Path workDirectory = workDirectoryOf(TENANT);
    assertEquals(uid, Files.getAttribute(workDirectory, "unix:uid"), workDirectory.toString());
    assertEquals(
        PosixFilePermissions.fromString("rwx------"),
        Files.getPosixFilePermissions(workDirectory),
        workDirectory.toString());
    List<Path> compiled = compiledJsps(workDirectory, "jsp");
    assertTrue(
        compiled.stream().anyMatch(p -> p.getFileName().toString().equals("jstl_jsp.class")),
        "compiled JSPs of /jsp in " + workDirectory + ": " + compiled);
    for (Path jsp : compiled) {
      for (Path p = jsp; p.startsWith(workDirectory); p = p.getParent()) {
        assertEquals(uid, Files.getAttribute(p, "unix:uid"), p.toString());
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(p);
        assertFalse(mode.contains(PosixFilePermission.GROUP_WRITE), p + " " + mode);
        assertFalse(mode.contains(PosixFilePermission.OTHERS_WRITE), p + " " + mode);
        if (p.equals(workDirectory)) {
          break;
        }
      }
    }
  }

  // 2. The spec demo with JNDI resources of its own, and without them.

  @Test
  void specDemoDeploysWithItsServletsFragmentAndInitializer() throws Exception {
    assertRenders("/spec/", "Servlet 6.0 Demo WebApp");
    // @WebServlet servlets.
    assertRenders("/spec/classloader", "<h1>ClassLoader Isolation Test</h1>");
    assertRenders("/spec/test/", "<h1>Results</h1>");
    // Posted, as its index.html does: the servlet has doPost only.
    Reply async = post("/spec/asy/xx");
    assertEquals(200, async.statusCode());
    assertTrue(async.body().contains("<h1>AsyncListener"), async.body());
    assertFalse(async.body().contains("FAIL"), async.body());
    // The servlet of the web fragment (WEB-INF/lib/jetty-ee10-demo-web-fragment), and the static
    // file in its META-INF/resources.
    assertRenders("/spec/fragment", "<h1>Jetty Fragment Servlet</h1>");
    assertRenders("/spec/fragmentA/index.html", "<h1>Welcome to a Fragment</h1>");
    // The ServletContainerInitializer (FooInitializer) added this JSP with addJspFile.
    assertRenders("/spec/dynamicjsp/x", "<h1>Programmatically Added Jsp File</h1>", "Success.");
    Map<String, String> results = sections(get("/spec/test/").body());
    assertTrue(
        results.get("Complete Servlet Registration").contains("PASS"),
        results.get("Complete Servlet Registration"));
    assertTrue(
        results.get("Add Jsp File Registration").contains("PASS"),
        results.get("Add Jsp File Registration"));
  }

  @Test
  void specDemoShowsTheResourcesInjectedFromItsJettyEnvXml() throws Exception {
    String body = get("/spec/test/").body();
    assertTrue(body.contains("myDS=org.example.MockDataSource@"), body);
    assertTrue(
        body.contains(
            "java:comp/env/org.example.test.AnnotationTest/myDatasource=org.example.MockDataSource@"),
        body);
    assertTrue(body.contains("maxAmount=55.0"), body);
    assertTrue(body.contains("java:comp/env/org.example.test.AnnotationTest/maxAmount=55.0"), body);
    assertTrue(body.contains("minAmount=0.99"), body);
    assertTrue(body.contains("java:comp/env/someAmount=0.99"), body);
    assertTrue(body.contains("avgAmount=1.25"), body);
    assertTrue(body.contains("java:comp/env/org.example.test.AnnotationTest/avgAmount=1.25"), body);
    assertTrue(
        body.contains("myUserTransaction=Reference Class Name: org.example.MockUserTransaction"),
        body);
    assertTrue(
        body.contains(
            "java:comp/env/org.example.test.AnnotationTest/myUserTransaction=Reference Class Name:"
                + " org.example.MockUserTransaction"),
        body);
    // Every other check of the page passes too; @HandlesTypes has a test of its own.
    Map<String, String> results = sections(body);
    assertTrue(results.size() > 10, results.keySet().toString());
    results.remove("@ContainerInitializer");
    results.forEach((heading, text) -> assertFalse(text.contains("FAIL"), heading + ": " + text));
  }

  /**
   * {@code @HandlesTypes({Servlet.class, Foo.class})} of the WAR's initializer must be given the
   * WAR's servlets, as Jetty's own deployer gives them (the page lists what it expects: the
   * application's servlets and the API's {@code GenericServlet} and {@code HttpServlet}).
   */
  @Test
  void specDemoInitializerIsGivenTheClassesItHandles() throws Exception {
    String initializer = sections(get("/spec/test/").body()).get("@ContainerInitializer");
    assertTrue(initializer.contains("org.example.test.AnnotationTest"), initializer);
    assertTrue(initializer.contains("org.example.fragment.FragmentServlet"), initializer);
    assertTrue(initializer.contains("PASS"), initializer);
    assertFalse(initializer.contains("FAIL"), initializer);
  }

  @Test
  void specDemoServletSecurityNeedsALoginWithTheRoleItNames() throws Exception {
    // FORM (its login-config): without a login, the login page.
    Reply anonymous = get("/spec/sec/foo");
    assertTrue(
        anonymous.statusCode() == 302 || anonymous.statusCode() == 303, anonymous.statusLine());
    assertTrue(anonymous.header("Location").startsWith("/spec/login.html"), anonymous.toString());
    assertRenders("/spec/login.html", "j_security_check");
    // A user of its realm ("Test Realm") without the role @ServletSecurity asks for; posted, as
    // its index.html does (doPost only).
    String user = formLogin("/spec", "/spec/sec/foo", "ann", "ann-secret");
    assertEquals(403, post("/spec/sec/foo", "Cookie: " + user).statusCode());
    // One with it.
    String admin = formLogin("/spec", "/spec/sec/foo", "admin", "admin-secret");
    Reply secured = post("/spec/sec/foo", "Cookie: " + admin);
    assertEquals(200, secured.statusCode());
    assertTrue(secured.body().contains("<h1>@ServletSecurity</h1>"), secured.body());
    assertTrue(secured.body().contains("PASS"), secured.body());
  }

  @Test
  void specDemoWithoutItsResourcesFailsAlone() throws Exception {
    assertEquals(503, get("/specplain/").statusCode());
    assertEquals(503, get("/specplain/test/").statusCode());
    List<String> failed = lines(SPEC_PLAIN_FAILED);
    assertEquals(1, failed.size(), failed.toString());
    assertTrue(failed.get(0).contains("No resource at jdbc/mydatasource"), failed.get(0));
    assertEquals(200, get("/spec/").statusCode());
    assertEquals(200, get("/simple/").statusCode());
  }

  // 3. The ee10 Jetty demo: FORM login and WebSocket on a handed-off connection.

  @Test
  void jettyDemoFormLoginChecksTheTenantsRealmFile() throws Exception {
    Path file = realms.resolve("test.properties");
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
    assertEquals(LaunchedServer.uidOf(TENANT), Files.getAttribute(file, "unix:uid"));

    Reply anonymous = get("/demo/dump/auth/info");
    assertTrue(
        anonymous.statusCode() == 302 || anonymous.statusCode() == 303, anonymous.statusLine());
    assertTrue(anonymous.header("Location").startsWith("/demo/logon.html"), anonymous.toString());
    assertRenders("/demo/logon.html", "<h1>FORM Authentication demo</h1>");

    String session = formLogin("/demo", "/demo/dump/auth/info", "ann", "ann-secret");
    Reply info = get("/demo/dump/auth/info", "Cookie: " + session);
    assertEquals(200, info.statusCode());
    assertTrue(info.body().contains("getRemoteUser:&nbsp;</th><td>ann</td>"), info.body());
    assertTrue(info.body().contains("getUserPrincipal:&nbsp;</th><td>ann</td>"), info.body());

    String cookie = sessionCookie(get("/demo/dump/auth/info"));
    Reply wrong = postLogin("/demo", cookie, "ann", "not-the-password");
    assertEquals(303, wrong.statusCode(), wrong.toString());
    assertTrue(wrong.header("Location").startsWith("/demo/logonError.html"), wrong.toString());
    assertRenders(wrong.header("Location"), "<h1>Authentication ERROR</h1>");
    Reply stillAnonymous = get("/demo/dump/auth/info", "Cookie: " + cookie);
    assertTrue(
        stillAnonymous.statusCode() == 302 || stillAnonymous.statusCode() == 303,
        stillAnonymous.statusLine());
  }

  @Test
  void jettyDemoWebSocketChatsEchoThroughTheHandOff() throws Exception {
    // The JDK client sends Host: 127.0.0.1:port, the tenant's ServerAlias; without it the
    // acceptor would route to e.test, the address's first host, and the upgrade would get 404.
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
    for (String endpoint : List.of("/demo/jakarta.websocket/", "/demo/jetty.websocket/")) {
      CompletableFuture<String> echo = new CompletableFuture<>();
      WebSocket socket =
          client
              .newWebSocketBuilder()
              .subprotocols("chat")
              .buildAsync(
                  URI.create("ws://127.0.0.1:" + server.port + endpoint),
                  new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(
                        WebSocket webSocket, CharSequence data, boolean last) {
                      text.append(data);
                      if (last) {
                        echo.complete(text.toString());
                      }
                      webSocket.request(1);
                      return null;
                    }

                    @Override
                    public void onError(WebSocket webSocket, Throwable error) {
                      echo.completeExceptionally(error);
                    }
                  })
              .get(20, SECONDS);
      try {
        assertEquals("chat", socket.getSubprotocol(), endpoint);
        String message = "perchild says hello to " + endpoint;
        socket.sendText(message, true).get(20, SECONDS);
        assertEquals(message, echo.get(20, SECONDS), endpoint);
      } finally {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(20, SECONDS);
      }
    }
  }

  // 4. BASIC and DIGEST with the test's own WARs; a WAR without a realm; hot reload.

  @Test
  void basicChecksEachPasswordForm() throws Exception {
    assertEquals("401", status("/basic/"));
    for (String[] user :
        List.of(
            new String[] {"pat", "pat-secret"},
            new String[] {"olga", "olga-secret"},
            new String[] {"mona", "mona-secret"},
            new String[] {"cris", "cris-pw1"})) {
      assertEquals("200", status("/basic/", "-u", user[0] + ":" + user[1]), user[0]);
      assertEquals("401", status("/basic/", "-u", user[0] + ":wrong-pw1"), user[0]);
    }
    String challenge = Http.curl(server.port, HOST, "/basic/", "-s", "-o", "/dev/null", "-D", "-");
    assertTrue(
        challenge.toLowerCase(Locale.ROOT).contains("www-authenticate: basic realm=\"r1\""),
        challenge);
    assertTrue(
        Http.curl(server.port, HOST, "/basic/", "-u", "pat:pat-secret")
            .contains("<h1>basic.war</h1>"));
  }

  @Test
  void digestChecksPlainObfuscatedAndHtdigestPasswords() throws Exception {
    assertEquals("401", status("/digest/"));
    for (String[] user :
        List.of(
            new String[] {"dina", "dina-secret"},
            new String[] {"otto", "otto-secret"},
            new String[] {"mdig", "mdig-secret"})) {
      assertEquals("200", status("/digest/", "--digest", "-u", user[0] + ":" + user[1]), user[0]);
      assertEquals("401", status("/digest/", "--digest", "-u", user[0] + ":wrong"), user[0]);
    }
    // DIGEST never sees the password, so a CRYPT: one cannot be checked (README, Login realms).
    assertEquals("401", status("/digest/", "--digest", "-u", "cdig:cdig-pw1"));
    assertTrue(
        Http.curl(server.port, HOST, "/digest/", "--digest", "-u", "dina:dina-secret")
            .contains("<h1>digest.war</h1>"));
  }

  @Test
  void aWarWhoseRealmIsMissingServesButRefusesEveryLoginAndSaysSoOnce() throws Exception {
    assertEquals(200, get("/norealm/").statusCode());
    assertEquals("401", status("/norealm/private/"));
    // A user and password that are right in another realm of the host count for nothing here.
    assertEquals("401", status("/norealm/private/", "-u", "pat:pat-secret"));
    assertEquals("401", status("/norealm/private/", "-u", "ann:ann-secret"));
    assertEquals("401", status("/norealm/private/", "-u", "pat:pat-secret"));
    await().atMost(5, SECONDS).until(() -> server.count(Pattern.quote(NO_REALM_REFUSED)) >= 1);
    assertEquals(1, server.count(Pattern.quote(NO_REALM_REFUSED)));
  }

  @Test
  void anEditedRealmFileCountsWithoutARestart() throws Exception {
    Path file = realms.resolve("r1.properties");
    assertEquals("200", status("/basic/", "-u", "hana:hana-first"));
    String before = Files.readString(file);
    assertTrue(before.contains("hana: hana-first, user\n"), before);
    // Written in place: the file keeps its owner and its mode.
    Files.writeString(file, before.replace("hana: hana-first,", "hana: hana-second-pw,"));
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
    assertEquals(LaunchedServer.uidOf(TENANT), Files.getAttribute(file, "unix:uid"));
    await()
        .atMost(15, SECONDS)
        .pollInterval(250, MILLISECONDS)
        .until(() -> status("/basic/", "-u", "hana:hana-second-pw").equals("200"));
    assertEquals("401", status("/basic/", "-u", "hana:hana-first"));
    // The other users of the file are as they were.
    assertEquals("200", status("/basic/", "-u", "pat:pat-secret"));
  }

  // 5. ee8 (javax) and ee9 JSP demos; the log names each WAR's environment.

  @Test
  void ee8JspDemoRenders() throws Exception {
    assertRenders("/ee8jsp/dump.jsp", "<h1>JSP Dump</h1>", "<td>/ee8jsp/dump.jsp</td>");
    assertRenders("/ee8jsp/jstl.jsp", "<h1>JSTL Example</h1>");
    assertCounts("/ee8jsp/jstl.jsp");
    assertRenders("/ee8jsp/tagfile.jsp", "<h1>JSP 2.0 Tag File Example</h1>", "<b>Panel 1</b>");
  }

  @Test
  void ee9JspDemoServesItsStaticPartsAndNeverItsJspSource() throws Exception {
    assertRenders("/ee9jsp/demo.css", "font-family");
    // ee9 has no JSP at this Jetty version: a JSP is an error, never its source as a file.
    for (String jsp : List.of("/ee9jsp/dump.jsp", "/ee9jsp/jstl.jsp")) {
      Reply reply = get(jsp);
      assertEquals(500, reply.statusCode(), jsp);
      assertTrue(reply.body().contains("JSP support not configured"), reply.body());
      assertFalse(reply.body().contains("<%"), reply.body());
      assertFalse(reply.body().contains("taglib"), reply.body());
    }
  }

  @Test
  void theLogNamesTheEnvironmentOfEachWar() throws Exception {
    for (Map.Entry<String, String> war : ENVIRONMENTS.entrySet()) {
      String name = war.getKey();
      String context = name.substring(0, name.length() - ".war".length());
      List<String> chosen =
          lines("webapp " + name + " at " + HOST + "/" + context + ": servlet environment ");
      assertEquals(1, chosen.size(), name + ": " + chosen);
      assertTrue(
          chosen.get(0).contains(": servlet environment " + war.getValue() + " ("), chosen.get(0));
    }
    assertTrue(
        lines("webapp ee9jsp.war at " + HOST + "/ee9jsp: servlet environment ee9 (")
            .get(0)
            .contains("but its classes use jakarta.servlet"));
    assertEquals(
        1, lines("webapp ROOT.war at " + OTHER_HOST + "/: servlet environment ee10 (").size());
  }

  // 6. A tenant cannot read another tenant's realm file, nor its compiled JSPs.

  @Test
  void anotherTenantCannotReadTheRealmFileNorTheWorkDirectory() throws Exception {
    // The probe reads what every user may read: a "denied" below is the files' modes at work.
    assertEquals(
        "read ok", server.probe(OTHER_HOST, "read=" + server.root.resolve("webapps/p/simple.war")));
    String realm = server.probe(OTHER_HOST, "read=" + realms.resolve("test.properties"));
    assertTrue(realm.startsWith("read denied: java.nio.file.AccessDeniedException"), realm);
    // The work directory found as the tests find it is the child's java.io.tmpdir.
    assertEquals(
        workDirectoryOf(OTHER).toString(), server.probe(OTHER_HOST, "property=java.io.tmpdir"));
    get("/jsp/jstl.jsp");
    Path jsp =
        compiledJsps(workDirectoryOf(TENANT), "jsp").stream()
            .filter(p -> p.getFileName().toString().equals("jstl_jsp.class"))
            .findFirst()
            .orElseThrow();
    String compiled = server.probe(OTHER_HOST, "read=" + jsp);
    assertTrue(compiled.startsWith("read denied: java.nio.file.AccessDeniedException"), compiled);
  }

  // 7. An environment is loaded only by a child that has a WAR for it.

  @Test
  void anEnvironmentIsLoadedOnlyByAChildThatHasAWarForIt() throws Exception {
    // The idle tenant's child serves (nothing): a request does not load an environment either.
    assertEquals(404, Http.get(server.port, IDLE_HOST, "/").statusCode());
    assertEquals(
        1, lines("user " + IDLE + ", group " + IDLE + ", 1 virtual host(s), 0 webapp(s)").size());
    Path lib = LaunchedServer.TREE.resolve("lib").toRealPath();
    Map<String, List<String>> open = new LinkedHashMap<>();
    for (String tenant : List.of(TENANT, OTHER, IDLE)) {
      List<String> environments = new ArrayList<>();
      for (String environment : List.of("ee8", "ee9", "ee10")) {
        String dir = lib.resolve(environment) + "/";
        if (openFiles(childOf(tenant).pid()).stream().anyMatch(f -> f.startsWith(dir))) {
          environments.add(environment);
        }
      }
      open.put(tenant, environments);
    }
    // All three WARs' environments; the probe's alone; none.
    assertEquals(List.of("ee8", "ee9", "ee10"), open.get(TENANT), open.toString());
    assertEquals(List.of("ee10"), open.get(OTHER), open.toString());
    assertEquals(List.of(), open.get(IDLE), open.toString());
  }

  // Helpers.

  private static Path testWar(String name) {
    Path war = TEST_WARS.resolve(name);
    assertTrue(Files.isRegularFile(war), war + " (copied by the pom before the ITs)");
    return war;
  }

  /** {@code GET path} of {@value #HOST}, HTTP/1.0 on a new connection, with extra header lines. */
  private static Reply get(String path, String... headers) throws IOException {
    return Http.get(server.port, HOST, path, headers);
  }

  /** {@code POST path} of {@value #HOST} without a body, HTTP/1.0, with extra header lines. */
  private static Reply post(String path, String... headers) throws IOException {
    return Http.exchange(
        server.port,
        "POST",
        path,
        "HTTP/1.0",
        HOST,
        Stream.concat(Stream.of(headers), Stream.of("Content-Length: 0")).toArray(String[]::new));
  }

  /** The status curl gets for {@code path} of {@value #HOST}, with these options. */
  private static String status(String path, String... options) throws Exception {
    List<String> all = new ArrayList<>(List.of("-o", "/dev/null", "-w", "%{http_code}"));
    all.addAll(List.of(options));
    return Http.curl(server.port, HOST, path, all.toArray(String[]::new)).trim();
  }

  private static void assertRenders(String path, String... texts) throws IOException {
    Reply reply = get(path);
    assertEquals(200, reply.statusCode(), path + ": " + reply.statusLine());
    for (String text : texts) {
      assertTrue(reply.body().contains(text), path + " has no " + text + ": " + reply.body());
    }
  }

  /** The demo's jstl.jsp counts from 1 to 10 with c:forEach and c:out. */
  private static void assertCounts(String path) throws IOException {
    String body = get(path).body();
    List<String> numbers = new ArrayList<>();
    Matcher number = Pattern.compile("(\\d+)\\s*<br />").matcher(body);
    while (number.find()) {
      numbers.add(number.group(1));
    }
    assertEquals(List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10"), numbers, body);
    assertFalse(body.contains("<c:"), body);
  }

  /**
   * A FORM login as a browser does it: the protected page gives a session and the login page, the
   * form is posted with that session, and Jetty answers 303 back to the page with a new session.
   *
   * @return the {@code Cookie} value of the logged-in session
   */
  private static String formLogin(String context, String page, String user, String password)
      throws IOException {
    String cookie = sessionCookie(get(page));
    Reply login = postLogin(context, cookie, user, password);
    assertEquals(303, login.statusCode(), login.toString());
    assertEquals(page, login.header("Location"), login.toString());
    return login.field("Set-Cookie") != null ? sessionCookie(login) : cookie;
  }

  /** {@code POST context/j_security_check} with the session {@code cookie}, HTTP/1.1. */
  private static Reply postLogin(String context, String cookie, String user, String password)
      throws IOException {
    String form = "j_username=" + user + "&j_password=" + password;
    return Http.parse(
        Http.raw(
            server.port,
            "POST "
                + context
                + "/j_security_check HTTP/1.1\r\nHost: "
                + HOST
                + "\r\nConnection: close\r\nCookie: "
                + cookie
                + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                + form.getBytes(StandardCharsets.ISO_8859_1).length
                + "\r\n\r\n"
                + form));
  }

  /** {@code JSESSIONID=...} from the reply's {@code Set-Cookie}. */
  private static String sessionCookie(Reply reply) {
    String setCookie = reply.header("Set-Cookie");
    assertTrue(setCookie.startsWith("JSESSIONID="), setCookie);
    return setCookie.split(";", 2)[0];
  }

  /** The text after each {@code <h2>} of a result page, by its heading. */
  private static Map<String, String> sections(String page) {
    Map<String, String> sections = new LinkedHashMap<>();
    String[] parts = page.split("<h2>");
    for (int i = 1; i < parts.length; i++) {
      int end = parts[i].indexOf("</h2>");
      sections.put(parts[i].substring(0, end).trim(), parts[i].substring(end + 5));
    }
    return sections;
  }

  /** Error log lines that contain {@code text}. */
  private static List<String> lines(String text) throws IOException {
    return Files.readAllLines(server.log).stream().filter(l -> l.contains(text)).toList();
  }

  private record Child(int slot, long pid) {}

  private static final Pattern CHILD_READY =
      Pattern.compile("child (\\d+) ready: pid (\\d+), gen \\d+, user ([^,]+),");

  /** The one child of {@code user}, from its ready line; it must still run. */
  private static Child childOf(String user) throws IOException {
    List<Child> children = new ArrayList<>();
    for (String line : Files.readAllLines(server.log)) {
      Matcher ready = CHILD_READY.matcher(line);
      if (ready.find() && ready.group(3).equals(user)) {
        children.add(new Child(Integer.parseInt(ready.group(1)), Long.parseLong(ready.group(2))));
      }
    }
    assertEquals(1, children.size(), "children of " + user + ": " + children);
    assertTrue(ProcessHandle.of(children.get(0).pid()).isPresent(), children.toString());
    return children.get(0);
  }

  /**
   * The child's {@code java.io.tmpdir}: {@code /tmp/perchild-<label>-<slot>-*}, made by this
   * server's child (an older one of the same name would be from an earlier run).
   */
  private static Path workDirectoryOf(String user) throws IOException {
    String prefix = "perchild-" + user + "-" + childOf(user).slot() + "-";
    FileTime since = FileTime.from(started.minusSeconds(2));
    try (Stream<Path> tmp = Files.list(Path.of("/tmp"))) {
      List<Path> dirs =
          tmp.filter(p -> p.getFileName().toString().startsWith(prefix))
              .filter(Files::isDirectory)
              .filter(p -> lastModified(p).compareTo(since) >= 0)
              .toList();
      assertEquals(1, dirs.size(), "work directories " + prefix + "*: " + dirs);
      return dirs.get(0);
    }
  }

  private static FileTime lastModified(Path path) {
    try {
      return Files.getLastModifiedTime(path);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  /** The {@code *_jsp.class} files of the webapp {@code context} in a child's work directory. */
  private static List<Path> compiledJsps(Path workDirectory, String context) throws IOException {
    // The deployer's directory per application and generation: <n>-<context>-<generation>.
    Pattern own = Pattern.compile("\\d+-" + Pattern.quote(context) + "-\\d+");
    try (Stream<Path> all = Files.walk(workDirectory)) {
      return all.filter(p -> p.getFileName().toString().endsWith("_jsp.class"))
          .filter(p -> own.matcher(workDirectory.relativize(p).getName(0).toString()).matches())
          .toList();
    }
  }

  /** Where the process's open descriptors lead (/proc/PID/fd, read as root). */
  private static List<String> openFiles(long pid) throws IOException {
    List<String> files = new ArrayList<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          files.add(Files.readSymbolicLink(fd).toString());
        } catch (NoSuchFileException closedMeanwhile) {
          // A descriptor closed between the listing and the read.
        }
      }
    }
    return files;
  }

  /**
   * The realm files, each written 0600 and given to the tenant before the start. Every password
   * form of README "Login realms": {@code OBF:} and {@code CRYPT:} as the installation's {@code
   * Password} tool prints them, {@code MD5:} as md5sum does.
   */
  private static Map<String, String> realmFiles() throws Exception {
    Map<String, String> files = new LinkedHashMap<>();
    files.put(
        "test.properties",
        String.join("\n", "admin: admin-secret, admin, user", "ann: ann-secret, user", ""));
    files.put(
        "r1.properties",
        String.join(
            "\n",
            "# BASIC: every form",
            "pat: pat-secret, user",
            "olga: " + passwordTool("olga", "olga-secret", "OBF:") + ", user",
            "mona: MD5:" + md5("mona-secret") + ", user",
            "cris: " + passwordTool("cris", "cris-pw1", "CRYPT:") + ", user",
            "hana: hana-first, user",
            ""));
    files.put(
        "r2.properties",
        String.join(
            "\n",
            "# DIGEST: plain, OBF: and the MD5 of user:realm:password",
            "dina: dina-secret, user",
            "otto: " + passwordTool("otto", "otto-secret", "OBF:") + ", user",
            "mdig: MD5:" + md5("mdig:R2:mdig-secret") + ", user",
            "cdig: " + passwordTool("cdig", "cdig-pw1", "CRYPT:") + ", user",
            ""));
    return files;
  }

  /** The line of {@code java -cp 'lib/*' org.eclipse.jetty.util.security.Password} for a form. */
  private static String passwordTool(String user, String password, String form) throws Exception {
    String out =
        LaunchedServer.run(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            LaunchedServer.TREE.resolve("lib") + "/*",
            "org.eclipse.jetty.util.security.Password",
            user,
            password);
    return out.lines()
        .filter(l -> l.startsWith(form))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + form + " in " + out));
  }

  private static String md5(String text) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The spec demo as a tenant deploys it where no server configuration gives it JNDI resources: the
   * mock resources jar in {@code WEB-INF/lib}, and its {@code WEB-INF/jetty-env.xml} extended with
   * the DataSource and the UserTransaction that Jetty's demo base binds in its server configuration
   * ({@code jetty-plus} 12.1: {@code Resource(scope, name, object)}, {@code
   * Transaction(environment, Reference)}).
   */
  private static Path specWarWithItsResources(Path work) throws IOException {
    Path plain = testWar("jetty-ee10-demo-spec-webapp.war");
    Path mock = TEST_WARS.resolve("jetty-ee10-demo-mock-resources.jar");
    assertTrue(Files.isRegularFile(mock), mock + " (copied by the pom before the ITs)");
    String resources =
        String.join(
            "\n",
            "  <New id=\"mydatasource\" class=\"org.eclipse.jetty.plus.jndi.Resource\">",
            "    <Arg><Ref refid=\"wac\"/></Arg>",
            "    <Arg>jdbc/mydatasource</Arg>",
            "    <Arg><New class=\"org.example.MockDataSource\"/></Arg>",
            "  </New>",
            "  <New id=\"tx\" class=\"org.eclipse.jetty.plus.jndi.Transaction\">",
            "    <Arg>ee10</Arg>",
            "    <Arg><New class=\"org.example.MockUserTransaction\"/></Arg>",
            "  </New>",
            "</Configure>");
    Path war = work.resolve("spec.war");
    boolean extended = false;
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(plain));
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(war))) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        byte[] bytes = in.readAllBytes();
        if (entry.getName().equals("WEB-INF/jetty-env.xml")) {
          String env = new String(bytes, StandardCharsets.UTF_8);
          assertEquals(1, env.split("</Configure>", -1).length - 1, env);
          // The WAR's own maxAmount EnvEntry stays.
          assertTrue(env.contains("org.eclipse.jetty.plus.jndi.EnvEntry"), env);
          bytes = env.replace("</Configure>", resources).getBytes(StandardCharsets.UTF_8);
          extended = true;
        }
        out.putNextEntry(new ZipEntry(entry.getName()));
        out.write(bytes);
        out.closeEntry();
      }
      out.putNextEntry(new ZipEntry("WEB-INF/lib/" + mock.getFileName()));
      out.write(Files.readAllBytes(mock));
      out.closeEntry();
    }
    assertTrue(extended, "no WEB-INF/jetty-env.xml in " + plain);
    return readable(war);
  }

  /**
   * A WAR of static pages whose {@code protectedPattern} needs a login of {@code method} in {@code
   * realm} (role {@code user}); {@code index.html} says which WAR it is.
   */
  private static Path loginWar(
      Path work, String name, String method, String realm, String protectedPattern)
      throws IOException {
    String webXml =
        String.join(
            "\n",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\">",
            "  <security-constraint>",
            "    <web-resource-collection>",
            "      <web-resource-name>protected</web-resource-name>",
            "      <url-pattern>" + protectedPattern + "</url-pattern>",
            "    </web-resource-collection>",
            "    <auth-constraint><role-name>user</role-name></auth-constraint>",
            "  </security-constraint>",
            "  <login-config>",
            "    <auth-method>" + method + "</auth-method>",
            "    <realm-name>" + realm + "</realm-name>",
            "  </login-config>",
            "  <security-role><role-name>user</role-name></security-role>",
            "</web-app>",
            "");
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("WEB-INF/web.xml", webXml);
    entries.put("index.html", "<h1>" + name + "</h1>\n");
    entries.put("private/index.html", "<h1>" + name + " private</h1>\n");
    Path war = work.resolve(name);
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(war))) {
      for (Map.Entry<String, String> entry : entries.entrySet()) {
        out.putNextEntry(new ZipEntry(entry.getKey()));
        out.write(entry.getValue().getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    return readable(war);
  }

  /** The tenant reads its WARs after dropping root; Files.copy keeps this mode. */
  private static Path readable(Path file) throws IOException {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    return file;
  }
}
