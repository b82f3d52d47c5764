package org.perchild.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ChildProcessesTest {

  private static final int SIGKILL = 9;

  private static int sh(String script) throws PosixException {
    return PosixSpawn.spawn("/bin/sh", List.of("sh", "-c", script), List.of(), List.of());
  }

  @Test
  @Timeout(20)
  void reportsTheExitCode() throws Exception {
    int pid = sh("exit 3");
    ExitStatus status = ChildProcesses.waitFor(pid);
    assertTrue(status.exitedWith(3), status.toString());
    assertEquals(pid, status.pid());
    assertEquals("pid " + pid + " exited with code 3", status.toString());
  }

  @Test
  @Timeout(20)
  void reapAnyReportsAChildOnceItHasEnded() throws Exception {
    int pid = sh("exit 3");
    AtomicReference<ExitStatus> reaped = new AtomicReference<>();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              ExitStatus status = ChildProcesses.reapAny();
              reaped.set(status);
              return status.state() != ExitStatus.State.RUNNING;
            });
    assertEquals(pid, reaped.get().pid());
    assertTrue(reaped.get().exitedWith(3));
  }

  @Test
  @Timeout(20)
  void reportsDeathBySigkillAndThatTheProcessIsGoneAfterwards() throws Exception {
    int pid = PosixSpawn.spawn("sleep", List.of("sleep", "30"), List.of(), List.of());
    assertEquals(ExitStatus.State.RUNNING, ChildProcesses.reap(pid).state());
    assertTrue(ChildProcesses.signal(pid, SIGKILL));
    ExitStatus status = ChildProcesses.waitFor(pid);
    assertTrue(status.killedBy(SIGKILL), status.toString());
    assertEquals("pid " + pid + " killed by signal 9 (SIGKILL)", status.toString());
    assertFalse(ChildProcesses.signal(pid, 0), "ESRCH once reaped");
  }

  @Test
  @Timeout(20)
  void reapingAProcessThatIsNotOurChildIsECHILD() {
    PosixException e = assertThrows(PosixException.class, () -> ChildProcesses.reap(1));
    assertEquals("ECHILD", e.errnoName());
    assertTrue(e.getMessage().startsWith("waitpid(pid 1): ECHILD"), e.getMessage());
  }
}
