package org.perchild.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.perchild.posix.ChannelPair;
import org.perchild.posix.Descriptors;
import org.perchild.posix.MemoryFile;
import org.perchild.posix.SeqPacketChannel;

/** A spare's assignment over a real SEQPACKET pair, with real descriptors passed. */
class SpareAssignmentTest {

  private static final ChildArguments ARGS =
      new ChildArguments(
          Path.of("/srv/perchild root"),
          Path.of("/srv/perchild root/conf/perchild.conf"),
          7,
          3,
          "alice",
          40001,
          40001,
          40001,
          40001);

  @Test
  void anAssignmentArrivesWholeWithItsThreeDescriptors() throws Exception {
    ChannelPair control = ChannelPair.open();
    SeqPacketChannel launcher = new SeqPacketChannel(control.parentFd());
    SeqPacketChannel spare = new SeqPacketChannel(control.childFd());
    int log = MemoryFile.create("log", "the log".getBytes(StandardCharsets.UTF_8));
    int config = MemoryFile.create("config", "the config".getBytes(StandardCharsets.UTF_8));
    ChannelPair handoff = ChannelPair.open();
    try {
      SpareAssignment.sayWaiting(spare);
      assertTrue(SpareAssignment.waitingSaid(launcher));
      assertFalse(SpareAssignment.waitingSaid(launcher));
      new SpareAssignment(
              ARGS, List.of("HOME=/home/alice", "USER=alice"), log, handoff.childFd(), config)
          .send(launcher);
      SpareAssignment got = SpareAssignment.receive(spare).orElseThrow();
      assertEquals(ARGS, got.arguments());
      assertEquals(List.of("HOME=/home/alice", "USER=alice"), got.environment());
      // Copies of the sender's descriptors: the same open files, under new numbers (read, then
      // closed).
      assertArrayEquals(
          "the log".getBytes(StandardCharsets.UTF_8), MemoryFile.readToEnd(got.logFd(), 100));
      assertArrayEquals(
          "the config".getBytes(StandardCharsets.UTF_8), MemoryFile.readToEnd(got.configFd(), 100));
      new SeqPacketChannel(handoff.parentFd()).send("through".getBytes(), -1);
      assertEquals(
          "through", new String(new SeqPacketChannel(got.handoffFd()).receive(100).payload()));
      Descriptors.close(got.handoffFd());
    } finally {
      for (int fd :
          new int[] {
            log,
            config,
            handoff.parentFd(),
            handoff.childFd(),
            control.parentFd(),
            control.childFd()
          }) {
        Descriptors.close(fd);
      }
    }
  }

  @Test
  void aChannelThatEndsBeforeTheAssignmentMeansTheSpareIsNotWanted() throws Exception {
    ChannelPair control = ChannelPair.open();
    Descriptors.close(control.parentFd());
    try {
      assertEquals(
          Optional.empty(), SpareAssignment.receive(new SeqPacketChannel(control.childFd())));
    } finally {
      Descriptors.close(control.childFd());
    }
  }

  @Test
  void packetsOutOfOrderOrMalformedAreRefused() throws Exception {
    ChannelPair control = ChannelPair.open();
    SeqPacketChannel launcher = new SeqPacketChannel(control.parentFd());
    SeqPacketChannel spare = new SeqPacketChannel(control.childFd());
    try {
      launcher.send("BECOME\n\n--slot 1".getBytes(StandardCharsets.UTF_8), -1);
      IOException first = assertThrows(IOException.class, () -> SpareAssignment.receive(spare));
      assertTrue(
          first.getMessage().contains("expected 'SPARE-FD log' with a descriptor"),
          first.getMessage());
      IOException ended =
          assertThrows(
              IOException.class, () -> SpareAssignment.parseBecome("BECOME\nHOME=/x", new int[3]));
      assertTrue(ended.getMessage().contains("without the blank line"), ended.getMessage());
      IOException args =
          assertThrows(
              IOException.class, () -> SpareAssignment.parseBecome("BECOME\n\n--slot", new int[3]));
      assertTrue(args.getMessage().startsWith("BECOME refused"), args.getMessage());
      assertThrows(
          IllegalArgumentException.class,
          () -> new SpareAssignment(ARGS, List.of("NOEQUALS"), 1, 2, 3));
    } finally {
      Descriptors.close(control.parentFd());
      Descriptors.close(control.childFd());
    }
  }

  @Test
  void theBecomeTextReadsBack() throws Exception {
    SpareAssignment a =
        new SpareAssignment(ARGS, List.of("HOME=/nonexistent", "LANG=C.UTF-8"), 10, 11, 12);
    SpareAssignment back = SpareAssignment.parseBecome(a.becomeText(), new int[] {10, 11, 12});
    assertEquals(a, back);
  }
}
