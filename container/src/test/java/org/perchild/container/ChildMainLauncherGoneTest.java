package org.perchild.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.posix.ExitStatus;

/** A child whose launcher dies (its control channel reaches end of stream) exits by itself. */
class ChildMainLauncherGoneTest {

  private ChildProcessFixture child;

  @AfterEach
  void killChild() throws Exception {
    if (child != null) {
      child.close();
    }
  }

  @Test
  @Timeout(60)
  void exitsZeroWhenTheControlChannelCloses() throws Exception {
    ChildProcessFixture.assumeRoot();
    child = new ChildProcessFixture(ChildProcessFixture.TENANT, ChildProcessFixture.TENANT);
    assertEquals("READY " + child.pid, child.receiveControl(), () -> logOf(child));

    child.closeControl();

    ExitStatus exit = child.awaitExit(Duration.ofSeconds(20));
    assertTrue(exit.exitedWith(0), () -> exit + "\n" + logOf(child));
    assertTrue(logOf(child).contains("the launcher has gone"), () -> logOf(child));
  }

  static String logOf(ChildProcessFixture child) {
    try {
      return child.log();
    } catch (java.io.IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
