package org.perchild.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.testsupport.RootRequirement;

/**
 * {@code WebAppRealm}: the realms a virtual host's web applications may name, and what {@code -t}
 * says about their files (real files, real modes) without ever reading them.
 */
class WebAppRealmTest {

  @TempDir Path root;
  private ConfigFixture conf;
  private TenantFixture tenants;
  private int me;
  private int myGroup;
  private int tenant;

  @BeforeEach
  void fixture() throws Exception {
    tenants = new TenantFixture(root);
    conf = new ConfigFixture(root);
    me = tenants.me;
    myGroup = tenants.myGroup;
    tenant = tenants.tenant;
  }

  /** A realm file under the root with this mode, in directories of mode 0755. */
  private Path realmFile(String relative, String mode) throws IOException {
    Path file = conf.write(relative, "alice: secret, user");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    for (Path up = file.getParent(); !up.equals(root); up = up.getParent()) {
      Files.setPosixFilePermissions(up, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return file;
  }

  /** The configuration lines of one virtual host of the tenant, holding {@code lines}. */
  private String[] tenantHost(String... lines) {
    return tenants.host("Listen 80", 80, lines);
  }

  private static List<String> warnings(ServerConfig config) {
    return TenantFixture.warnings(config);
  }

  private String cannotRead(Path path, String mode, int owner, int group) {
    return tenants.cannotRead(path, mode, owner, group);
  }

  @Test
  void realmsAreKeptInTheOrderWrittenWithTheirPathsFromServerRoot() throws Exception {
    realmFile("realms/test.properties", "rw-r--r--");
    realmFile("realms/admin.properties", "rw-r--r--");
    realmFile("realms/b.properties", "rw-r--r--");
    ServerConfig config =
        conf.load(
            "Listen 80",
            "<VirtualHost *:80>",
            "  ServerName a.example",
            "  WebAppRealm \"Test Realm\" realms/test.properties",
            "  WebAppRealm admin " + root.resolve("realms/admin.properties"),
            "</VirtualHost>",
            "<VirtualHost *:80>",
            "  ServerName b.example",
            // The same name in another host is another realm: names are per host.
            "  WebAppRealm \"Test Realm\" realms/b.properties",
            "</VirtualHost>",
            "<VirtualHost *:80>",
            "  ServerName c.example",
            "</VirtualHost>");

    assertEquals(
        List.of(
            new WebAppRealm("Test Realm", root.resolve("realms/test.properties")),
            new WebAppRealm("admin", root.resolve("realms/admin.properties"))),
        config.virtualHosts().get(0).realms());
    assertEquals(
        List.of(new WebAppRealm("Test Realm", root.resolve("realms/b.properties"))),
        config.virtualHosts().get(1).realms());
    assertEquals(List.of(), config.virtualHosts().get(2).realms());
    assertEquals(List.of(), config.mainServer().realms());
  }

  @Test
  void aSecondRealmOfTheSameNameInOneHostIsRefusedWithItsFileAndLine() throws Exception {
    realmFile("realms/a.properties", "rw-------");
    realmFile("realms/b.properties", "rw-------");
    List<String> problems =
        conf.refuse(
            "Listen 80",
            "<VirtualHost *:80>",
            "  WebAppRealm \"Test Realm\" realms/a.properties",
            "  WebAppRealm other realms/a.properties",
            "  WebAppRealm \"Test Realm\" realms/b.properties",
            "</VirtualHost>");
    assertTrue(
        problems.contains(
            conf.at(5)
                + "WebAppRealm \"Test Realm\": this virtual host already has a realm of that"
                + " name, at "
                + conf.main()
                + ":3"),
        String.join("\n", problems));
    assertEquals(
        1, problems.stream().filter(p -> !p.contains("warning:")).count(), problems.toString());
  }

  @Test
  void webAppRealmIsAllowedOnlyInAVirtualHostWithANameAndAFile() throws Exception {
    realmFile("realms/a.properties", "rw-------");
    List<String> problems =
        conf.refuse(
            "Listen 80",
            "WebAppRealm main realms/a.properties",
            "<VirtualHost *:80>",
            "  WebAppRealm realms/a.properties",
            "  WebAppRealm \"\" realms/a.properties",
            "</VirtualHost>");
    assertEquals(
        List.of(
            conf.at(2) + "WebAppRealm is only allowed in <VirtualHost>",
            conf.at(4) + "WebAppRealm takes 2 arguments, not 1: WebAppRealm realm-name file",
            conf.at(5) + "WebAppRealm: the realm name is empty"),
        problems);
  }

  @Test
  void aMissingFileIsAnErrorWithFileAndLine() {
    Path included =
        conf.write(
            "conf/a.conf",
            "<VirtualHost *:80>",
            "  ServerName a.example",
            "  WebAppRealm \"Test Realm\" realms/nowhere.properties",
            "</VirtualHost>");
    List<String> problems = conf.refuse("Listen 80", "Include conf/a.conf");
    assertEquals(
        List.of(
            included
                + ":3: WebAppRealm \"Test Realm\" realms/nowhere.properties: no such file "
                + root.resolve("realms/nowhere.properties")),
        problems);
  }

  @Test
  void aDirectoryIsNotARealmFile() {
    conf.dir("realms/a.properties");
    List<String> problems =
        conf.refuse(tenantHost("WebAppRealm \"Test Realm\" realms/a.properties"));
    assertEquals(
        List.of(
            conf.at(6)
                + "WebAppRealm \"Test Realm\" realms/a.properties: "
                + root.resolve("realms/a.properties")
                + " is not a regular file"),
        problems);
  }

  @Test
  void aFileTheTenantCannotReadIsAWarning() throws Exception {
    Path file = realmFile("realms/a.properties", "rw-------");
    ServerConfig config = conf.load(tenantHost("WebAppRealm \"Test Realm\" realms/a.properties"));
    assertEquals(
        List.of(
            conf.at(6)
                + "warning: WebAppRealm \"Test Realm\" realms/a.properties: "
                + cannotRead(file, "0600", me, myGroup)),
        warnings(config));
  }

  @Test
  void aDirectoryOnTheWayTheTenantCannotSearchIsAWarning() throws Exception {
    // Mode 0644, so the file's own bits let everyone in, but its directory keeps them out: one
    // warning for the tenant, none for the world.
    Path file = realmFile("private/realms/a.properties", "rw-r--r--");
    Path parent = file.getParent();
    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-x---"));
    ServerConfig config = conf.load(tenantHost("WebAppRealm r private/realms/a.properties"));
    assertEquals(
        List.of(
            conf.at(6)
                + "warning: WebAppRealm \"r\" private/realms/a.properties: "
                + cannotRead(parent, "0750", me, myGroup)
                + " (no search permission)"),
        warnings(config));
  }

  @Test
  void aWorldReadableFileIsAWarning() throws Exception {
    Path file = realmFile("realms/a.properties", "rw-r--r--");
    ServerConfig config = conf.load(tenantHost("WebAppRealm \"Test Realm\" realms/a.properties"));
    // The tenant can read it (as anyone can): only the second warning.
    assertEquals(
        List.of(
            conf.at(6)
                + "warning: WebAppRealm \"Test Realm\" realms/a.properties: world-readable"
                + " password file: "
                + file
                + " is mode 0644, owner "
                + me
                + ", group "
                + myGroup
                + ", so every user of the machine can read it (chmod o-r)"),
        warnings(config));
  }

  @Test
  void theTenantsOwnFileOfMode0600DrawsNoWarning() throws Exception {
    RootRequirement.require("giving a realm file to the tenant (chown)");
    Path file = realmFile("realms/a.properties", "rw-------");
    Files.setAttribute(file, "unix:uid", tenant);
    Files.setAttribute(file, "unix:gid", tenant);
    ServerConfig config = conf.load(tenantHost("WebAppRealm \"Test Realm\" realms/a.properties"));
    assertEquals(List.of(), warnings(config));
    assertEquals(
        List.of(new WebAppRealm("Test Realm", file)), config.virtualHosts().get(0).realms());
  }

  @Test
  void aFileOthersCannotReachIsNotWorldReadable() throws Exception {
    RootRequirement.require("giving a realm directory to the tenant's group (chown)");
    // Mode 0644, but in a directory of mode 0750 whose group is the tenant's: the tenant reads
    // it through the group, nobody else can reach it.
    Path file = realmFile("realms/a.properties", "rw-r--r--");
    Path parent = file.getParent();
    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-x---"));
    Files.setAttribute(parent, "unix:gid", tenant);
    ServerConfig config = conf.load(tenantHost("WebAppRealm \"Test Realm\" realms/a.properties"));
    assertEquals(List.of(), warnings(config));
  }
}
