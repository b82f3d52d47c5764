package org.perchild.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The control socket's line protocol, in memory. */
class OperatorCommandTest {

  @Test
  void everyCommandParsesFromItsLine() {
    for (OperatorCommand command : OperatorCommand.values()) {
      assertEquals(command, OperatorCommand.parse(command.line()));
    }
    assertEquals(OperatorCommand.GRACEFUL_STOP, OperatorCommand.parse("graceful-stop"));
    assertEquals(OperatorCommand.STATUS_JSON, OperatorCommand.parse("status json"));
  }

  @Test
  void blanksAndCaseDoNotMatter() {
    assertEquals(OperatorCommand.STOP, OperatorCommand.parse("  STOP\r"));
    assertEquals(OperatorCommand.STATUS_JSON, OperatorCommand.parse("status \t JSON"));
  }

  @Test
  void anythingElseIsRefusedWithTheKnownCommands() {
    for (String line : new String[] {"", "stop now", "reload", "status xml", "-k stop"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> OperatorCommand.parse(line));
      assertTrue(
          e.getMessage()
              .endsWith("not one of stop, graceful-stop, restart, graceful, status, status json"),
          e.getMessage());
    }
    String longLine = "x".repeat(300);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> OperatorCommand.parse(longLine));
    assertTrue(e.getMessage().startsWith("unknown command '" + "x".repeat(40) + "...'"));
  }

  @Test
  void aDumpLineNamesItsSlot() {
    assertEquals(3, OperatorCommand.dumpSlot(OperatorCommand.dumpLine(3)));
    assertEquals(12, OperatorCommand.dumpSlot("  DUMP \t 12\r"));
    assertEquals(0, OperatorCommand.dumpSlot("status"));
    for (String line : new String[] {"dump", "dump 0", "dump x", "dump 1 2", "dump -1"}) {
      assertThrows(IllegalArgumentException.class, () -> OperatorCommand.dumpSlot(line), line);
    }
  }

  @Test
  void repliesRoundTrip() {
    for (OperatorReply reply :
        new OperatorReply[] {
          OperatorReply.ok("stopping\n"),
          OperatorReply.error("restart is not implemented yet\n"),
          OperatorReply.ok("line 1\nline 2\n"),
          OperatorReply.ok("")
        }) {
      assertEquals(reply, OperatorReply.decode(reply.encode()));
    }
    assertEquals("OK\nstopping\n", OperatorReply.ok("stopping").encode());
    assertEquals("ERROR\nno\n", OperatorReply.error("no").encode());
    assertThrows(IllegalArgumentException.class, () -> OperatorReply.decode("HTTP/1.1 200 OK\n"));
  }
}
