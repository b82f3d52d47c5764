package org.perchild.acceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class AcceptorMainTest {

  @Test
  @Timeout(5)
  void onlyAnIpv4LiteralListensOnAnInetSocket() {
    assertTrue(AcceptorMain.isIpv4Literal("127.0.0.1"));
    assertTrue(AcceptorMain.isIpv4Literal("0.0.0.0"));
    assertFalse(AcceptorMain.isIpv4Literal(null), "no address: dual-stack [::]");
    assertFalse(AcceptorMain.isIpv4Literal("::1"));
    assertFalse(AcceptorMain.isIpv4Literal("::ffff:127.0.0.1"));
    assertFalse(AcceptorMain.isIpv4Literal("256.0.0.1"));
    assertFalse(AcceptorMain.isIpv4Literal("1.2.3"));
    assertFalse(AcceptorMain.isIpv4Literal("localhost"));
  }

  @Test
  @Timeout(5)
  void parsesTheLaunchersArguments() {
    AcceptorMain.Arguments arguments =
        AcceptorMain.Arguments.parse(
            new String[] {
              "--server-root", "/srv", "--config", "conf/perchild.conf", "--user", "#65534",
              "--uid", "65534", "--gid", "65533", "--listeners", "2"
            });
    assertEquals(
        new AcceptorMain.Arguments("/srv", "conf/perchild.conf", "#65534", 65534, 65533, 2),
        arguments);
  }

  @Test
  @Timeout(5)
  void refusesBadArguments() {
    String[][] bad = {
      {"--server-root", "/srv"},
      {"--server-root"},
      {
        "--server-root",
        "/srv",
        "--config",
        "c",
        "--user",
        "u",
        "--uid",
        "x",
        "--gid",
        "1",
        "--listeners",
        "1"
      },
      {
        "--server-root",
        "/srv",
        "--config",
        "c",
        "--user",
        "u",
        "--uid",
        "1",
        "--gid",
        "1",
        "--listeners",
        "1",
        "--slot",
        "1"
      },
      {
        "--server-root",
        "/srv",
        "--server-root",
        "/x",
        "--config",
        "c",
        "--user",
        "u",
        "--uid",
        "1",
        "--gid",
        "1",
        "--listeners",
        "1"
      },
    };
    for (String[] args : bad) {
      assertThrows(
          IllegalArgumentException.class,
          () -> AcceptorMain.Arguments.parse(args),
          String.join(" ", args));
    }
  }
}
