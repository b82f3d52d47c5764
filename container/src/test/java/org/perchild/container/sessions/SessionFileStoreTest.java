package org.perchild.container.sessions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.eclipse.jetty.session.SessionData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.testsupport.RootRequirement;

/**
 * The session store on real files: what one store writes another (in another server, as in another
 * child) reads at once and whole; what it cannot read is no session; a late write never undoes
 * another child's; expiry is found by listing the directory; a client's id never names a path.
 */
@Timeout(60)
class SessionFileStoreTest {

  private static final long MINUTE = 60_000;
  private static final long SAVE_PERIOD_MS = SharedSessions.SAVE_PERIOD_SEC * 1000L;

  @TempDir Path root;

  private Path directory;
  private final List<SessionServer> servers = new ArrayList<>();

  @BeforeEach
  void directory() throws IOException {
    directory = Files.createDirectory(root.resolve("40001"));
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
  }

  @AfterEach
  void stop() throws Exception {
    for (SessionServer server : servers) {
      server.close();
    }
  }

  /** The store of the {@code /app} context of a new server for {@code host}. */
  private SessionFileStore store(String host) throws Exception {
    SessionServer server = new SessionServer(directory, host);
    servers.add(server);
    return server.store();
  }

  private static SessionData session(SessionFileStore store, String id, Object count) {
    long now = System.currentTimeMillis();
    SessionData data = store.newSessionData(id, now, now, now, 30 * MINUTE);
    data.setAttribute("count", count);
    return data;
  }

  /** The session files, not the lock nor the spares. */
  private List<String> names() throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .sorted()
          .toList();
    }
  }

  /** Stores session {@code s1} with {@code count} as the only one, and returns its file. */
  private Path storedAlone(SessionFileStore store, Object count) throws Exception {
    store.store("s1", session(store, "s1", count));
    return onlyFile();
  }

  private Path onlyFile() throws IOException {
    List<String> names = names();
    assertEquals(1, names.size(), names.toString());
    return directory.resolve(names.get(0));
  }

  /** Once {@code deleter} deletes {@code s1}, {@code other} finds no such session. */
  private static void assertGoneOnceDeleted(SessionFileStore deleter, SessionFileStore other)
      throws Exception {
    assertTrue(deleter.delete("s1"));
    assertNull(other.load("s1"));
    assertFalse(other.exists("s1"));
  }

  @Test
  void whatOneStoreWritesAnotherReadsAtOnce() throws Exception {
    SessionFileStore a = store("a.test");
    SessionFileStore b = store("a.test");
    assertFalse(b.exists("s1"));

    a.store("s1", session(a, "s1", 5));

    assertTrue(b.exists("s1"));
    SessionData seen = b.load("s1");
    assertEquals(5, seen.getAttribute("count"));
    assertGoneOnceDeleted(a, b);
  }

  @Test
  void aReaderNeverSeesHalfAFile() throws Exception {
    SessionFileStore writer = store("a.test");
    SessionFileStore reader = store("a.test");
    SessionData data = session(writer, "big", 0);
    byte[] blob = new byte[256 * 1024];
    data.setAttribute("blob", blob);
    writer.store("big", data);
    AtomicBoolean writing = new AtomicBoolean(true);

    CompletableFuture<Integer> reads =
        CompletableFuture.supplyAsync(
            () -> {
              int n = 0;
              while (writing.get() || n == 0) {
                SessionData seen;
                try {
                  seen = reader.load("big");
                } catch (Exception e) {
                  throw new AssertionError(e);
                }
                assertNotNull(seen, "a load between two writes");
                assertEquals(blob.length, ((byte[]) seen.getAttribute("blob")).length);
                n++;
              }
              return n;
            });
    for (int i = 1; i <= 200; i++) {
      byte[] next = new byte[blob.length];
      Arrays.fill(next, (byte) i);
      data.setAttribute("blob", next);
      data.setAttribute("count", i);
      writer.store("big", data);
    }
    writing.set(false);

    assertTrue(reads.get() > 0);
    assertEquals(0, reader.discarded(), "never a half-written file");
    assertEquals(200, reader.load("big").getAttribute("count"));
    byte[] last = new byte[blob.length];
    Arrays.fill(last, (byte) 200);
    assertArrayEquals(last, (byte[]) reader.load("big").getAttribute("blob"));
    try (Stream<Path> files = Files.list(directory)) {
      assertEquals(
          Set.of(".lock", SessionFile.spareName(names().get(0)), names().get(0)),
          files.map(f -> f.getFileName().toString()).collect(Collectors.toSet()),
          "one spare, no temporary file");
    }
  }

  @Test
  void aWriteMakesNoNewFile() throws Exception {
    SessionFileStore a = store("a.test");
    SessionData data = session(a, "s1", 0);
    Set<Object> inodes = new HashSet<>();
    for (int i = 1; i <= 6; i++) {
      data.setAttribute("count", i);
      a.store("s1", data);
      inodes.add(Files.getAttribute(onlyFile(), "unix:ino"));
    }

    // The file and its spare, which swap names at each write.
    assertEquals(2, inodes.size(), inodes.toString());
    assertEquals(6, store("a.test").load("s1").getAttribute("count"));
    Path spare = directory.resolve(SessionFile.spareName(onlyFile().getFileName().toString()));
    assertTrue(Files.exists(spare));
    assertTrue(a.delete("s1"));
    assertFalse(Files.exists(spare), "the spare goes with its session");
  }

  @Test
  void concurrentChangesOfOneSessionAreWrittenTogether() throws Exception {
    SessionFileStore a = store("a.test");
    SessionFileStore b = store("a.test");
    a.store("s1", session(a, "s1", 0));
    int threads = 16;
    int each = 25;
    List<CompletableFuture<Void>> running = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    for (int t = 0; t < threads; t++) {
      int thread = t;
      running.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  for (int i = 1; i <= each; i++) {
                    SessionData mine = a.load("s1");
                    mine.setAttribute("count", thread * 1000 + i);
                    a.store("s1", mine);
                    // Once a write returns, it or a newer one is in place, for any other child.
                    int seen = (Integer) b.load("s1").getAttribute("count");
                    assertTrue(seen > 0, "seen " + seen);
                  }
                } catch (Exception e) {
                  throw new AssertionError(e);
                }
              },
              pool));
    }
    try {
      CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get();
    } finally {
      pool.shutdown();
    }

    assertEquals(1 + threads * each, a.writes() + a.writesMerged());
    assertEquals(0, b.discarded());
  }

  @Test
  void aFileThisChildReadOrWroteIsNotReadAgainWhileNoOneElseWritesIt() throws Exception {
    assumeTrue(SeenFiles.timesTellEveryChange(directory), "file times too coarse here");
    SessionFileStore a = store("a.test");
    a.store("s1", session(a, "s1", 1));

    assertEquals(1, a.load("s1").getAttribute("count"));
    assertEquals(1, a.load("s1").getAttribute("count"));

    assertEquals(0, a.reads());
    assertEquals(2, a.readsSaved());
    SessionFileStore b = store("a.test");
    assertEquals(1, b.load("s1").getAttribute("count"));
    assertEquals(1, b.load("s1").getAttribute("count"));
    assertEquals(1, b.reads(), "read once, then known");
  }

  @Test
  void whatAnotherChildWritesOrInvalidatesIsSeenAtOnce() throws Exception {
    SessionFileStore a = store("a.test");
    SessionFileStore b = store("a.test");
    a.store("s1", session(a, "s1", 0));
    for (int i = 1; i <= 100; i++) {
      assertEquals(i - 1, a.load("s1").getAttribute("count"));
      SessionData other = b.load("s1");
      // Two writes: the file a knows is back under the name, written again, at once.
      other.setAttribute("count", -i);
      b.store("s1", other);
      other.setAttribute("count", i);
      b.store("s1", other);
      assertEquals(i, a.load("s1").getAttribute("count"));
      SessionData mine = a.load("s1");
      mine.setAttribute("count", i);
      a.store("s1", mine);
    }
    assertGoneOnceDeleted(b, a);
  }

  @Test
  void aValueThatARequestCouldChangeIsEachLoadsOwn() throws Exception {
    SessionFileStore a = store("a.test");
    SessionData data = session(a, "s1", 1);
    data.setAttribute("list", new ArrayList<>(List.of("x")));
    a.store("s1", data);

    SessionData first = a.load("s1");
    @SuppressWarnings("unchecked")
    List<String> list = (List<String>) first.getAttribute("list");
    list.add("changed in place, not written");

    assertEquals(List.of("x"), a.load("s1").getAttribute("list"));
    assertEquals(List.of("x"), store("a.test").load("s1").getAttribute("list"));
  }

  @Test
  void aSpareWhoseSessionIsGoneIsCleanedUp() throws Exception {
    SessionFileStore a = store("a.test");
    SessionData data = session(a, "s1", 1);
    a.store("s1", data);
    a.store("s1", data);
    String name = onlyFile().getFileName().toString();
    Path spare = directory.resolve(SessionFile.spareName(name));
    // Gone as a crashed older child, or one that ran out of disk, might leave it.
    Files.delete(onlyFile());

    a.doCleanOrphans(System.currentTimeMillis() - MINUTE);

    assertFalse(Files.exists(spare));
  }

  @Test
  void aFileWhoseChecksumDoesNotMatchIsNoSession() throws Exception {
    Path file = storedAlone(store("a.test"), 1);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 3] ^= 1;
    Files.write(file, bytes);

    assertNull(store("a.test").load("s1"));

    assertEquals(List.of(), names());
  }

  @Test
  void aFileOfTheFormerFormatIsStillRead() throws Exception {
    SessionFileStore a = store("a.test");
    Path file = storedAlone(a, 7);
    // Format 1: no length and no checksum after the magic and the format.
    byte[] bytes = Files.readAllBytes(file);
    byte[] former = new byte[bytes.length - 8];
    System.arraycopy(bytes, 0, former, 0, 8);
    System.arraycopy(bytes, 16, former, 8, bytes.length - 16);
    former[7] = SessionFile.FORMAT_UNCHECKED;
    Files.write(file, former);

    SessionFileStore b = store("a.test");
    SessionData seen = b.load("s1");

    assertEquals(7, seen.getAttribute("count"));
    assertEquals(0, b.discarded());
    seen.setAttribute("count", 8);
    b.store("s1", seen);
    assertEquals(SessionFile.FORMAT, Files.readAllBytes(file)[7]);
    assertEquals(8, a.load("s1").getAttribute("count"));
  }

  /** A newer install's child wrote it, during a graceful restart onto that install: kept. */
  @Test
  void aFileOfANewerFormatIsNoSessionHereAndIsKept() throws Exception {
    Path file = storedAlone(store("a.test"), 3);
    byte[] bytes = Files.readAllBytes(file);
    bytes[7] = (byte) (SessionFile.FORMAT + 1);
    Files.write(file, bytes);

    SessionFileStore b = store("a.test");
    assertNull(b.load("s1"));
    assertNull(b.load("s1"));

    assertEquals(0, b.discarded());
    assertArrayEquals(bytes, Files.readAllBytes(file));
  }

  @Test
  void anUnreadableFileIsNoSessionAndIsRemovedOnce() throws Exception {
    SessionFileStore a = store("a.test");
    SessionFileStore b = store("a.test");
    a.store("s1", session(a, "s1", 1));
    Path file = onlyFile();
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));

    assertNull(b.load("s1"));

    assertFalse(Files.exists(file), "removed, so it is logged once");
    assertEquals(1, b.discarded());
    assertNull(b.load("s1"));
    assertEquals(1, b.discarded());
    // Not a session file at all, under a session's name: no such session either.
    Files.write(file, "<html>not a session</html>".getBytes());
    assertFalse(a.exists("s1"));
    assertEquals(1, a.discarded());
    assertEquals(List.of(), names());
  }

  @Test
  void aFileThatIsNotTheDirectoryOwnersIsNotRead() throws Exception {
    RootRequirement.require("giving a session file to another user");
    SessionFileStore a = store("a.test");
    a.store("s1", session(a, "s1", 1));
    Path file = onlyFile();
    Files.setAttribute(file, "unix:uid", 40002);

    assertNull(store("a.test").load("s1"));

    assertFalse(Files.exists(file));
  }

  @Test
  void aLateWriteNeverBringsBackASessionInvalidatedElsewhere() throws Exception {
    SessionFileStore a = store("a.test");
    SessionFileStore b = store("a.test");
    a.store("s1", session(a, "s1", 1));
    SessionData inFlight = b.load("s1");
    // Read from a file older than the save period, so that its access time is written.
    inFlight.setLastSaved(inFlight.getLastSaved() - 2 * SAVE_PERIOD_MS);

    assertTrue(a.delete("s1"));
    // The end of b's request: its access time and expiry, then a change of an attribute.
    inFlight.calcAndSetExpiry(System.currentTimeMillis());
    b.store("s1", inFlight);
    inFlight.setAttribute("count", 2);
    b.store("s1", inFlight);

    assertEquals(List.of(), names());
    assertEquals(2, b.writesDropped());
    // A new session with a new id is written, of course.
    b.store("s2", session(b, "s2", 1));
    assertEquals(1, names().size());
  }

  @Test
  void aWriteOfTheAccessTimeAloneLosesToANewerWrite() throws Exception {
    SessionFileStore a = store("a.test");
    SessionFileStore b = store("a.test");
    a.store("s1", session(a, "s1", 1));
    SessionData seenByA = a.load("s1");
    seenByA.setLastSaved(seenByA.getLastSaved() - 2 * SAVE_PERIOD_MS);
    SessionData seenByB = b.load("s1");

    seenByB.setAttribute("count", 2);
    b.store("s1", seenByB);
    seenByA.calcAndSetExpiry(System.currentTimeMillis());
    a.store("s1", seenByA);

    assertEquals(2, store("a.test").load("s1").getAttribute("count"));
    assertEquals(1, a.writesDropped());
    // Two changes of attributes: the later one wins, as in any Jetty store.
    seenByA.setAttribute("count", 3);
    a.store("s1", seenByA);
    assertEquals(3, b.load("s1").getAttribute("count"));
  }

  @Test
  void expiredSessionsAreFoundByListingTheDirectory() throws Exception {
    SessionFileStore a = store("a.test");
    SessionFileStore other = store("b.test");
    long now = System.currentTimeMillis();
    SessionData old = session(a, "old", 1);
    old.setExpiry(now - MINUTE);
    a.store("old", old);
    a.store("live", session(a, "live", 1));
    SessionData orphan = session(other, "orphan", 1);
    orphan.setExpiry(now - MINUTE);
    other.store("orphan", orphan);

    assertEquals(Set.of("old"), a.doGetExpired(now));
    assertEquals(Set.of("old", "gone"), a.doCheckExpired(Set.of("old", "live", "gone"), now));

    Path staleTemporary = Files.writeString(directory.resolve(".x.session.1.tmp"), "half");
    Files.setLastModifiedTime(staleTemporary, FileTime.fromMillis(now - 2 * MINUTE));
    Path freshTemporary = Files.writeString(directory.resolve(".y.session.2.tmp"), "writing");
    a.doCleanOrphans(now - MINUTE / 2);

    assertFalse(Files.exists(staleTemporary));
    assertTrue(Files.exists(freshTemporary), "a write in progress is left alone");
    assertNull(other.load("orphan"));
    assertNull(a.load("old"));
    assertNotNull(a.load("live"));
  }

  @Test
  void twoHostsWithAWebApplicationAtOnePathKeepTheirSessionsApart() throws Exception {
    SessionFileStore a = store("a.test");
    SessionFileStore b = store("b.test");

    a.store("s1", session(a, "s1", "of a"));
    b.store("s1", session(b, "s1", "of b"));

    assertEquals("of a", store("a.test").load("s1").getAttribute("count"));
    assertEquals("of b", store("b.test").load("s1").getAttribute("count"));
    assertEquals(2, names().size());
  }

  @Test
  void anIdFromACookieNeverNamesAPathOutsideTheDirectory() throws Exception {
    SessionFileStore a = store("a.test");
    Files.writeString(root.resolve("secret"), "not a session");

    assertNull(a.load("../secret"));
    assertFalse(a.exists("../../" + root.getFileName() + "/secret"));
    assertNull(a.load("x".repeat(5000)));
    a.store("../evil", session(a, "../evil", 1));

    assertEquals("not a session", Files.readString(root.resolve("secret")));
    assertTrue(names().get(0).endsWith(".%2E%2E%2Fevil.session"), names().toString());
    assertEquals(1, a.load("../evil").getAttribute("count"));
    assertEquals("%2E%2E%2Fa-b_c%25%C3%A9", SessionFile.escape("../a-b_c%é"));
  }
}
