package org.perchild.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The control socket's line protocol, in memory. */
class ControlCommandTest {

  @Test
  void everyCommandParsesFromItsLine() {
    for (ControlCommand command : ControlCommand.values()) {
      assertEquals(command, ControlCommand.parse(command.line()));
    }
    assertEquals(ControlCommand.GRACEFUL_STOP, ControlCommand.parse("graceful-stop"));
    assertEquals(ControlCommand.STATUS_JSON, ControlCommand.parse("status json"));
  }

  @Test
  void blanksAndCaseDoNotMatter() {
    assertEquals(ControlCommand.STOP, ControlCommand.parse("  STOP\r"));
    assertEquals(ControlCommand.STATUS_JSON, ControlCommand.parse("status \t JSON"));
  }

  @Test
  void anythingElseIsRefusedWithTheKnownCommands() {
    for (String line : new String[] {"", "stop now", "reload", "status xml", "-k stop"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ControlCommand.parse(line));
      assertTrue(
          e.getMessage()
              .endsWith("not one of stop, graceful-stop, restart, graceful, status, status json"),
          e.getMessage());
    }
    String longLine = "x".repeat(300);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ControlCommand.parse(longLine));
    assertTrue(e.getMessage().startsWith("unknown command '" + "x".repeat(40) + "...'"));
  }

  @Test
  void repliesRoundTrip() {
    for (ControlReply reply :
        new ControlReply[] {
          ControlReply.ok("stopping\n"),
          ControlReply.error("restart is not implemented yet\n"),
          ControlReply.ok("line 1\nline 2\n"),
          ControlReply.ok("")
        }) {
      assertEquals(reply, ControlReply.decode(reply.encode()));
    }
    assertEquals("OK\nstopping\n", ControlReply.ok("stopping").encode());
    assertEquals("ERROR\nno\n", ControlReply.error("no").encode());
    assertThrows(IllegalArgumentException.class, () -> ControlReply.decode("HTTP/1.1 200 OK\n"));
  }
}
