package org.perchild.container.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.container.testapp.CounterServlet;
import org.perchild.testsupport.Http;

/**
 * Two Jetty servers in one JVM, each with its own session store over one directory and nothing else
 * in common: two children of one tenant. A client that goes from one to the other with one session
 * cookie sees one session.
 */
@Timeout(60)
class SharedSessionsTest {

  private static final long SAVE_PERIOD_MS = SharedSessions.SAVE_PERIOD_SEC * 1000L;

  @TempDir Path root;

  private Path directory;
  private SessionServer a;
  private SessionServer b;

  @BeforeEach
  void twoChildren() throws Exception {
    directory = Files.createDirectory(root.resolve("40001"));
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
    a = new SessionServer(directory, "a.test");
    b = new SessionServer(directory, "a.test");
  }

  @AfterEach
  void stop() throws Exception {
    for (SessionServer each : new SessionServer[] {a, b}) {
      if (each != null) {
        each.close();
      }
    }
  }

  private static Http.Reply get(SessionServer server, String path, String cookie)
      throws IOException {
    return cookie == null
        ? Http.get(server.port(), "a.test", path)
        : Http.get(server.port(), "a.test", path, "Cookie: " + cookie);
  }

  /** {@code JSESSIONID=...} of a Set-Cookie field. */
  private static String cookieOf(Http.Reply reply) {
    return reply.header("Set-Cookie").split(";", 2)[0];
  }

  @Test
  void aClientAlternatingBetweenTwoChildrenCountsOneToSix() throws Exception {
    Http.Reply first = get(a, "/app/count", null);
    assertEquals("1\n", first.body());
    String cookie = cookieOf(first);
    // The same id in every child: no worker suffix that another child would answer anew.
    assertFalse(cookie.contains("."), cookie);

    SessionServer[] order = {b, a, b, a, b};
    for (int i = 0; i < order.length; i++) {
      Http.Reply reply = get(order[i], "/app/count", cookie);
      assertEquals(200, reply.statusCode());
      assertEquals((i + 2) + "\n", reply.body(), "request " + (i + 2));
      assertNull(reply.field("Set-Cookie"), "the cookie never changes: " + reply.fields());
    }
    assertEquals("6\n", get(a, "/app/peek", cookie).body());
    // A child that starts later (a recycled or restarted one) sees it too.
    try (SessionServer c = new SessionServer(directory, "a.test")) {
      assertEquals("7\n", get(c, "/app/count", cookie).body());
    }
    assertEquals("7\n", get(b, "/app/peek", cookie).body());
  }

  @Test
  void aChangeIsWrittenBeforeTheResponseIsCommitted() throws Exception {
    String cookie = cookieOf(get(a, "/app/count", null));
    CounterServlet.held = new CountDownLatch(1);
    try (Socket socket = new Socket("127.0.0.1", a.port())) {
      socket.setSoTimeout(20_000);
      socket
          .getOutputStream()
          .write(
              ("GET /app/count?hold HTTP/1.0\r\nHost: a.test\r\nCookie: " + cookie + "\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      // The answer, while the request that gave it has not ended (nor written at its end).
      StringBuilder response = new StringBuilder();
      InputStream in = socket.getInputStream();
      while (!response.toString().endsWith("\r\n\r\n2\n")) {
        int c = in.read();
        assertTrue(c >= 0, "the connection closed early: " + response);
        response.append((char) c);
      }

      assertEquals("2\n", get(b, "/app/peek", cookie).body());

      CounterServlet.held.countDown();
    }
    assertEquals("3\n", get(b, "/app/count", cookie).body());
  }

  @Test
  void aSessionInvalidatedInOneChildIsGoneInTheOther() throws Exception {
    String cookie = cookieOf(get(a, "/app/count", null));
    assertEquals("2\n", get(a, "/app/count", cookie).body());

    assertEquals("invalidated\n", get(b, "/app/invalidate", cookie).body());

    assertEquals("none\n", get(a, "/app/peek", cookie).body());
    Http.Reply fresh = get(a, "/app/count", cookie);
    assertEquals("1\n", fresh.body());
    assertNotEquals(cookie, cookieOf(fresh), "an invalidated id is not given out again");
    assertEquals(1, sessionFiles().size(), sessionFiles().toString());
  }

  @Test
  void anExpiredSessionIsNotLoaded() throws Exception {
    String cookie = cookieOf(get(a, "/app/count?ttl=1", null));
    Path file = sessionFiles().get(0);
    // Wait for the expiry the file holds, and the save period after it, to pass, without a
    // request that would move it.
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> header(file).expiredAt(System.currentTimeMillis() - SAVE_PERIOD_MS));

    assertEquals("none\n", get(b, "/app/peek", cookie).body());

    assertFalse(Files.exists(file), "the expired session's file is removed once it is found");
    assertEquals("1\n", get(a, "/app/count", cookie).body());
  }

  @Test
  void aSessionLivesOnForTheSavePeriodPastTheExpiryInItsFile() throws Exception {
    String cookie = cookieOf(get(a, "/app/count?ttl=1", null));
    Path file = sessionFiles().get(0);
    long expiry = header(file).expiry();
    // Past the expiry in the file, as when the last requests only read the session and were not
    // written: the session is still there (were it not, it would be "none").
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> System.currentTimeMillis() > expiry);
    long asked = System.currentTimeMillis();
    String seen = get(b, "/app/peek", cookie).body();
    assumeTrue(
        System.currentTimeMillis() < expiry + SAVE_PERIOD_MS, "the machine took a save period");
    assertEquals("1\n", seen, "asked " + (asked - expiry) + " ms after the file's expiry");
  }

  @Test
  void aChangedSessionIsWrittenOncePerRequestAndAnUnchangedOneOncePerSavePeriod() throws Exception {
    String cookie = cookieOf(get(a, "/app/count", null));
    long writes = a.store().writes();
    long start = System.currentTimeMillis();

    for (int i = 2; i <= 4; i++) {
      assertEquals(i + "\n", get(a, "/app/count", cookie).body());
    }
    for (int i = 0; i < 3; i++) {
      assertEquals("4\n", get(a, "/app/peek", cookie).body());
    }

    // Each change before its response, and not again at its end; the reads not at all while the
    // file is younger than the save period.
    assumeTrue(System.currentTimeMillis() - start < SAVE_PERIOD_MS, "the machine took a period");
    assertEquals(writes + 3, a.store().writes());
    assertEquals("4\n", get(b, "/app/peek", cookie).body());
  }

  @Test
  void withoutTheStoreAChildKeepsSessionsToItself() throws Exception {
    try (SessionServer alone = new SessionServer(directory, "a.test", false);
        SessionServer other = new SessionServer(directory, "a.test", false)) {
      String cookie = cookieOf(get(alone, "/app/count", null));
      assertEquals("2\n", get(alone, "/app/count", cookie).body());
      assertEquals("none\n", get(other, "/app/peek", cookie).body());
    }
    assertEquals(List.of(), sessionFiles(), "-X writes no session file");
  }

  private List<Path> sessionFiles() throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.toString().endsWith(SessionFile.SUFFIX)).toList();
    }
  }

  private static SessionFile.Header header(Path file) throws IOException {
    return SessionFile.decode(Files.readAllBytes(file)).header();
  }

  @Test
  void theSessionFileIsTheTenantsAloneAndNamesNoExpiry() throws Exception {
    String cookie = cookieOf(get(a, "/app/count?ttl=600", null));
    String id = cookie.substring(cookie.indexOf('=') + 1);
    Path file = sessionFiles().get(0);

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    String name = file.getFileName().toString();
    assertEquals(SessionFile.prefix("_app", "a.test") + id + SessionFile.SUFFIX, name);
    // The expiry is inside, so the name stays the same as the session is used.
    long expiry = header(file).expiry();
    assertTrue(expiry > System.currentTimeMillis(), "expires in ten minutes: " + expiry);
    assertEquals("2\n", get(b, "/app/count", cookie).body());
    assertEquals(List.of(file), sessionFiles());
    assertTrue(header(file).expiry() >= expiry);
  }
}
