package org.perchild.container.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.perchild.container.sessions.SessionFile.Decoded;
import org.perchild.container.sessions.SessionFile.Header;

/**
 * What a child remembers of session files: by identity only, shared only if unchangeable, bounded.
 */
class SeenFilesTest {

  private static final Header HEADER =
      new Header(1, 0, "s", "/app", "a.test", "", 0, 0, 0, 0, 0, 0);

  private static SeenFiles.Identity identity(long inode, long nanos) {
    return new SeenFiles.Identity(inode, 10, FileTime.fromMillis(nanos), FileTime.fromMillis(0));
  }

  private static Decoded decoded(int size) {
    return new Decoded(HEADER, new byte[size], 0, true);
  }

  @Test
  void aFileIsKnownOnlyByTheIdentityItHadWhenItWasSeen() {
    SeenFiles seen = new SeenFiles(true);
    seen.put("a", identity(1, 5), decoded(10), null);

    assertNotNull(seen.get("a", identity(1, 5)));
    assertNull(seen.get("a", identity(2, 5)), "another inode under the name");
    assertNull(seen.get("a", identity(1, 6)), "the same inode, written again");
    seen.forget("a");
    assertNull(seen.get("a", identity(1, 5)));
  }

  @Test
  void nothingIsRememberedWhereFileTimesAreTooCoarse() {
    SeenFiles seen = new SeenFiles(false);
    seen.put("a", identity(1, 5), decoded(10), null);

    assertNull(seen.get("a", identity(1, 5)));
  }

  @Test
  void onlyValuesThatCannotChangeInPlaceAreShared() {
    assertEquals(Map.of("n", 1, "s", "x"), SeenFiles.shareable(Map.of("n", 1, "s", "x")));
    assertNull(SeenFiles.shareable(Map.of("n", 1, "list", new ArrayList<>())));
  }

  @Test
  void whatIsRememberedIsBounded() {
    SeenFiles seen = new SeenFiles(true);
    int big = SeenFiles.MAX_BYTES;
    long fit = SeenFiles.MAX_TOTAL_BYTES / big;
    for (int i = 0; i <= fit; i++) {
      seen.put("s" + i, identity(i, 1), decoded(big), null);
    }

    assertNull(seen.get("s0", identity(0, 1)), "all forgotten once the bytes ran over");
    assertNotNull(seen.get("s" + fit, identity(fit, 1)));
    seen.put("huge", identity(-1, 1), decoded(big + 1), null);
    assertNull(seen.get("huge", identity(-1, 1)));
  }
}
