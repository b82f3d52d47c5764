package org.perchild.acceptor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.posix.ExitStatus;

/** A real acceptor process whose launcher dies: the end of the control channel ends it, with 0. */
class AcceptorEndOfControlTest {

  private static AcceptorHarness acceptor;

  @BeforeAll
  @Timeout(90)
  static void startAcceptor() throws Exception {
    AcceptorHarness.requireRoot();
    acceptor = AcceptorHarness.start();
  }

  @AfterAll
  @Timeout(30)
  static void cleanUp() throws Exception {
    if (acceptor != null) {
      acceptor.close();
    }
  }

  @Test
  @Timeout(30)
  void exitsWhenTheLauncherCloses() throws Exception {
    acceptor.control.close();
    ExitStatus status = acceptor.awaitExit();
    assertTrue(status.exitedWith(0), status + "\n" + acceptor.logText());
    assertTrue(acceptor.logText().contains("Acceptor stopped (launcher gone)"), acceptor.logText());
  }
}
