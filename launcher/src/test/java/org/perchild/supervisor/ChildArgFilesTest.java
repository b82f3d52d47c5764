package org.perchild.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The argfiles that keep a child's JVM options off its command line. */
class ChildArgFilesTest {

  @TempDir Path root;

  @Test
  void optionsGoToARootOnlyFileInARootOnlyDirectoryUntilTheChildIsReady() throws Exception {
    ChildArgFiles files = ChildArgFiles.open(root.resolve("logs/perchild.pid"));
    Path directory = root.resolve("logs/perchild-java-options");
    assertEquals(
        "rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)));

    Path file = files.write(3, List.of("-Xmx96m", "-Dname=a b", "-Dq=\"x\"\\y", "-D#=1"));

    assertEquals(directory, file.getParent());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(
        "\"-Xmx96m\"\n\"-Dname=a b\"\n\"-Dq=\\\"x\\\"\\\\y\"\n\"-D#=1\"\n", Files.readString(file));
    files.spawned(812, file);
    files.release(812);
    assertFalse(Files.exists(file));
  }

  @Test
  void noOptionsNoFileAndLeftoversGoAtStartAndStop() throws Exception {
    ChildArgFiles files = ChildArgFiles.open(root.resolve("perchild.pid"));
    assertNull(files.write(1, List.of()));
    Path left = files.write(2, List.of("-Xmx1g"));
    ChildArgFiles again = ChildArgFiles.open(root.resolve("perchild.pid"));
    assertFalse(Files.exists(left), "a dead launcher's file is deleted at start");
    Path kept = again.write(2, List.of("-Xmx1g"));
    assertTrue(Files.exists(kept));
    again.close();
    assertFalse(Files.exists(kept));
  }
}
