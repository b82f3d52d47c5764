package org.perchild.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code DocumentRoot}, and the warning for an {@code AppBase} or {@code DocumentRoot} the tenant's
 * children could not read once they have dropped root.
 */
class DocumentRootTest {

  @TempDir Path root;
  private ConfigFixture conf;
  private int me;

  @BeforeEach
  void fixture() throws Exception {
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    conf = new ConfigFixture(root);
    me = (Integer) Files.getAttribute(root, "unix:uid");
  }

  private static List<String> warnings(ServerConfig config) {
    return config.warnings().stream().map(ConfigProblem::toString).toList();
  }

  private void mode(String relative, String mode) throws Exception {
    Files.setPosixFilePermissions(conf.dir(relative), PosixFilePermissions.fromString(mode));
  }

  @Test
  void documentRootPerVirtualHostAndNotInherited() throws Exception {
    mode("htdocs/main", "rwxr-xr-x");
    mode("htdocs/a", "rwxr-xr-x");
    ServerConfig config =
        conf.load(
            "Listen 80",
            "DocumentRoot htdocs/main",
            "<VirtualHost *:80>",
            "  ServerName a.example",
            "  DocumentRoot htdocs/a",
            "</VirtualHost>",
            "<VirtualHost *:80>",
            "  ServerName b.example",
            "</VirtualHost>");
    assertEquals(root.resolve("htdocs/main"), config.mainServer().documentRoot());
    assertEquals(root.resolve("htdocs/a"), config.virtualHosts().get(0).documentRoot());
    // Never inherited, like AppBase: no tenant's child serves another host's files.
    assertNull(config.virtualHosts().get(1).documentRoot());
    assertEquals(List.of(), warnings(config));
  }

  @Test
  void missingDocumentRootIsRefusedWithItsLine() {
    List<String> problems =
        conf.refuse(
            "Listen 80", "<VirtualHost *:80>", "  DocumentRoot htdocs/nowhere", "</VirtualHost>");
    assertEquals(
        List.of(
            conf.at(3)
                + "DocumentRoot htdocs/nowhere: no such directory "
                + root.resolve("htdocs/nowhere")),
        problems);
  }

  @Test
  void documentRootTakesOneArgument() {
    List<String> problems = conf.refuse("Listen 80", "DocumentRoot");
    assertEquals(1, problems.size(), problems.toString());
    assertEquals(true, problems.get(0).startsWith(conf.at(2) + "DocumentRoot"), problems.get(0));
  }

  @Test
  void aDirectoryOfAnotherUserWithMode0700IsAWarning() throws Exception {
    // alice is uid 2001, group 2001: not the owner (the test's user) nor its group.
    int other = me == 2001 ? 1001 : 2001;
    String user = other == 2001 ? "alice alice" : "user1 group1";
    mode("webapps/a", "rwx------");
    mode("htdocs/a", "rwx------");
    ServerConfig config =
        conf.load(
            "Listen 80",
            "ChildPerUserID " + user + " 1",
            "<VirtualHost *:80>",
            "  AssignUserID " + user,
            "  AppBase webapps/a",
            "  DocumentRoot htdocs/a",
            "</VirtualHost>");
    String who = user.split(" ")[0];
    assertEquals(
        List.of(
            conf.at(5)
                + "warning: AppBase webapps/a: user "
                + who
                + " (uid "
                + other
                + ", gid "
                + other
                + ") cannot read it: "
                + root.resolve("webapps/a")
                + " is mode 0700, owner "
                + me
                + ", group "
                + Files.getAttribute(root, "unix:gid"),
            conf.at(6)
                + "warning: DocumentRoot htdocs/a: user "
                + who
                + " (uid "
                + other
                + ", gid "
                + other
                + ") cannot read it: "
                + root.resolve("htdocs/a")
                + " is mode 0700, owner "
                + me
                + ", group "
                + Files.getAttribute(root, "unix:gid")),
        warnings(config));
  }

  @Test
  void worldReadableOrOwnedDirectoriesAreFine() throws Exception {
    int other = me == 2001 ? 1001 : 2001;
    String user = other == 2001 ? "alice alice" : "user1 group1";
    mode("webapps/a", "rwxr-xr-x");
    ServerConfig config =
        conf.load(
            "Listen 80",
            "ChildPerUserID " + user + " 1",
            "<VirtualHost *:80>",
            "  AssignUserID " + user,
            "  AppBase webapps/a",
            "</VirtualHost>");
    assertEquals(List.of(), warnings(config));
  }

  @Test
  void aParentWithoutSearchPermissionIsAWarning() throws Exception {
    int other = me == 2001 ? 1001 : 2001;
    String user = other == 2001 ? "alice alice" : "user1 group1";
    mode("private/webapps", "rwxr-xr-x");
    mode("private", "rwxr-xr--");
    ServerConfig config =
        conf.load(
            "Listen 80",
            "ChildPerUserID " + user + " 1",
            "<VirtualHost *:80>",
            "  AssignUserID " + user,
            "  AppBase private/webapps",
            "</VirtualHost>");
    List<String> warnings = warnings(config);
    assertEquals(1, warnings.size(), warnings.toString());
    assertEquals(
        true,
        warnings
            .get(0)
            .endsWith(
                root.resolve("private")
                    + " is mode 0754, owner "
                    + me
                    + ", group "
                    + Files.getAttribute(root, "unix:gid")
                    + " (no search permission)"),
        warnings.get(0));
  }
}
