package org.perchild.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.config.ConfigException;
import org.perchild.config.ConfigLoader;
import org.perchild.config.DirectiveSpec;
import org.perchild.config.DirectiveTable;
import org.perchild.config.ServerConfig;
import org.perchild.config.VirtualHost;
import org.perchild.posix.SystemAccounts;

/**
 * The files the project ships: the demo configuration runs as shipped (with the system's own user
 * database), and the README documents every directive the table knows.
 */
class ShippedConfigurationTest {

  private static final Path PROJECT = Path.of("..").toAbsolutePath().normalize();

  @TempDir Path root;

  @Test
  void demoConfigurationIsValidAsShipped() throws IOException, ConfigException {
    // An installed server root is world-readable (README); a 0700 one draws the AppBase warning.
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createDirectories(root.resolve("conf"));
    Files.copy(PROJECT.resolve("conf/perchild.conf"), root.resolve("conf/perchild.conf"));
    for (String tenant : List.of("localhost", "alice", "bob")) {
      Files.createDirectories(root.resolve("webapps").resolve(tenant));
    }

    ServerConfig config =
        new ConfigLoader(new SystemAccounts()).load(root, Path.of("conf/perchild.conf"));

    assertTrue(config.warnings().isEmpty(), config.warnings().toString());
    assertEquals(8080, config.listeners().get(0).port());
    List<VirtualHost> hosts = config.virtualHosts();
    assertEquals(
        List.of("localhost", "alice.localhost", "bob.localhost"),
        hosts.stream().map(VirtualHost::serverName).toList());
    assertEquals(65534, hosts.get(0).group().user().uid());
    assertEquals(40001, hosts.get(1).group().user().uid());
    assertEquals(40001, hosts.get(1).group().group().gid());
    assertEquals(40002, hosts.get(2).group().user().uid());
    assertEquals(root.resolve("webapps/alice"), hosts.get(1).appBase());
    assertEquals(config.numServers(), config.childGroups().stream().mapToInt(g -> g.min()).sum());
  }

  @Test
  void readmeDocumentsEveryDirective() throws IOException {
    String readme = Files.readString(PROJECT.resolve("README.md"));
    for (DirectiveSpec spec : DirectiveTable.all()) {
      String row = "| `" + spec.syntax().replace("|", "\\|") + "` |";
      assertTrue(
          readme.contains(row),
          "README.md's directive reference lacks " + spec.name() + ": expected a row " + row);
    }
  }

  @Test
  void systemAccountsResolveNamesAndNumbers() throws IOException, ConfigException {
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(
        root.resolve("conf/perchild.conf"),
        "Listen 80\nUser #40123\nGroup #40123\nNumServers 2\nChildPerUserID root #40124 1\n");
    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class,
            () -> new ConfigLoader(new SystemAccounts()).load(root, Path.of("conf/perchild.conf")));
    assertEquals(1, e.errors().size(), e.getMessage());
    assertTrue(
        e.errors().get(0).message().toLowerCase(Locale.ROOT).contains("uid 0 (root) is refused"),
        e.getMessage());
  }
}
