package org.perchild.acceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ControlMessageTest {

  private static ControlMessage parse(String text, int fd) {
    return ControlMessage.parse(text.getBytes(StandardCharsets.UTF_8), fd);
  }

  @Test
  @Timeout(5)
  void parsesTheThreeMessages() {
    assertEquals(new ControlMessage.Child(3, 40001, 40002, 17), parse("CHILD 3 40001 40002", 17));
    assertEquals(new ControlMessage.Gone(3), parse("GONE 3", -1));
    assertEquals(new ControlMessage.Stop(), parse("STOP", -1));
  }

  @Test
  @Timeout(5)
  void refusesWhatIsNotTheProtocol() {
    for (String text :
        new String[] {
          "CHILD 3 40001",
          "CHILD 3 40001 40002 9",
          "CHILD x 1 1",
          "CHILD -1 1 1",
          "GONE",
          "GONE 1 2",
          "STOP now",
          "stop",
          "READY 12",
          "",
          "CHILD  3 1 1"
        }) {
      assertThrows(IllegalArgumentException.class, () -> parse(text, 5), text);
    }
    assertThrows(IllegalArgumentException.class, () -> parse("CHILD 3 1 1", -1), "no fd");
  }
}
