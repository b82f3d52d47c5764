package org.perchild.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.operator.OperatorReply;
import org.perchild.posix.ChannelPair;
import org.perchild.posix.ReceivedPacket;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.ChildToLauncher;
import org.perchild.protocol.ControlChannel;
import org.perchild.protocol.ControlMessage;
import org.perchild.protocol.LauncherToChild;

/** {@code perchild dump SLOT} in the supervisor: asked, answered in parts, refused, too late. */
@Timeout(10)
class ChildDumpsTest {

  private static final int PID = 812;

  private final ChildDumps dumps = new ChildDumps();
  private SeqPacketChannel childEnd;
  private ChildSlot child;

  @BeforeEach
  void runningChild() throws Exception {
    ChannelPair pair = ChannelPair.open();
    child = new ChildSlot(1, null, 1);
    child.pid = PID;
    child.ready = true;
    child.control =
        new ControlChannel<>(
            new SeqPacketChannel(pair.parentFd()), "child 1", ChildToLauncher::decode);
    childEnd = new SeqPacketChannel(pair.childFd());
  }

  @AfterEach
  void close() throws Exception {
    childEnd.close();
    child.control.channel().close();
  }

  /** The request number of the DUMP the child received. */
  private long asked() throws Exception {
    ReceivedPacket packet = childEnd.receive(ControlMessage.MAX_BYTES);
    return ((LauncherToChild.Dump) LauncherToChild.decode(packet.payload(), packet.fd())).request();
  }

  @Test
  void theWholeDumpIsTheReplyOnceEveryPartCame() throws Exception {
    CompletableFuture<OperatorReply> reply = new CompletableFuture<>();
    dumps.ask(1, child, reply, 0);
    long request = asked();
    String text = "ChildProcess@1{STARTED}\n".repeat(20_000);
    List<ChildToLauncher.DumpPart> parts = ChildToLauncher.DumpPart.split(request, text);
    assertTrue(parts.size() > 1);
    for (ChildToLauncher.DumpPart part : parts) {
      assertFalse(reply.isDone());
      // A part on another child's channel does not count.
      dumps.part(2, PID, part);
      dumps.part(1, PID, part);
    }
    assertEquals(OperatorReply.ok(text), reply.get(1, TimeUnit.SECONDS));
  }

  @Test
  void aSlotWithoutARunningChildOrAChildThatDoesNotAnswerIsAnError() throws Exception {
    CompletableFuture<OperatorReply> noSlot = new CompletableFuture<>();
    dumps.ask(9, null, noSlot, 0);
    assertEquals(OperatorReply.error("there is no child slot 9"), noSlot.getNow(null));
    child.ready = false;
    CompletableFuture<OperatorReply> notReady = new CompletableFuture<>();
    dumps.ask(1, child, notReady, 0);
    assertEquals(OperatorReply.error("child slot 1 has no running child"), notReady.getNow(null));
    child.ready = true;
    CompletableFuture<OperatorReply> late = new CompletableFuture<>();
    dumps.ask(1, child, late, 0);
    asked();
    dumps.expire(TimeUnit.SECONDS.toNanos(ChildDumps.ANSWER_SECONDS) - 1);
    assertFalse(late.isDone());
    dumps.expire(TimeUnit.SECONDS.toNanos(ChildDumps.ANSWER_SECONDS) + 1);
    assertFalse(late.getNow(null).ok());
    assertTrue(late.getNow(null).text().contains("did not answer"), late.getNow(null).text());
  }

  @Test
  void aDumpWithAMissingPartIsAnError() throws Exception {
    CompletableFuture<OperatorReply> reply = new CompletableFuture<>();
    dumps.ask(1, child, reply, 0);
    long request = asked();
    dumps.part(1, PID, new ChildToLauncher.DumpPart(request, 1, 3, "a"));
    dumps.part(1, PID, new ChildToLauncher.DumpPart(request, 3, 3, "c"));
    assertFalse(reply.getNow(null).ok());
    assertTrue(reply.getNow(null).text().contains("incomplete"), reply.getNow(null).text());
  }
}
