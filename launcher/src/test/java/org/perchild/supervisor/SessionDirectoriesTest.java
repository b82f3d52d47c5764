package org.perchild.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.config.ConfigLoader;
import org.perchild.config.ServerConfig;
import org.perchild.posix.Account;
import org.perchild.posix.SystemAccounts;
import org.perchild.testsupport.RootRequirement;

/**
 * The launcher gives each tenant a session directory of its own, mode 0700, inside a root-owned
 * 0711 one, puts right a directory whose owner or mode is wrong, and refuses a symbolic link
 * instead of following it. Real directories, real owners: needs root (to give them away).
 */
class SessionDirectoriesTest {

  @TempDir Path root;

  @BeforeEach
  void requireRoot() throws IOException {
    RootRequirement.require("giving a directory to another user");
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
                "NumServers 4",
                "ChildPerUserID #40001 #40001 2",
                "ChildPerUserID #40002 #40003 1")
            + "\n"
            + String.join("\n", lines)
            + "\n");
    return new ConfigLoader(new SystemAccounts()).load(root, Path.of("conf/perchild.conf"));
  }

  private static int attribute(Path path, String name) throws IOException {
    return (Integer) Files.getAttribute(path, "unix:" + name, LinkOption.NOFOLLOW_LINKS);
  }

  private static void assertDirectory(Path path, int uid, int gid, int mode) throws IOException {
    assertTrue(Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS), path.toString());
    assertEquals(uid, attribute(path, "uid"), path + " owner");
    assertEquals(gid, attribute(path, "gid"), path + " group");
    assertEquals(mode, attribute(path, "mode") & 07777, path + " mode");
  }

  @Test
  void eachUserThatRunsChildrenGetsItsOwnDirectoryInARootOwnedOne() throws Exception {
    ServerConfig config = load();

    SessionDirectories.prepare(config, null);

    Path top = root.resolve("sessions");
    assertDirectory(top, 0, 0, 0711);
    assertDirectory(top.resolve("40001"), 40001, 40001, 0700);
    assertDirectory(top.resolve("40002"), 40002, 40003, 0700);
    // The User/Group children (NumServers 4, three claimed): nobody's own directory.
    assertDirectory(top.resolve("65534"), 65534, 65534, 0700);
    // Again, with everything in place: nothing to do, nothing refused, nothing lost.
    Files.writeString(top.resolve("40001/a-session"), "kept");
    SessionDirectories.prepare(config, null);
    assertEquals("kept", Files.readString(top.resolve("40001/a-session")));
  }

  @Test
  void aGroupWithoutChildrenGetsNoDirectoryAndSingleUserModeOneForAll() throws Exception {
    ServerConfig config =
        load(
            "SessionDirectory state/sessions",
            "NumServers 3",
            "<VirtualHost *:8080>",
            "  ServerName a.test",
            "  AssignUserID #40001 #40001",
            "</VirtualHost>");

    SessionDirectories.prepare(config, null);

    Path top = root.resolve("state/sessions");
    assertDirectory(top, 0, 0, 0711);
    assertFalse(Files.exists(top.resolve("65534")), "the User/Group group runs no child");
    assertDirectory(top.resolve("40001"), 40001, 40001, 0700);
    Account caller = new Account("#40009", 40009, 40010, "/");
    assertEquals(Map.of(40009, 40010), SessionDirectories.owners(config, caller));
  }

  @Test
  void aDirectoryWithTheWrongOwnerOrModeIsPutRight() throws Exception {
    Path top = Files.createDirectory(root.resolve("sessions"));
    Files.setPosixFilePermissions(top, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path alice = Files.createDirectory(top.resolve("40001"));
    Files.setPosixFilePermissions(alice, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setAttribute(alice, "unix:uid", 40002);
    Path bob = Files.createDirectory(top.resolve("40002"));
    // A set-gid bit, which PosixFilePermissions cannot express, goes too.
    Files.setAttribute(bob, "unix:mode", 02770);

    SessionDirectories.prepare(load(), null);

    assertDirectory(top, 0, 0, 0711);
    assertDirectory(alice, 40001, 40001, 0700);
    assertDirectory(bob, 40002, 40003, 0700);
  }

  @Test
  void aSymbolicLinkIsRefusedAndWhatItPointsToIsLeftAlone() throws Exception {
    Path elsewhere = Files.createDirectory(root.resolve("elsewhere"));
    Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path top = Files.createDirectory(root.resolve("sessions"));
    Path link = Files.createSymbolicLink(top.resolve("40002"), elsewhere);

    IOException refused =
        assertThrows(IOException.class, () -> SessionDirectories.prepare(load(), null));

    assertTrue(refused.getMessage().contains(link.toString()), refused.getMessage());
    assertTrue(refused.getMessage().contains("is a symbolic link"), refused.getMessage());
    assertDirectory(elsewhere, 0, 0, 0755);
    assertTrue(Files.isSymbolicLink(link));

    // SessionDirectory itself as a link: refused the same way.
    Files.delete(link);
    Path moved = Files.move(top, root.resolve("real-sessions"));
    Files.createSymbolicLink(top, moved);
    refused = assertThrows(IOException.class, () -> SessionDirectories.prepare(load(), null));
    assertTrue(refused.getMessage().contains("SessionDirectory " + top), refused.getMessage());
    assertTrue(refused.getMessage().contains("is a symbolic link"), refused.getMessage());
  }

  @Test
  void aDirectoryThatCannotBeMadeIsAnErrorNamingItsPath() throws Exception {
    Files.writeString(root.resolve("state"), "a file where a directory should be");
    ServerConfig config = load("SessionDirectory state/sessions");

    IOException refused =
        assertThrows(IOException.class, () -> SessionDirectories.prepare(config, null));

    assertTrue(
        refused.getMessage().contains(root.resolve("state").toString()), refused.getMessage());
    assertTrue(refused.getMessage().contains("refusing to start"), refused.getMessage());
  }

  @Test
  void aSessionDirectoryInADirectoryOthersMayWriteIsRefused() throws Exception {
    Path open = Files.createDirectory(root.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    ServerConfig config = load("SessionDirectory open/sessions");

    IOException refused =
        assertThrows(IOException.class, () -> SessionDirectories.prepare(config, null));

    assertTrue(refused.getMessage().contains("which others may write"), refused.getMessage());
    assertFalse(Files.exists(open.resolve("sessions")));
  }
}
