package org.perchild.acceptor;

import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
