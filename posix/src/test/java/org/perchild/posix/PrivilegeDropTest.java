package org.perchild.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.testsupport.RootRequirement;

/**
 * {@link PrivilegeDrop} in a separate JVM ({@link PrivilegeDropProbe}), started as root: by {@code
 * ProcessBuilder}, and by {@link PosixSpawn} as the launcher will start children.
 */
class PrivilegeDropTest {

  private static final String NOBODY = "65534";

  @BeforeEach
  void needsRoot() {
    RootRequirement.require("dropping privileges");
  }

  /** What a probe JVM printed and how it exited. */
  private record Probe(int exit, List<String> lines) {
    String value(String key) {
      return lines.stream()
          .filter(line -> line.startsWith(key + " "))
          .map(line -> line.substring(key.length() + 1))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no " + key + " in " + lines));
    }

    List<String> tasks() {
      return lines.stream().filter(line -> line.startsWith("task ")).toList();
    }
  }

  private static List<String> command(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(PrivilegeDropProbe.class.getName());
    command.addAll(List.of(args));
    return command;
  }

  private static Probe viaProcessBuilder(String... args) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command(args)).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    return new Probe(process.exitValue(), output.lines().toList());
  }

  private static Probe viaPosixSpawn(String... args) throws PosixException {
    int[] pipe = TestFds.pipe();
    try {
      List<String> command = command(args);
      int pid =
          PosixSpawn.spawn(
              command.get(0),
              command,
              List.of("PATH=/usr/bin:/bin"),
              List.of(new InheritedFd(pipe[1], 1), new InheritedFd(pipe[1], 2)));
      Descriptors.close(pipe[1]);
      pipe[1] = -1;
      String output = TestFds.readAll(pipe[0]);
      ExitStatus status = ChildProcesses.waitFor(pid);
      assertEquals(ExitStatus.State.EXITED, status.state(), status + ": " + output);
      return new Probe(status.value(), output.lines().toList());
    } finally {
      Descriptors.close(pipe[0]);
      if (pipe[1] >= 0) {
        Descriptors.close(pipe[1]);
      }
    }
  }

  private static void assertDroppedForGood(Probe probe, String id, String groups) {
    assertEquals(0, probe.exit(), String.join("\n", probe.lines()));
    assertTrue(probe.lines().contains("dropped"), "drop returned");
    assertEquals(id + " " + id + " " + id, probe.value("resuid"));
    assertEquals(id + " " + id + " " + id, probe.value("resgid"));
    assertEquals("0000000000000000", probe.value("CapEff"));
    assertEquals("0000000000000000", probe.value("CapPrm"));
    assertEquals("1", probe.value("NoNewPrivs"));
    assertEquals(groups, probe.value("Groups"));
    assertTrue(probe.value("setuid0").startsWith("-1 EPERM"), probe.value("setuid0"));
    assertEquals("false", probe.value("read-root"));
    List<String> tasks = probe.tasks();
    assertEquals(Integer.parseInt(probe.value("threads")), tasks.size());
    assertTrue(tasks.size() > 2, "the JVM's own threads and ours: " + tasks);
    String all = id + " " + id + " " + id + " " + id;
    for (String task : tasks) {
      assertTrue(
          task.endsWith(
              " uid="
                  + all
                  + " gid="
                  + all
                  + " groups="
                  + groups
                  + " capeff=0000000000000000 nnp=1"),
          task);
    }
  }

  private static void assertRefusedAndStillRoot(Probe probe, String why) {
    assertEquals(2, probe.exit(), String.join("\n", probe.lines()));
    assertTrue(probe.value("refused").contains(why), probe.value("refused"));
    assertEquals("0 0 0", probe.value("resuid"), "nothing was changed");
  }

  @Test
  @Timeout(60)
  void dropsToNobodyOnEveryThreadForGood() throws Exception {
    assertDroppedForGood(viaProcessBuilder(NOBODY, NOBODY, "nobody"), NOBODY, NOBODY);
  }

  @Test
  @Timeout(60)
  void dropsAJvmThatPosixSpawnStartedAsTheLauncherWill() throws Exception {
    assertDroppedForGood(viaPosixSpawn(NOBODY, NOBODY, "nobody"), NOBODY, NOBODY);
  }

  @Test
  @Timeout(60)
  void aNumericUserWithoutPasswdEntryGetsOnlyItsGroup() throws Exception {
    assertDroppedForGood(viaProcessBuilder("54321", "54321", "-"), "54321", "54321");
  }

  @Test
  @Timeout(60)
  void refusesUidZero() throws Exception {
    assertRefusedAndStillRoot(viaProcessBuilder("0", NOBODY, "-"), "refusing to drop to uid 0");
  }

  @Test
  @Timeout(60)
  void refusesGidZero() throws Exception {
    assertRefusedAndStillRoot(viaProcessBuilder(NOBODY, "0", "-"), "gid 0");
  }

  @Test
  @Timeout(60)
  void takesTheSupplementaryGroupsOfTheUserAsInitgroupsWould() throws Exception {
    // A user listed as a member of some group in /etc/group (here: postgres in ssl-cert).
    String[] membership =
        Files.readAllLines(Path.of("/etc/group")).stream()
            .map(line -> line.split(":"))
            .filter(f -> f.length == 4 && !f[3].isEmpty() && !f[2].equals("0"))
            .findFirst()
            .orElse(null);
    Assumptions.assumeTrue(membership != null, "no group in /etc/group lists a member");
    String user = membership[3].split(",")[0];
    String group = membership[2];
    String expected = Integer.parseInt(group) < 65534 ? group + " " + NOBODY : NOBODY + " " + group;
    assertDroppedForGood(viaProcessBuilder(NOBODY, NOBODY, user), NOBODY, expected);
  }
}
