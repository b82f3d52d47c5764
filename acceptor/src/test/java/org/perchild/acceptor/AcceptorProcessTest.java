package org.perchild.acceptor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.perchild.posix.ExitStatus;
import org.perchild.posix.ReceivedPacket;

/**
 * One real acceptor process, started as root the way the launcher starts it, with three fake
 * children: slots 0 and 1 of uid/gid 40001 (virtual host {@code a.test}) and slot 2 of 65534 (the
 * server's own group: {@code fallback.test}, the default of the address). The tests run in order:
 * routing and the acceptor's own answers first, then {@code GONE}, then {@code STOP}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AcceptorProcessTest {

  private static AcceptorHarness acceptor;

  @BeforeAll
  @Timeout(90)
  static void startAcceptor() throws Exception {
    AcceptorHarness.requireRoot();
    acceptor = AcceptorHarness.start();
    acceptor.addChild(0, AcceptorHarness.TENANT, AcceptorHarness.TENANT);
    acceptor.addChild(1, AcceptorHarness.TENANT, AcceptorHarness.TENANT);
    acceptor.addChild(2, AcceptorHarness.NOBODY, AcceptorHarness.NOBODY);
  }

  @AfterAll
  @Timeout(30)
  static void stopAcceptor() throws Exception {
    if (acceptor != null) {
      acceptor.closeAfterCheckingTheLog();
    }
  }

  @Test
  @Order(1)
  @Timeout(10)
  void runsAsTheServerUserNotRoot() throws Exception {
    assertEquals("65534\t65534\t65534\t65534", acceptor.procStatus("Uid:"));
    assertEquals("65534\t65534\t65534\t65534", acceptor.procStatus("Gid:"));
    assertEquals("0000000000000000", acceptor.procStatus("CapEff:"));
  }

  @Test
  @Order(2)
  @Timeout(60)
  void tenantHostReachesATenantChildWithTheBytesAndTheLiveSocket() throws Exception {
    Set<Integer> slots = new HashSet<>();
    for (int i = 0; i < 6; i++) {
      String request =
          "POST /upload?n="
              + i
              + " HTTP/1.1\r\nHost: A.Test:"
              + acceptor.port
              + "\r\nContent-Length: 11\r\n\r\nhello world";
      byte[] sent = request.getBytes(StandardCharsets.ISO_8859_1);
      try (Socket client = acceptor.connect()) {
        client.getOutputStream().write(sent);
        AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
        slots.add(handoff.slot());
        assertTrue(handoff.slot() == 0 || handoff.slot() == 1, "slot " + handoff.slot());
        assertEquals(0, handoff.message().listenerIndex());
        assertFalse(handoff.message().inet6(), "Listen 127.0.0.1 is an AF_INET socket");
        assertFalse(handoff.message().secure());
        assertEquals(null, handoff.message().proxied());
        assertEquals("a.test", handoff.message().virtualHost());
        assertEquals(client.getLocalSocketAddress(), handoff.message().remote());
        assertEquals(new InetSocketAddress("127.0.0.1", acceptor.port), handoff.message().local());
        AcceptorHarness.serveAsChild(handoff, sent, "slot " + handoff.slot());
        String response = AcceptorHarness.readToEnd(client.getInputStream());
        assertEquals(AcceptorHarness.childResponse("slot " + handoff.slot()), response);
      }
    }
    assertEquals(Set.of(0, 1), slots, "connections are spread over both children of 40001");
    acceptor.assertNoHandoff();
  }

  @Test
  @Order(3)
  @Timeout(30)
  void unknownHostGoesToTheDefaultVirtualHost() throws Exception {
    for (String request :
        new String[] {
          "GET / HTTP/1.1\r\nHost: nobody-knows.test\r\n\r\n", "GET / HTTP/1.0\r\n\r\n"
        }) {
      byte[] sent = request.getBytes(StandardCharsets.ISO_8859_1);
      try (Socket client = acceptor.connect()) {
        client.getOutputStream().write(sent);
        AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
        assertEquals(2, handoff.slot(), request);
        AcceptorHarness.serveAndExpect(handoff, sent, "fallback", client);
      }
    }
  }

  @Test
  @Order(4)
  @Timeout(30)
  void http11WithoutHostIs400() throws Exception {
    assertAnswered(400, "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n");
  }

  @Test
  @Order(4)
  @Timeout(30)
  void aTwentyKilobyteHeaderIs431() throws Exception {
    assertAnswered(
        431, "GET / HTTP/1.1\r\nHost: a.test\r\nX-Big: " + "b".repeat(20_000) + "\r\n\r\n");
  }

  @Test
  @Order(4)
  @Timeout(30)
  void aTenKilobyteRequestLineIs414() throws Exception {
    assertAnswered(414, "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: a.test\r\n\r\n");
  }

  @Test
  @Order(4)
  @Timeout(30)
  void garbageIs400() throws Exception {
    assertAnswered(400, "\u0001\u0002 this is not HTTP at all\r\n\r\n");
  }

  @Test
  @Order(4)
  @Timeout(30)
  void http20RequestLineIs505() throws Exception {
    assertAnswered(505, "GET / HTTP/2.0\r\nHost: a.test\r\n\r\n");
  }

  @Test
  @Order(5)
  @Timeout(30)
  void halfAHeadTimesOutWith408WhileOthersAreServed() throws Exception {
    try (Socket slow = acceptor.connect()) {
      long start = System.nanoTime();
      slow.getOutputStream()
          .write("GET / HTTP/1.1\r\nHost: a.te".getBytes(StandardCharsets.US_ASCII));
      // Another client is served while the slow one holds its half head.
      byte[] sent =
          "GET /meanwhile HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      try (Socket other = acceptor.connect()) {
        other.getOutputStream().write(sent);
        AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
        AcceptorHarness.serveAsChild(handoff, sent, "meanwhile");
        assertEquals(
            AcceptorHarness.childResponse("meanwhile"),
            AcceptorHarness.readToEnd(other.getInputStream()));
      }
      assertTrue(
          (System.nanoTime() - start) / 1_000_000 < 1500,
          "the other client waited for the slow one");
      assertEquals(0, slow.getInputStream().available(), "nothing before the Timeout");
      String response = AcceptorHarness.readToEnd(slow.getInputStream());
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(response.startsWith("HTTP/1.1 408 "), response);
      assertTrue(elapsedMillis >= 1900, "408 after " + elapsedMillis + " ms, Timeout is 2 s");
      assertTrue(elapsedMillis < 5000, "408 after " + elapsedMillis + " ms, Timeout is 2 s");
    }
    acceptor.assertNoHandoff();
  }

  @Test
  @Order(90)
  @Timeout(30)
  void whenEveryTenantChildIsGoneTheTenantGets503AfterChildWaitTimeout() throws Exception {
    acceptor.gone(0);
    acceptor.gone(1);
    for (int slot : new int[] {0, 1}) {
      // The acceptor closed its end of the channel at once.
      ReceivedPacket end = acceptor.awaitPacket(acceptor.children.get(slot));
      assertTrue(end.isEndOfStream(), "slot " + slot + ": " + end.status());
    }
    long started = System.nanoTime();
    String response = acceptor.exchange("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n");
    long waitedMillis = (System.nanoTime() - started) / 1_000_000;
    assertTrue(response.startsWith("HTTP/1.1 503 "), response);
    assertTrue(response.contains("\r\nRetry-After: 5\r\n"), response);
    // Held for a child first, for the ChildWaitTimeout of 2 s (the loop wakes every second).
    assertTrue(waitedMillis >= 1900, "503 after " + waitedMillis + " ms, ChildWaitTimeout is 2 s");
    // The other group is not affected.
    byte[] sent =
        "GET / HTTP/1.1\r\nHost: fallback.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    try (Socket client = acceptor.connect()) {
      client.getOutputStream().write(sent);
      AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
      assertEquals(2, handoff.slot());
      AcceptorHarness.serveAndExpect(handoff, sent, "still here", client);
    }
  }

  /**
   * A connection for a group with no READY child is held, with the bytes read, and handed to the
   * group's next child as soon as the launcher says it is READY: a 200, never a 503.
   */
  @Test
  @Order(95)
  @Timeout(30)
  void aConnectionWaitsForTheGroupsNextReadyChild() throws Exception {
    byte[] sent = "GET /held HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    try (Socket client = acceptor.connect()) {
      client.getOutputStream().write(sent);
      acceptor.awaitLog("GET /held host a.test -> a.test: no READY child of #40001/#40001; held");
      acceptor.addChild(3, AcceptorHarness.TENANT, AcceptorHarness.TENANT);
      AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
      assertEquals(3, handoff.slot());
      assertEquals("a.test", handoff.message().virtualHost());
      AcceptorHarness.serveAndExpect(handoff, sent, "the new child", client);
    }
  }

  /**
   * A connection queued on a child's channel that the child never took, because it died, is taken
   * back from the child's end (BACKLOG) and handed to the group's next child, bytes and all.
   */
  @Test
  @Order(96)
  @Timeout(30)
  void aConnectionADeadChildNeverTookGoesToTheNextChild() throws Exception {
    acceptor.gone(3);
    acceptor.addChild(4, AcceptorHarness.TENANT, AcceptorHarness.TENANT);
    acceptor.giveBacklog(4);
    byte[] sent =
        "POST /queued HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\nhello"
            .getBytes(StandardCharsets.US_ASCII);
    try (Socket client = acceptor.connect()) {
      client.getOutputStream().write(sent);
      acceptor.awaitLog("POST /queued host a.test -> a.test, slot 4");
      // Child 4 dies without having read it: its end closes, and the launcher says GONE.
      acceptor.dies(4);
      acceptor.gone(4);
      acceptor.awaitLog("Child slot 4 gone with 1 connections it never took: routed again");
      acceptor.addChild(5, AcceptorHarness.TENANT, AcceptorHarness.TENANT);
      AcceptorHarness.Handoff handoff = acceptor.awaitHandoff();
      assertEquals(5, handoff.slot());
      assertEquals("a.test", handoff.message().virtualHost());
      assertEquals(client.getLocalSocketAddress(), handoff.message().remote());
      AcceptorHarness.serveAndExpect(handoff, sent, "taken back", client);
    }
  }

  @Test
  @Order(100)
  @Timeout(30)
  void stopEndsTheProcessWithZero() throws Exception {
    acceptor.control.send("STOP".getBytes(StandardCharsets.UTF_8), -1);
    ExitStatus status = acceptor.awaitExit();
    assertTrue(status.exitedWith(0), status + "\n" + acceptor.logText());
    String log = acceptor.logText();
    assertTrue(log.contains("Acceptor stopped (STOP): accepted 19, handed off 13,"), log);
    assertTrue(log.contains("answered {400=2, 408=1, 414=1, 431=1, 503=1, 505=1}"), log);
    assertTrue(log.contains("held for a child 3"), log);
  }

  private static void assertAnswered(int status, String request) throws Exception {
    String response = acceptor.exchange(request);
    assertTrue(response.startsWith("HTTP/1.1 " + status + " "), response);
    assertTrue(response.contains("\r\nConnection: close\r\n"), response);
    acceptor.assertNoHandoff();
  }
}
