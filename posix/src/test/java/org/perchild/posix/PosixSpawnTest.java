package org.perchild.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import jnr.ffi.LibraryLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PosixSpawnTest {

  /** Only for making this JVM ignore a signal, to see that a spawned program does not. */
  public interface Signals {
    long signal(int signal, long handler);
  }

  private static final int SIGTTIN = 21;
  private static final long SIG_IGN = 1;

  /** Runs {@code bash -c script} with the pipe's write end as fd 3 (plus {@code more}). */
  private static String run(String script, List<String> env, List<InheritedFd> more)
      throws PosixException {
    int[] pipe = TestFds.pipe();
    try {
      List<InheritedFd> fds =
          more.isEmpty()
              ? List.of(new InheritedFd(pipe[1], 3))
              : Stream.concat(Stream.of(new InheritedFd(pipe[1], 3)), more.stream()).toList();
      int pid = PosixSpawn.spawn("/bin/bash", List.of("bash", "-c", script), env, fds);
      Descriptors.close(pipe[1]);
      pipe[1] = -1;
      String output = TestFds.readAll(pipe[0]);
      ExitStatus status = ChildProcesses.waitFor(pid);
      assertTrue(status.exitedWith(0), status + ", output: " + output);
      return output;
    } finally {
      Descriptors.close(pipe[0]);
      if (pipe[1] >= 0) {
        Descriptors.close(pipe[1]);
      }
    }
  }

  @Test
  @Timeout(20)
  void theProgramSeesExactlyTheGivenEnvironment() throws Exception {
    String output =
        run(
            "tr '\\0' '\\n' < /proc/$$/environ >&3",
            List.of("GREETING=hello world", "PATH=/usr/bin:/bin"),
            List.of());
    assertEquals("GREETING=hello world\nPATH=/usr/bin:/bin\n", output);
  }

  /** Starts {@code sleep 30} with {@code fds}, gives its pid to {@code check}, then kills it. */
  private static void inspectSleeping(List<InheritedFd> fds, Inspection check) throws Exception {
    // posix_spawnp returns once the program has been executed: /proc/<pid> is sleep's own.
    int pid = PosixSpawn.spawn("sleep", List.of("sleep", "30"), List.of(), fds);
    try {
      check.inspect(pid);
    } finally {
      ChildProcesses.signal(pid, 9);
      assertTrue(ChildProcesses.waitFor(pid).killedBy(9));
    }
  }

  private interface Inspection {
    void inspect(int pid) throws Exception;
  }

  @Test
  @Timeout(20)
  void theProgramGetsOnlyTheMappedFdsAndDevNullOnStandardOnes() throws Exception {
    int[] pipe = TestFds.pipe(); // close-on-exec in this JVM, as all our descriptors are
    int leaky = Descriptors.duplicate(pipe[0], 40); // not mapped, and not close-on-exec
    Descriptors.setCloseOnExec(leaky, false);
    try {
      inspectSleeping(
          List.of(new InheritedFd(pipe[1], 3), new InheritedFd(pipe[0], 5)),
          pid -> {
            Path fdDir = Path.of("/proc/" + pid + "/fd");
            Map<Integer, String> open = new TreeMap<>();
            try (Stream<Path> entries = Files.list(fdDir)) {
              for (Path fd : entries.toList()) {
                open.put(Integer.parseInt(fd.getFileName().toString()), readLink(fd));
              }
            }
            assertEquals(Set.of(0, 1, 2, 3, 5), open.keySet(), open.toString());
            assertEquals("/dev/null", open.get(0));
            assertEquals("/dev/null", open.get(1));
            assertEquals("/dev/null", open.get(2));
            assertEquals(readLink(Path.of("/proc/self/fd/" + pipe[1])), open.get(3));
            assertEquals(readLink(Path.of("/proc/self/fd/" + pipe[0])), open.get(5));
          });
    } finally {
      Descriptors.close(leaky);
      Descriptors.close(pipe[0]);
      Descriptors.close(pipe[1]);
    }
  }

  private static String readLink(Path link) throws java.io.IOException {
    return Files.readSymbolicLink(link).toString();
  }

  @Test
  @Timeout(20)
  void mappingsMaySwapNumbersAndMapAnFdOntoItsOwnNumber() throws Exception {
    int[] a = TestFds.pipe();
    int[] b = TestFds.pipe();
    int[] c = TestFds.pipe();
    try {
      // a's write end goes to b's number and the other way round; c keeps its number, and it is
      // close-on-exec here, which a plain dup2(fd, fd) would leave set.
      String script =
          "echo to-a >&"
              + b[1]
              + "; echo to-b >&"
              + a[1]
              + "; echo to-c >&"
              + c[1]
              + "; echo done >&3";
      String output =
          run(
              script,
              List.of(),
              List.of(
                  new InheritedFd(a[1], b[1]),
                  new InheritedFd(b[1], a[1]),
                  new InheritedFd(c[1], c[1])));
      assertEquals("done\n", output);
      for (int[] pipe : List.of(a, b, c)) {
        Descriptors.close(pipe[1]);
        pipe[1] = -1;
      }
      assertEquals("to-a\n", TestFds.readAll(a[0]));
      assertEquals("to-b\n", TestFds.readAll(b[0]));
      assertEquals("to-c\n", TestFds.readAll(c[0]));
    } finally {
      for (int[] pipe : List.of(a, b, c)) {
        Descriptors.close(pipe[0]);
        if (pipe[1] >= 0) {
          Descriptors.close(pipe[1]);
        }
      }
    }
  }

  @Test
  @Timeout(20)
  void theProgramInheritsNeitherBlockedNorIgnoredSignals() throws Exception {
    // JVM threads block some signals (SIGQUIT at least); make this JVM ignore one too, since an
    // ignored signal survives exec unless posix_spawn resets it.
    assertNotEquals(
        "0000000000000000", statusField(Path.of("/proc/thread-self/status"), "SigBlk:"));
    Signals signals = LibraryLoader.create(Signals.class).load("c");
    long previous = signals.signal(SIGTTIN, SIG_IGN);
    try {
      assertNotEquals("0000000000000000", statusField(Path.of("/proc/self/status"), "SigIgn:"));
      inspectSleeping(
          List.of(),
          pid -> {
            Path status = Path.of("/proc/" + pid + "/status");
            assertEquals("0000000000000000", statusField(status, "SigBlk:"));
            assertEquals("0000000000000000", statusField(status, "SigIgn:"));
          });
    } finally {
      signals.signal(SIGTTIN, previous);
    }
  }

  private static String statusField(Path status, String name) throws java.io.IOException {
    return Files.readAllLines(status).stream()
        .filter(line -> line.startsWith(name))
        .map(line -> line.substring(name.length()).trim())
        .findFirst()
        .orElseThrow();
  }

  @Test
  @Timeout(20)
  void aProgramThatCannotBeStartedIsAnErrorNamingIt() {
    PosixException e =
        assertThrows(
            PosixException.class,
            () -> PosixSpawn.spawn("/nonexistent/perchild", List.of("x"), List.of(), List.of()));
    assertEquals("ENOENT", e.errnoName());
    assertTrue(
        e.getMessage().startsWith("posix_spawnp(/nonexistent/perchild): ENOENT"), e.getMessage());
  }

  @Test
  @Timeout(20)
  void aChildFdGivenTwiceIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            PosixSpawn.spawn(
                "/bin/true",
                List.of("true"),
                List.of(),
                List.of(new InheritedFd(0, 3), new InheritedFd(1, 3))));
  }
}
