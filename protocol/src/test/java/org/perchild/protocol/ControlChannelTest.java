package org.perchild.protocol;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.posix.ChannelPair;
import org.perchild.posix.ReceivedPacket;
import org.perchild.posix.SeqPacketChannel;

/**
 * The receive loop and the senders on a real socketpair: what the launcher's end of a child's
 * control channel does with a message too long, a malformed one, and the ones after them.
 */
class ControlChannelTest {

  private ControlChannel<ChildToLauncher, LauncherToChild> launcher;
  private ControlChannel<LauncherToChild, ChildToLauncher> child;
  private SeqPacketChannel raw;
  private final BlockingQueue<ChildToLauncher> received = new LinkedBlockingQueue<>();
  private final CompletableFuture<String> ended = new CompletableFuture<>();

  private final ControlChannel.Receiver<ChildToLauncher> receiver =
      new ControlChannel.Receiver<>() {
        @Override
        public void received(ChildToLauncher message) {
          received.add(message);
        }

        @Override
        public void ended(String why) {
          ended.complete(why);
        }
      };

  @BeforeEach
  void open() throws Exception {
    ChannelPair pair = ChannelPair.open();
    launcher =
        new ControlChannel<>(
            new SeqPacketChannel(pair.parentFd()), "child 1 (pid 1)", ChildToLauncher::decode);
    SeqPacketChannel childEnd = new SeqPacketChannel(pair.childFd());
    child = new ControlChannel<>(childEnd, "the launcher", LauncherToChild::decode);
    // The same end, for what no well-behaved sender would send.
    raw = childEnd;
  }

  @AfterEach
  void close() {
    child.close();
    launcher.close();
  }

  @Test
  @Timeout(20)
  void anOversizedAndAMalformedMessageAreCountedAndSkipped() throws Exception {
    int fdsBefore = openFds();
    launcher.startReading("test-control", true, receiver);

    byte[] tooLong = new byte[ControlMessage.MAX_BYTES + 1];
    Arrays.fill(tooLong, (byte) 'x');
    raw.send(tooLong, -1);
    ChannelPair passed = ChannelPair.open();
    raw.send("HELLO there".getBytes(StandardCharsets.UTF_8), passed.childFd());
    passed.close();
    assertTrue(child.send(new ChildToLauncher.Ready(812)));

    assertEquals(new ChildToLauncher.Ready(812), received.poll(10, TimeUnit.SECONDS));
    assertEquals(1, launcher.oversized());
    assertEquals(1, launcher.malformed());
    assertTrue(received.isEmpty(), received.toString());
    assertFalse(ended.isDone());
    // The descriptor that came with the malformed message was closed by the reader.
    await().atMost(Duration.ofSeconds(5)).until(() -> openFds() == fdsBefore);
  }

  @Test
  @Timeout(20)
  void aMessageAtTheLimitArrivesAndOneByteOverIsRefusedBySender() throws Exception {
    launcher.startReading("test-control", true, receiver);
    ChildToLauncher.Hosts atLimit = hostsOfLength(ControlMessage.MAX_BYTES);
    ChildToLauncher.Hosts over = hostsOfLength(ControlMessage.MAX_BYTES + 1);
    assertEquals(ControlMessage.MAX_BYTES + 1, over.encode().length);

    assertFalse(child.send(over), "a message above the limit is not sent");
    assertTrue(child.send(atLimit));
    assertTrue(child.send(new ChildToLauncher.Retiring()));

    ChildToLauncher first = received.poll(10, TimeUnit.SECONDS);
    assertInstanceOf(ChildToLauncher.Hosts.class, first);
    assertEquals(ControlMessage.MAX_BYTES, first.encode().length);
    assertEquals(new ChildToLauncher.Retiring(), received.poll(10, TimeUnit.SECONDS));
    assertEquals(0, launcher.oversized());
  }

  @Test
  @Timeout(20)
  void aFullChannelDropsReportsButNeverBlocksNorLosesWhatIsQueued() throws Exception {
    // Nobody reads yet: fill the channel with reports until one is dropped.
    ChildToLauncher.Load load = new ChildToLauncher.Load(new LoadReport(1, 2, 3, 4, 5, 6, 7));
    int sent = 0;
    while (child.droppedReports() == 0) {
      assertTrue(child.report(load), "the launcher is still there");
      sent++;
      assertTrue(sent < 1_000_000, "the channel never filled");
    }
    long dropped = child.droppedReports();
    // Must return at once although the channel is full; it is sent once there is room.
    child.sendLater(new ChildToLauncher.Retiring());

    launcher.startReading("test-control", true, receiver);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> received.contains(new ChildToLauncher.Retiring()));
    assertEquals(sent - dropped + 1, received.size());
  }

  @Test
  @Timeout(20)
  void theEndOfTheStreamEndsTheReader() throws Exception {
    Thread reader = launcher.startReading("test-control", true, receiver);
    child.close();
    assertEquals("end of stream", ended.get(10, TimeUnit.SECONDS));
    reader.join(10_000);
    assertFalse(reader.isAlive());
  }

  @Test
  @Timeout(20)
  void aPeerThatExitsWithUnreadMessagesEndsTheReaderToo() throws Exception {
    // The launcher's STOP is still unread when the child closes: the kernel resets the channel.
    // Linux marks the peer shut down and then sets ECONNRESET, not atomically, so a reader woken
    // in between sees a plain end of stream: either way the peer is gone and reading ends.
    assertTrue(launcher.send(new LauncherToChild.Stop()));
    Thread reader = launcher.startReading("test-control", true, receiver);
    child.close();
    String why = ended.get(10, TimeUnit.SECONDS);
    assertTrue(why.contains("ECONNRESET") || why.equals("end of stream"), why);
    reader.join(10_000);
    assertFalse(reader.isAlive());
  }

  @Test
  @Timeout(20)
  void theLastMessageEndsTheReader() throws Exception {
    BlockingQueue<LauncherToChild> toChild = new LinkedBlockingQueue<>();
    Thread reader =
        child.startReading(
            "test-child-control",
            true,
            new ControlChannel.Receiver<>() {
              @Override
              public void received(LauncherToChild message) {
                toChild.add(message);
              }

              @Override
              public void ended(String why) {}
            });
    assertTrue(launcher.send(new LauncherToChild.Stop()));
    assertEquals(new LauncherToChild.Stop(), toChild.poll(10, TimeUnit.SECONDS));
    reader.join(10_000);
    assertFalse(reader.isAlive(), "STOP is the last message a child reads");
  }

  @Test
  @Timeout(20)
  void aChannelClosedBeforeItsReaderRunsNeverReadsTheChannelThatGetsItsNumber() throws Exception {
    int number = launcher.channel().fd();
    launcher.close();
    // The launcher's next channel, for the next child, gets the lowest free number: the old one.
    ChannelPair next = ChannelPair.open();
    SeqPacketChannel nextEnd = null;
    SeqPacketChannel nextPeer = null;
    try {
      assertTrue(
          next.parentFd() == number || next.childFd() == number,
          "fd " + number + " not reused by " + next.parentFd() + "/" + next.childFd());
      nextEnd = new SeqPacketChannel(number);
      nextPeer = new SeqPacketChannel(next.parentFd() == number ? next.childFd() : next.parentFd());
      nextPeer.send("READY 4242".getBytes(StandardCharsets.US_ASCII), -1);

      // Only now does the old channel's reader thread get to run.
      Thread reader = launcher.startReading("test-control", true, receiver);
      assertEquals("closed by this end", ended.get(10, TimeUnit.SECONDS));
      reader.join(10_000);
      assertFalse(reader.isAlive());
      assertTrue(received.isEmpty(), "the old reader took the new channel's " + received);
      ReceivedPacket waiting = nextEnd.receiveNonBlocking(ControlMessage.MAX_BYTES);
      assertTrue(waiting.isMessage(), "the new channel lost its message: " + waiting.status());
      assertEquals("READY 4242", new String(waiting.payload(), StandardCharsets.US_ASCII));
    } finally {
      if (nextEnd != null) {
        nextEnd.close();
        nextPeer.close();
      } else {
        next.close();
      }
    }
  }

  @Test
  @Timeout(20)
  void closingWakesAReaderWaitingInRecvmsgThoughThePeerIsStillOpen() throws Exception {
    Thread reader = launcher.startReading("test-control", true, receiver);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Arrays.stream(reader.getStackTrace())
                    .anyMatch(f -> f.getMethodName().equals("recvmsg")));
    launcher.close();
    assertEquals("end of stream", ended.get(10, TimeUnit.SECONDS));
    reader.join(10_000);
    assertFalse(reader.isAlive());
    assertTrue(received.isEmpty(), received.toString());
    // The child sees its launcher gone, as when the launcher's end is closed.
    assertTrue(raw.receive(ControlMessage.MAX_BYTES).isEndOfStream());
    assertFalse(launcher.send(new LauncherToChild.Stop()), "nothing is sent on a closed channel");
  }

  /** A HOSTS message of exactly {@code length} bytes: one host with a name that long. */
  private static ChildToLauncher.Hosts hostsOfLength(int length) {
    long[] counts = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
    Map<String, long[]> hosts = new LinkedHashMap<>();
    hosts.put("h", counts);
    int base = new ChildToLauncher.Hosts(1, 1, 1, hosts).encode().length;
    hosts.clear();
    hosts.put("h".repeat(1 + length - base), counts);
    return new ChildToLauncher.Hosts(1, 1, 1, hosts);
  }

  private static int openFds() {
    String[] fds = new File("/proc/self/fd").list();
    return fds == null ? -1 : fds.length;
  }
}
