package org.perchild.posix;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SeqPacketChannelTest {

  private SeqPacketChannel sender;
  private SeqPacketChannel receiver;

  @BeforeEach
  void openChannel() throws PosixException {
    ChannelPair pair = ChannelPair.open();
    sender = new SeqPacketChannel(pair.parentFd());
    receiver = new SeqPacketChannel(pair.childFd());
  }

  @AfterEach
  void closeChannel() throws PosixException {
    sender.close();
    receiver.close();
  }

  @Test
  @Timeout(10)
  void bothEndsOfANewChannelAreCloseOnExec() throws PosixException {
    assertTrue(Descriptors.isCloseOnExec(sender.fd()));
    assertTrue(Descriptors.isCloseOnExec(receiver.fd()));
  }

  @Test
  @Timeout(10)
  void passesALiveTcpConnectionThatKeepsWorkingThroughTheReceivedFd() throws Exception {
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      try (SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
        int passed;
        try (SocketChannel accepted = server.accept()) {
          passed = TestFds.fdOf(accepted);
          byte[] header = "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
          assertEquals(SeqPacketChannel.SendResult.SENT, sender.send(header, passed));
          // The acceptor closes its own copy after the hand-off; the connection must survive.
        }
        ReceivedPacket packet = receiver.receive(1024);
        assertTrue(packet.isMessage());
        assertEquals("GET / HTTP/1.1\r\n", new String(packet.payload(), StandardCharsets.US_ASCII));
        assertTrue(packet.hasFd());
        int fd = packet.fd();
        try {
          assertTrue(Descriptors.isCloseOnExec(fd), "received with MSG_CMSG_CLOEXEC");
          TestFds.write(fd, "pong");
          ByteBuffer reply = ByteBuffer.allocate(4);
          while (reply.hasRemaining()) {
            client.read(reply);
          }
          assertEquals("pong", new String(reply.array(), StandardCharsets.US_ASCII));
          client.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
          assertEquals("ping", TestFds.readSome(fd));
        } finally {
          Descriptors.close(fd);
        }
        assertEquals(-1, client.read(ByteBuffer.allocate(1)), "closed once the last copy is");
      }
    }
  }

  @Test
  @Timeout(10)
  void aMessageLargerThanTheBufferIsAnErrorAndItsFdIsClosed() throws Exception {
    int[] pipe = TestFds.pipe();
    try {
      assertEquals(SeqPacketChannel.SendResult.SENT, sender.send(new byte[100], pipe[1]));
      Descriptors.close(pipe[1]);
      pipe[1] = -1;
      assertEquals(SeqPacketChannel.SendResult.SENT, sender.send(new byte[] {7}, -1));

      TruncatedMessageException e =
          assertThrows(TruncatedMessageException.class, () -> receiver.receive(10));
      assertTrue(e.getMessage().contains("MSG_TRUNC"), e.getMessage());
      assertTrue(e.getMessage().contains("closed received fd"), e.getMessage());
      // Every write end is now closed, so the pipe reads end of file (else this read blocks).
      assertEquals("", TestFds.readSome(pipe[0]));
      // The rest of the truncated message is gone; the next one is intact.
      ReceivedPacket next = receiver.receive(10);
      assertArrayEquals(new byte[] {7}, next.payload());
      assertFalse(next.hasFd());
    } finally {
      Descriptors.close(pipe[0]);
      if (pipe[1] >= 0) {
        Descriptors.close(pipe[1]);
      }
    }
  }

  @Test
  @Timeout(10)
  void peerCloseIsEndOfStreamAfterTheQueuedMessages() throws PosixException, Exception {
    sender.send("last".getBytes(StandardCharsets.US_ASCII), -1);
    sender.close();
    assertEquals("last", new String(receiver.receive(16).payload(), StandardCharsets.US_ASCII));
    assertTrue(receiver.receive(16).isEndOfStream());
    assertTrue(receiver.receiveNonBlocking(16).isEndOfStream());
  }

  @Test
  @Timeout(10)
  void shutdownWakesAWaitingReceiveWithTheEndOfStreamAndTheDescriptorStaysOpen() throws Exception {
    CompletableFuture<ReceivedPacket> waiting = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try {
                waiting.complete(receiver.receive(16));
              } catch (IOException | RuntimeException e) {
                waiting.completeExceptionally(e);
              }
            },
            "test-shutdown-reader");
    reader.start();
    // The peer stays open: only the shutdown can end a receive that is already waiting.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                Arrays.stream(reader.getStackTrace())
                    .anyMatch(f -> f.getMethodName().equals("recvmsg")));
    receiver.shutdown();
    assertTrue(waiting.get(5, TimeUnit.SECONDS).isEndOfStream());
    assertTrue(TestFds.isOpen(receiver.fd()), "shutdown leaves the descriptor open");
    assertTrue(receiver.receiveNonBlocking(16).isEndOfStream(), "and so is every later receive");
    PosixException e =
        assertThrows(
            PosixException.class, () -> receiver.send("x".getBytes(StandardCharsets.US_ASCII), -1));
    assertEquals("EPIPE", e.errnoName());
    assertTrue(sender.receive(16).isEndOfStream(), "the peer sees the end too");
  }

  @Test
  @Timeout(10)
  void shuttingDownABadDescriptorNamesTheCallAndTheError() {
    PosixException e =
        assertThrows(PosixException.class, () -> new SeqPacketChannel(9999).shutdown());
    assertTrue(e.getMessage().startsWith("shutdown(fd 9999, SHUT_RDWR): EBADF"), e.getMessage());
  }

  @Test
  @Timeout(10)
  void emptyChannelIsNothingYetWhenNotWaiting() throws Exception {
    assertEquals(ReceivedPacket.Status.NOTHING_YET, receiver.receiveNonBlocking(16).status());
  }

  @Test
  @Timeout(30)
  void aFullChannelIsADistinctResultAndTheFdStaysWithTheSender() throws Exception {
    byte[] message = new byte[1000];
    int sent = 0;
    while (sender.sendNonBlocking(message, -1) == SeqPacketChannel.SendResult.SENT) {
      sent++;
      assertTrue(sent < 1_000_000, "the channel never filled up");
    }
    assertTrue(sent > 0);
    int[] pipe = TestFds.pipe();
    try {
      assertEquals(
          SeqPacketChannel.SendResult.CHANNEL_FULL, sender.sendNonBlocking(message, pipe[1]));
      assertTrue(TestFds.isOpen(pipe[1]));

      assertTrue(receiver.receive(message.length).isMessage());
      assertEquals(SeqPacketChannel.SendResult.SENT, sender.sendNonBlocking(message, pipe[1]));
      for (int i = 1; i < sent; i++) {
        assertFalse(receiver.receive(message.length).hasFd());
      }
      ReceivedPacket withFd = receiver.receive(message.length);
      assertTrue(withFd.hasFd());
      Descriptors.close(withFd.fd());
    } finally {
      Descriptors.close(pipe[0]);
      Descriptors.close(pipe[1]);
    }
  }

  @Test
  @Timeout(10)
  void sendingToAClosedPeerNamesTheCallAndTheError() throws Exception {
    receiver.close();
    PosixException e = assertThrows(PosixException.class, () -> sender.send(new byte[] {1}, -1));
    assertEquals("EPIPE", e.errnoName());
    assertEquals("sendmsg(fd " + sender.fd() + "): EPIPE (Broken pipe)", e.getMessage());
  }

  @Test
  @Timeout(10)
  void anEmptyMessageIsRefusedBecauseItWouldReadAsEndOfStream() {
    assertThrows(IllegalArgumentException.class, () -> sender.send(new byte[0], -1));
  }

  @Test
  @Timeout(10)
  void closingABadDescriptorIsAnErrorThatSaysSo() {
    PosixException e = assertThrows(PosixException.class, () -> Descriptors.close(999_999));
    assertEquals("close(fd 999999): EBADF (Bad file descriptor)", e.getMessage());
    assertEquals(9, e.errno());
  }

  @Test
  @Timeout(10)
  void closeOnExecCanBeClearedAndSet() throws Exception {
    int copy = Descriptors.duplicate(sender.fd(), 100);
    try {
      assertTrue(copy >= 100);
      assertTrue(Descriptors.isCloseOnExec(copy));
      Descriptors.setCloseOnExec(copy, false);
      assertFalse(Descriptors.isCloseOnExec(copy));
      assertNotEquals(sender.fd(), copy);
    } finally {
      Descriptors.close(copy);
    }
  }
}
