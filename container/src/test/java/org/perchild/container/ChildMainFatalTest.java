package org.perchild.container;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.posix.ExitStatus;

/**
 * A child asked to stay root, or given a session directory that is not its own, refuses: exit 2
 * (fatal, never respawned), and it never says READY.
 */
class ChildMainFatalTest {

  private ChildProcessFixture child;

  @AfterEach
  void killChild() throws Exception {
    if (child != null) {
      child.close();
    }
  }

  @Test
  @Timeout(60)
  void exitsTwoWhenAskedToBecomeRoot() throws Exception {
    ChildProcessFixture.assumeRoot();
    child = new ChildProcessFixture(0, 0);

    ExitStatus exit = child.awaitExit(Duration.ofSeconds(30));

    String log = ChildMainLauncherGoneTest.logOf(child);
    assertTrue(exit.exitedWith(org.perchild.protocol.ExitCodes.FATAL), () -> exit + "\n" + log);
    assertTrue(log.contains("privilege drop to uid 0, gid 0 failed"), log);
    assertNull(child.receiveControl(), "no READY, only the end of the stream");
  }

  @Test
  @Timeout(60)
  void exitsTwoWhenItsSessionDirectoryIsNotItsOwn() throws Exception {
    ChildProcessFixture.assumeRoot();
    int tenant = ChildProcessFixture.TENANT;
    child = new ChildProcessFixture(tenant, tenant, java.util.List.of(), false);

    ExitStatus exit = child.awaitExit(Duration.ofSeconds(30));

    String log = ChildMainLauncherGoneTest.logOf(child);
    assertTrue(exit.exitedWith(org.perchild.protocol.ExitCodes.FATAL), () -> exit + "\n" + log);
    assertTrue(
        log.contains("sessions/" + tenant + " is owner 0, mode 755: it must be uid " + tenant),
        log);
    assertNull(child.receiveControl(), "no READY, only the end of the stream");
  }
}
