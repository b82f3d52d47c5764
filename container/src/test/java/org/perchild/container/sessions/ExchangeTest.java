package org.perchild.container.sessions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one-step swap of two names that puts a session's new file in place of its old one. */
class ExchangeTest {

  @TempDir Path directory;

  @Test
  void twoFilesSwapTheirNames() throws IOException {
    Path old = Files.writeString(directory.resolve("s.session"), "old");
    Path next = Files.writeString(directory.resolve(".s.session.1.tmp"), "new");

    assertEquals(Exchange.Result.SWAPPED, Exchange.swap(next, old));

    assertEquals("new", Files.readString(old));
    assertEquals("old", Files.readString(next));
  }

  @Test
  void aMissingTargetIsSaidAndNothingMoves() throws IOException {
    Path next = Files.writeString(directory.resolve(".s.session.1.tmp"), "new");
    Path absent = directory.resolve("s.session");

    assertEquals(Exchange.Result.NO_TARGET, Exchange.swap(next, absent));

    assertEquals("new", Files.readString(next));
    assertFalse(Files.exists(absent));
  }

  @Test
  void anyOtherFailureIsAnIOException() throws IOException {
    Path file = Files.writeString(directory.resolve("plain"), "x");

    // A name under a regular file: ENOTDIR, not a missing target nor a lack of support.
    assertThrows(
        IOException.class, () -> Exchange.swap(file.resolve("child"), directory.resolve("s")));
    assertEquals("x", Files.readString(file));
  }
}
