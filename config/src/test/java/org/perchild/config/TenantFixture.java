package org.perchild.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * For the tests of what {@code -t} says about a tenant's files: a server root that is
 * world-searchable as an installed one is, this test's own uid and gid (who owns the files it
 * writes), a tenant that is neither, and one virtual host of that tenant.
 */
final class TenantFixture {

  final int me;
  final int myGroup;
  final int tenant;

  /** The tenant as {@code ChildPerUserID} and {@code AssignUserID} name it: user and group. */
  final String tenantUser;

  TenantFixture(Path root) throws Exception {
    // An installed server root is world-searchable; a @TempDir is 0700.
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    me = (Integer) Files.getAttribute(root, "unix:uid");
    myGroup = (Integer) Files.getAttribute(root, "unix:gid");
    tenant = me == 2001 || myGroup == 2001 ? 1001 : 2001;
    tenantUser = tenant == 2001 ? "alice alice" : "user1 group1";
  }

  /** {@code listen}, then one virtual host of the tenant on {@code port} holding {@code lines}. */
  String[] host(String listen, int port, String... lines) {
    List<String> all =
        new ArrayList<>(
            List.of(
                listen,
                "ChildPerUserID " + tenantUser + " 1",
                "<VirtualHost *:" + port + ">",
                "  ServerName a.example",
                "  AssignUserID " + tenantUser));
    for (String line : lines) {
      all.add("  " + line);
    }
    all.add("</VirtualHost>");
    return all.toArray(String[]::new);
  }

  /** How {@code -t} says that the tenant cannot read a file whose mode and owners are these. */
  String cannotRead(Path path, String mode, int owner, int group) {
    return "user "
        + tenantUser.split(" ")[0]
        + " (uid "
        + tenant
        + ", gid "
        + tenant
        + ") cannot read it: "
        + path
        + " is mode "
        + mode
        + ", owner "
        + owner
        + ", group "
        + group;
  }

  static List<String> warnings(ServerConfig config) {
    return config.warnings().stream().map(ConfigProblem::toString).toList();
  }
}
