package org.perchild.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The perchild manual's own example resolves as the manual says. */
class ManualExampleTest {

  @TempDir Path root;

  private ServerConfig manualExample() throws ConfigException {
    ConfigFixture fixture = new ConfigFixture(root);
    return fixture.load(
        "Listen 80",
        "User daemon",
        "Group daemon",
        "NumServers 7",
        "ChildPerUserID user1 group1 2",
        "ChildPerUserID user2 group2 4",
        "<VirtualHost *:80>",
        "    ServerName fallbackhost",
        "    # no assignment; use fallback",
        "</VirtualHost>",
        "<VirtualHost *:80>",
        "    ServerName server1",
        "    AssignUserID user1 group1",
        "</VirtualHost>",
        "<VirtualHost *:80>",
        "    ServerName server2",
        "    AssignUserID user2 group2",
        "</VirtualHost>");
  }

  @Test
  void sevenChildrenInThreeGroups() throws ConfigException {
    ServerConfig config = manualExample();

    assertEquals(7, config.numServers());
    List<ChildGroup> groups = config.childGroups();
    assertEquals(3, groups.size());
    assertGroup(groups.get(0), "user1", "group1", 2, false);
    assertGroup(groups.get(1), "user2", "group2", 4, false);
    assertGroup(groups.get(2), "daemon", "daemon", 1, true);
    assertEquals(7, groups.stream().mapToInt(ChildGroup::min).sum());
  }

  @Test
  void eachVirtualHostIsServedByItsUser() throws ConfigException {
    ServerConfig config = manualExample();

    List<VirtualHost> hosts = config.virtualHosts();
    assertEquals(List.of("fallbackhost", "server1", "server2"), names(hosts));
    assertEquals("daemon", hosts.get(0).group().user().name());
    assertTrue(hosts.get(0).group().serverDefault());
    assertEquals("user1", hosts.get(1).group().user().name());
    assertEquals("group1", hosts.get(1).group().group().name());
    assertEquals("user2", hosts.get(2).group().user().name());
    assertEquals("group2", hosts.get(2).group().group().name());
  }

  @Test
  void fallbackhostIsTheDefault() throws Exception {
    ServerConfig config = manualExample();
    VirtualHostTable table = config.virtualHostTable();
    InetAddress local = InetAddress.getByName("127.0.0.1");

    assertEquals("server1", table.select(local, 80, "server1").serverName());
    assertEquals("server2", table.select(local, 80, "server2").serverName());
    assertEquals("fallbackhost", table.select(local, 80, "unknown.example").serverName());
    assertEquals("fallbackhost", table.select(local, 80, null).serverName());
    assertEquals(
        "fallbackhost",
        config.virtualHostTable().byAddress().values().iterator().next().get(0).serverName());
  }

  @Test
  void aConnectionOnAnAddressWithNoVirtualHostGoesToTheMainServer() throws Exception {
    ServerConfig config = manualExample();
    VirtualHost chosen =
        config.virtualHostTable().select(InetAddress.getByName("127.0.0.1"), 8080, "server1");
    assertSame(config.mainServer(), chosen);
    assertFalse(chosen.group().user().name().startsWith("user"));
  }

  private static void assertGroup(
      ChildGroup group, String user, String groupName, int children, boolean serverDefault) {
    assertEquals(user, group.user().name());
    assertEquals(groupName, group.group().name());
    assertEquals(children, group.min());
    assertEquals(serverDefault, group.serverDefault());
  }

  private static List<String> names(List<VirtualHost> hosts) {
    return hosts.stream().map(VirtualHost::serverName).toList();
  }
}
