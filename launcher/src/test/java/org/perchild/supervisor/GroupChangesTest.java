package org.perchild.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.config.ConfigLoader;
import org.perchild.config.FakeAccounts;
import org.perchild.config.ServerConfig;

/**
 * {@link GroupChanges}: what makes a group's children run something else, and what does not. The
 * restarts themselves are {@link SupervisorStateMachineTest}'s.
 */
class GroupChangesTest {

  private static final GroupChanges.Key USER1 = new GroupChanges.Key(1001, 1001, false);
  private static final GroupChanges.Key USER2 = new GroupChanges.Key(1002, 1002, false);

  @TempDir Path root;

  private ServerConfig load(List<String> before, List<String> user2Host) throws Exception {
    List<String> lines = new ArrayList<>(before);
    lines.addAll(
        List.of(
            "Listen 127.0.0.1:8080",
            "Listen 127.0.0.1:8443 https",
            "User nobody",
            "Group nogroup",
            "NumServers 2",
            "ChildPerUserID user1 group1 1",
            "ChildPerUserID user2 group2 1",
            "<VirtualHost *:8080>",
            "  ServerName a.test",
            "  AssignUserID user1 group1",
            "</VirtualHost>",
            "<VirtualHost *:8443>",
            "  ServerName b.test",
            "  AssignUserID user2 group2"));
    lines.addAll(user2Host);
    lines.add("</VirtualHost>");
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(root.resolve("conf/perchild.conf"), String.join("\n", lines) + "\n");
    return new ConfigLoader(FakeAccounts.standard())
        .loadSource(root, Path.of("conf/perchild.conf"))
        .config();
  }

  private List<String> tls() {
    return List.of(
        "  SSLEngine on",
        "  SSLCertificateFile " + root.resolve("certs/b.crt"),
        "  SSLCertificateKeyFile " + root.resolve("certs/b.key"),
        "  CustomLog " + root.resolve("logs/b.access_log") + " common");
  }

  /** Why each group of {@code fresh} would restart against {@code running} (null: kept). */
  private static Map<GroupChanges.Key, String> changes(
      Map<GroupChanges.Key, GroupChanges.Fingerprint> running, ServerConfig fresh) {
    Map<GroupChanges.Key, GroupChanges.Fingerprint> prints = GroupChanges.fingerprints(fresh);
    return Map.of(
        USER1, String.valueOf(running.get(USER1).changeTo(prints.get(USER1))),
        USER2, String.valueOf(running.get(USER2).changeTo(prints.get(USER2))));
  }

  private void files() throws Exception {
    Files.createDirectories(root.resolve("certs"));
    Files.createDirectories(root.resolve("logs"));
    Files.writeString(root.resolve("certs/b-1.crt"), "not read\n");
    Files.createSymbolicLink(root.resolve("certs/b.crt"), root.resolve("certs/b-1.crt"));
    Files.writeString(root.resolve("certs/b.key"), "never read\n");
    Files.writeString(root.resolve("logs/b.access_log"), "");
  }

  @Test
  void whereAHostIsWrittenChangesNothing() throws Exception {
    files();
    var running = GroupChanges.fingerprints(load(List.of(), tls()));
    ServerConfig moved = load(List.of("# a comment", "", "# and another"), tls());
    assertEquals(Map.of(USER1, "null", USER2, "null"), changes(running, moved));
  }

  @Test
  void aCertificateLinkPointedAtANewFileRestartsItsGroupOnly() throws Exception {
    files();
    var running = GroupChanges.fingerprints(load(List.of(), tls()));
    Files.writeString(root.resolve("certs/b-2.crt"), "not read either\n");
    Files.delete(root.resolve("certs/b.crt"));
    Files.createSymbolicLink(root.resolve("certs/b.crt"), root.resolve("certs/b-2.crt"));
    assertEquals(
        Map.of(USER1, "null", USER2, root.resolve("certs/b.crt") + " changed"),
        changes(running, load(List.of(), tls())));
  }

  @Test
  void aLogMovedAwayRestartsItsGroupButOneWrittenToDoesNot() throws Exception {
    files();
    var running = GroupChanges.fingerprints(load(List.of(), tls()));
    Path log = root.resolve("logs/b.access_log");
    Files.writeString(log, "a line the child wrote\n");
    assertEquals(Map.of(USER1, "null", USER2, "null"), changes(running, load(List.of(), tls())));

    Files.move(log, root.resolve("logs/b.access_log.1"));
    Files.writeString(log, "");
    assertEquals(
        Map.of(USER1, "null", USER2, log + " changed"), changes(running, load(List.of(), tls())));
  }

  @Test
  void aGlobalSettingChangesEveryGroup() throws Exception {
    var running = GroupChanges.fingerprints(load(List.of(), List.of()));
    assertEquals(
        Map.of(USER1, "a global setting changed", USER2, "a global setting changed"),
        changes(running, load(List.of("MaxRequestsPerChild 7"), List.of())));
    // Timeout is each host's (inherited from the main server): the hosts changed, in every group.
    assertEquals(
        Map.of(USER1, "its virtual hosts changed", USER2, "its virtual hosts changed"),
        changes(running, load(List.of("Timeout 7"), List.of())));
    // What only the acceptor or the launcher uses restarts no child.
    assertEquals(
        Map.of(USER1, "null", USER2, "null"),
        changes(running, load(List.of("ChildWaitTimeout 3", "ServerLimit 9"), List.of())));
  }

  @Test
  void anotherTenantsNewHostChangesNothingHere() throws Exception {
    ServerConfig config = load(List.of(), List.of());
    var running = GroupChanges.fingerprints(config);
    ServerConfig fresh = load(List.of(), List.of("  ServerAlias www.b.test"));
    assertEquals(
        Map.of(USER1, "null", USER2, "its virtual hosts changed"), changes(running, fresh));
    GroupChanges.Plan plan =
        GroupChanges.plan(running, fresh, GroupChanges.fingerprints(fresh), null);
    assertEquals(
        List.of("user1/group1", "nobody/nogroup"),
        plan.kept().stream().map(g -> g.label()).toList());
    assertNull(plan.keptAs(fresh.childGroups().get(1)));
    assertEquals(fresh.childGroups().get(0), plan.keptAs(config.childGroups().get(0)));
  }
}
