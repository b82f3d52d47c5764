package org.perchild.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.perchild.testsupport.RootRequirement;

/** Nice values of every thread of a real process, read back from {@code /proc}. */
class PrioritiesTest {

  /** The nice value of each thread of {@code pid}: field 19 of {@code /proc/pid/task/tid/stat}. */
  static List<Integer> niceOfEachThread(long pid) throws Exception {
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      return tasks
          .map(
              t -> {
                try {
                  String stat = Files.readString(t.resolve("stat"));
                  // After the command's ")": state is field 3, nice field 19.
                  String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                  return Integer.parseInt(f[19 - 3]);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              })
          .toList();
    }
  }

  @Test
  void everyThreadOfTheProcessTakesTheValue() throws Exception {
    // A JVM: many threads.
    Process jvm =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx16m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                Sleeper.class.getName())
            .start();
    try {
      assertTrue(jvm.getInputStream().read() >= 0, "the sleeper started");
      int threads = Priorities.set((int) jvm.pid(), 7);
      List<Integer> nice = niceOfEachThread(jvm.pid());
      assertEquals(nice.size(), threads);
      assertTrue(threads > 5, "a JVM has threads: " + threads);
      assertEquals(List.of(7), nice.stream().distinct().toList());
    } finally {
      jvm.destroyForcibly().waitFor();
    }
  }

  @Test
  void rootRaisesItAboveNormal() throws Exception {
    RootRequirement.require("lowering a nice value below 0");
    Process sleep = new ProcessBuilder("sleep", "30").start();
    try {
      assertEquals(1, Priorities.set((int) sleep.pid(), -15));
      assertEquals(List.of(-15), niceOfEachThread(sleep.pid()));
      assertEquals(1, Priorities.set((int) sleep.pid(), 0));
      assertEquals(List.of(0), niceOfEachThread(sleep.pid()));
    } finally {
      sleep.destroyForcibly().waitFor();
    }
  }

  @Test
  void aProcessThatHasGoneHasNoThreads() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    assertEquals(0, Priorities.set((int) gone.pid(), 5));
  }

  /** Says it runs, then waits on its standard input until killed. */
  public static final class Sleeper {
    public static void main(String[] args) throws Exception {
      System.out.write('!');
      System.out.flush();
      System.in.read();
    }
  }
}
