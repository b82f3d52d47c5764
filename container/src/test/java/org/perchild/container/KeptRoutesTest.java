package org.perchild.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.config.ConfigLoader;
import org.perchild.config.ServerConfig;
import org.perchild.config.VirtualHost;
import org.perchild.config.VirtualHostTable;
import org.perchild.posix.Account;
import org.perchild.posix.Accounts;
import org.perchild.posix.GroupAccount;
import org.perchild.protocol.ConfigViews;

/**
 * {@link ChildMain#keptRoutes}: a child that a graceful restart keeps routes by the new table, with
 * its own hosts as the records it serves (however the lines moved), and refuses a table whose own
 * hosts are not the ones it serves.
 */
class KeptRoutesTest {

  private static final int A = 2001;

  @TempDir Path root;

  /** Two tenants on one address; {@code a.test}, a's, first: the default of every unknown name. */
  private ServerConfig childView(String... extra) throws Exception {
    return childViewAfter("", extra);
  }

  /** The same, {@code before} (lines) at the top of the file. */
  private ServerConfig childViewAfter(String before, String... extra) throws Exception {
    StringBuilder conf =
        new StringBuilder(before)
            .append(
                String.join(
                    "\n",
                    "Listen 127.0.0.1:8080",
                    "User nobody",
                    "Group nogroup",
                    "NumServers 2",
                    "ChildPerUserID alice alice 1",
                    "ChildPerUserID bob bob 1",
                    "<VirtualHost *:8080>",
                    "  ServerName a.test",
                    "  AssignUserID alice alice",
                    "</VirtualHost>",
                    "<VirtualHost *:8080>",
                    "  ServerName b.test",
                    "  AssignUserID bob bob",
                    "</VirtualHost>",
                    ""));
    for (String line : extra) {
      conf.append(line).append('\n');
    }
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(root.resolve("conf/perchild.conf"), conf);
    ServerConfig config =
        new ConfigLoader(accounts()).loadSource(root, Path.of("conf/perchild.conf")).config();
    return ConfigViews.forChild(
        config,
        config.childGroups().stream().filter(g -> g.runsAs(A, A)).findFirst().orElseThrow());
  }

  @Test
  void theNewTableHasTheOtherTenantsNewHostAndTheChildsOwnRecords() throws Exception {
    ServerConfig started = childView();
    List<VirtualHost> own =
        ChildMain.ownHosts(started, ChildMain.ownGroup(started, A, A).orElseThrow());
    InetAddress local = InetAddress.getLoopbackAddress();
    assertSame(own.get(0), started.virtualHostTable().select(local, 8080, "c.test"));

    // bob gets c.test; a comment moves alice's host down a line.
    ServerConfig fresh =
        childViewAfter(
            "# bob's new host\n",
            "<VirtualHost *:8080>",
            "  ServerName c.test",
            "  AssignUserID bob bob",
            "</VirtualHost>");
    Optional<VirtualHostTable> table = ChildMain.keptRoutes(fresh, A, A, own);
    assertTrue(table.isPresent());
    assertTrue(
        !own.contains(ChildMain.ownHosts(fresh, ChildMain.ownGroup(fresh, A, A).get()).get(0)),
        "the moved record is another (its line), which the child's checks would not know");
    VirtualHost chosen = table.get().select(local, 8080, "c.test");
    assertEquals("c.test", chosen.serverName());
    assertTrue(!own.contains(chosen), "c.test is another tenant's: 421 here");
    assertSame(own.get(0), table.get().select(local, 8080, "a.test"), "its own record");
    assertSame(own.get(0), table.get().select(local, 8080, "unknown.test"));
  }

  @Test
  void aTableWhoseOwnHostsDifferIsRefused() throws Exception {
    ServerConfig started = childView();
    List<VirtualHost> own =
        ChildMain.ownHosts(started, ChildMain.ownGroup(started, A, A).orElseThrow());
    ServerConfig fresh =
        childView(
            "<VirtualHost *:8080>",
            "  ServerName a2.test",
            "  AssignUserID alice alice",
            "</VirtualHost>");
    assertEquals(Optional.empty(), ChildMain.keptRoutes(fresh, A, A, own));
    assertEquals(Optional.empty(), ChildMain.keptRoutes(fresh, 999, 999, own), "no such group");
  }

  private static Accounts accounts() {
    List<Account> users =
        List.of(
            new Account("nobody", 65534, 65534, "/"),
            new Account("alice", A, A, "/home/alice"),
            new Account("bob", 2002, 2002, "/home/bob"));
    List<GroupAccount> groups =
        List.of(
            new GroupAccount("nogroup", 65534),
            new GroupAccount("alice", A),
            new GroupAccount("bob", 2002));
    return new Accounts() {
      @Override
      public Optional<Account> userByName(String name) {
        return users.stream().filter(u -> u.name().equals(name)).findFirst();
      }

      @Override
      public Optional<Account> userById(int uid) {
        return users.stream().filter(u -> u.uid() == uid).findFirst();
      }

      @Override
      public Optional<GroupAccount> groupByName(String name) {
        return groups.stream().filter(g -> g.name().equals(name)).findFirst();
      }

      @Override
      public Optional<GroupAccount> groupById(int gid) {
        return groups.stream().filter(g -> g.gid() == gid).findFirst();
      }
    };
  }
}
