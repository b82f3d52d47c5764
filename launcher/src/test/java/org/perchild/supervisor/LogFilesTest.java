package org.perchild.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.config.ConfigLoader;
import org.perchild.config.ServerConfig;
import org.perchild.posix.SystemAccounts;
import org.perchild.testsupport.RootRequirement;

/**
 * The launcher makes each tenant's access log its own before the children start, and refuses a log
 * path through which a tenant could write someone else's file. Needs root (to give files away);
 * skipped without it, except in CI.
 */
class LogFilesTest {

  @TempDir Path root;

  @BeforeEach
  void requireRoot() throws IOException {
    RootRequirement.require("giving a file to another user");
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private ServerConfig load(String... lines) throws Exception {
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(
        root.resolve("conf/perchild.conf"),
        String.join(
                "\n",
                "Listen 127.0.0.1:8080",
                "User #65534",
                "Group #65534",
                "NumServers 3",
                "ChildPerUserID #40001 #40001 1",
                "ChildPerUserID #40002 #40002 1",
                "CustomLog logs/access_log common",
                "<VirtualHost *:8080>",
                "  ServerName a.test",
                "  AssignUserID #40001 #40001",
                "  CustomLog tenants/a/access_log combined",
                "</VirtualHost>",
                "<VirtualHost *:8080>",
                "  ServerName b.test",
                "  AssignUserID #40002 #40002")
            + "\n"
            + String.join("\n", lines)
            + "\n</VirtualHost>\n");
    return new ConfigLoader(new SystemAccounts()).load(root, Path.of("conf/perchild.conf"));
  }

  private static int attribute(Path path, String name) throws IOException {
    return (Integer) Files.getAttribute(path, "unix:" + name, LinkOption.NOFOLLOW_LINKS);
  }

  @Test
  void eachLogIsCreatedForItsWriterInARootOwnedDirectory() throws Exception {
    LogFiles.prepare(load("  CustomLog tenants/b/access_log combined"), null);
    for (String[] each :
        new String[][] {
          {"tenants/a/access_log", "40001"},
          {"tenants/b/access_log", "40002"},
          {"logs/access_log", "65534"}
        }) {
      Path log = root.resolve(each[0]);
      int id = Integer.parseInt(each[1]);
      assertTrue(Files.isRegularFile(log, LinkOption.NOFOLLOW_LINKS), log.toString());
      assertEquals(id, attribute(log, "uid"), log.toString());
      assertEquals(id, attribute(log, "gid"), log.toString());
      assertEquals(0640, attribute(log, "mode") & 07777, log.toString());
      assertEquals(0, attribute(log.getParent(), "uid"));
      assertEquals(0755, attribute(log.getParent(), "mode") & 07777);
    }
    // Again, with the files in place: nothing to do, nothing refused.
    Files.writeString(root.resolve("tenants/a/access_log"), "a line\n");
    LogFiles.prepare(load("  CustomLog tenants/b/access_log combined"), null);
    assertEquals("a line\n", Files.readString(root.resolve("tenants/a/access_log")));
  }

  @Test
  void aLogThatIsASymbolicLinkIsRefused() throws Exception {
    LogFiles.prepare(load("  CustomLog tenants/b/access_log combined"), null);
    Files.createSymbolicLink(
        root.resolve("tenants/b/evil_log"), root.resolve("tenants/a/access_log"));
    IOException refused =
        assertThrows(
            IOException.class,
            () -> LogFiles.prepare(load("  CustomLog tenants/b/evil_log combined"), null));
    assertTrue(refused.getMessage().contains("is a symbolic link"), refused.getMessage());
    assertEquals(40001, attribute(root.resolve("tenants/a/access_log"), "uid"));
  }

  @Test
  void anotherTenantsFileIsRefused() throws Exception {
    IOException refused =
        assertThrows(
            IOException.class,
            () -> {
              LogFiles.prepare(load("  CustomLog tenants/b/access_log combined"), null);
              LogFiles.prepare(load("  CustomLog tenants/a/access_log combined"), null);
            });
    assertTrue(
        refused.getMessage().contains("each tenant writes only its own logs"),
        refused.getMessage());
    Files.createDirectories(root.resolve("tenants/c"));
    Path other = Files.writeString(root.resolve("tenants/c/access_log"), "");
    Files.setAttribute(other, "unix:uid", 40001);
    refused =
        assertThrows(
            IOException.class,
            () -> LogFiles.prepare(load("  CustomLog tenants/c/access_log combined"), null));
    assertTrue(refused.getMessage().contains("is owned by uid 40001"), refused.getMessage());
  }

  @Test
  void aDirectoryOthersMayWriteIsRefused() throws Exception {
    Path open = Files.createDirectories(root.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    IOException refused =
        assertThrows(
            IOException.class,
            () -> LogFiles.prepare(load("  CustomLog open/access_log combined"), null));
    assertTrue(refused.getMessage().contains("which others may write"), refused.getMessage());
  }
}
