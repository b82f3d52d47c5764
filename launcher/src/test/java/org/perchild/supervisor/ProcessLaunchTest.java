package org.perchild.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.config.ChildGroup;
import org.perchild.config.ConfigLoader;
import org.perchild.config.FakeAccounts;
import org.perchild.config.ServerConfig;
import org.perchild.posix.Account;
import org.perchild.posix.InheritedFd;
import org.perchild.protocol.ProcessCommand;

/** The argv, environment and descriptors of the acceptor and of a child, as they are spawned. */
class ProcessLaunchTest {

  @TempDir Path root;

  private ServerConfig load() throws Exception {
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(
        root.resolve("conf/perchild.conf"),
        String.join(
                "\n",
                "Listen 127.0.0.1:8080",
                "User nobody",
                "Group nogroup",
                "NumServers 1",
                "ChildPerUserID user1 group1 1",
                "<VirtualHost *:8080>",
                "  ServerName a.test",
                "  AssignUserID user1 group1",
                "</VirtualHost>")
            + "\n");
    return new ConfigLoader(FakeAccounts.standard()).load(root, Path.of("conf/perchild.conf"));
  }

  @Test
  void theAcceptorGetsControlAtThreeConfigurationAtFourAndTheListenSocketsFromFive()
      throws Exception {
    ServerConfig config = load();
    ProcessCommand command =
        ProcessLaunch.acceptor(config, RunAs.acceptor(config, null), 7, 8, 4, List.of(20, 21));
    List<String> argv = command.argv();
    assertEquals(Path.of(System.getProperty("java.home"), "bin", "java").toString(), argv.get(0));
    assertEquals(List.of("-Xmx64m", "-XX:+UseSerialGC"), argv.subList(1, 3));
    int main = argv.indexOf(ProcessCommand.ACCEPTOR_MAIN);
    assertEquals(ProcessCommand.JVM_FLAGS, argv.subList(3, 3 + ProcessCommand.JVM_FLAGS.size()));
    assertEquals("-cp", argv.get(main - 2));
    assertEquals(
        List.of(
            "--server-root",
            config.serverRoot().toString(),
            "--config",
            config.configFile().toString(),
            "--user",
            "nobody",
            "--uid",
            "65534",
            "--gid",
            "65534",
            "--listeners",
            "2"),
        argv.subList(main + 1, argv.size()));
    assertEquals(
        List.of(
            new InheritedFd(7, 1),
            new InheritedFd(7, 2),
            new InheritedFd(8, 3),
            new InheritedFd(4, 4),
            new InheritedFd(20, 5),
            new InheritedFd(21, 6)),
        command.fds());
    assertEquals(
        List.of(
            "PATH=/usr/local/bin:/usr/bin:/bin",
            "HOME=/home/nobody",
            "USER=nobody",
            "LOGNAME=nobody",
            "LANG=C.UTF-8",
            "MALLOC_ARENA_MAX=2"),
        command.environment());
  }

  @Test
  void aChildGetsItsChannelsAtThreeAndFourItsConfigurationAtFiveAndItsSlotAndGeneration()
      throws Exception {
    ServerConfig config = load();
    ChildGroup group =
        config.childGroups().stream().filter(g -> g.min() > 0).findFirst().orElseThrow();
    ProcessCommand command =
        ProcessLaunch.child(
            config, RunAs.child(group, null), false, group, 3, 2, 7, 8, 9, 10, Path.of("/x.args"));
    List<String> argv = command.argv();
    int main = argv.indexOf(ProcessCommand.CHILD_MAIN);
    assertTrue(main > 0, argv.toString());
    // The group's JVM options are in the argument file, never on the command line.
    assertEquals("@/x.args", argv.get(1));
    for (String option : group.javaOptions()) {
      assertTrue(!argv.contains(option), option + " on the command line: " + argv);
    }
    assertEquals(
        List.of(
            "--user",
            "user1",
            "--uid",
            "1001",
            "--gid",
            "1001",
            "--slot",
            "3",
            "--generation",
            "2"),
        argv.subList(main + 5, argv.size()));
    assertEquals(
        List.of(
            new InheritedFd(7, 1),
            new InheritedFd(7, 2),
            new InheritedFd(8, 3),
            new InheritedFd(9, 4),
            new InheritedFd(10, 5)),
        command.fds());
  }

  @Test
  void inSingleUserModeAChildRunsAsTheLauncherButServesItsGroup() throws Exception {
    ServerConfig config = load();
    ChildGroup group =
        config.childGroups().stream().filter(g -> g.min() > 0).findFirst().orElseThrow();
    Account me = new Account("me", 5000, 5001, "/home/me");
    RunAs runAs = RunAs.child(group, me);
    assertEquals("#5001", runAs.groupName());
    List<String> argv =
        ProcessLaunch.child(config, runAs, true, group, 1, 1, 7, 8, 9, 10, null).argv();
    int main = argv.indexOf(ProcessCommand.CHILD_MAIN);
    assertEquals(
        List.of(
            "--user",
            "me",
            "--uid",
            "5000",
            "--gid",
            "5001",
            "--serve-uid",
            "1001",
            "--serve-gid",
            "1001",
            "--slot",
            "1",
            "--generation",
            "1"),
        argv.subList(main + 5, argv.size()));
  }
}
