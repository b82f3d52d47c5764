package org.perchild.supervisor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.perchild.operator.OperatorReply;
import org.perchild.protocol.ChildToLauncher;
import org.perchild.protocol.DumpParts;
import org.perchild.protocol.LauncherToChild;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code perchild dump SLOT} in the launcher: sends {@link LauncherToChild.Dump} to the slot's
 * current child, puts its {@link ChildToLauncher.DumpPart}s back together ({@link DumpParts}) and
 * answers the operator with the whole text; or with an error if the slot has no running child, a
 * part went missing, or the child does not answer within {@link #ANSWER_SECONDS}. A part counts
 * only if it came on the channel of the child that was asked (its slot and pid), never by what it
 * says: docs/ARCHITECTURE.md, invariant 6. Only the supervisor's thread uses it.
 *
 * <pre>
 *   ask ──DUMP sent──▶ waiting ──last part──▶ answered OK (removed)
 *                         ├──a part missing or out of order──▶ answered ERROR (removed)
 *                         └──ANSWER_SECONDS pass──▶ answered ERROR (removed)
 * </pre>
 */
final class ChildDumps {

  /** How long a child has to answer a dump. */
  static final long ANSWER_SECONDS = 5;

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  private record Waiting(
      int slot, int pid, DumpParts parts, CompletableFuture<OperatorReply> reply, long deadline) {}

  private final Map<Long, Waiting> waiting = new LinkedHashMap<>();
  private long lastRequest;

  /**
   * Asks {@code child}, the current child of {@code slot} (null if there is no such slot), for its
   * dump; {@code reply} is completed when it has answered, or at once if it cannot.
   *
   * @param now the supervisor's clock, in nanoseconds
   */
  void ask(int slot, ChildSlot child, CompletableFuture<OperatorReply> reply, long now) {
    if (child == null) {
      reply.complete(OperatorReply.error("there is no child slot " + slot));
      return;
    }
    if (child.pid == 0 || !child.ready || child.control == null) {
      reply.complete(OperatorReply.error("child slot " + slot + " has no running child"));
      return;
    }
    long request = ++lastRequest;
    if (!ControlDispatch.send(child.control, new LauncherToChild.Dump(request))) {
      reply.complete(
          OperatorReply.error("cannot ask child " + slot + " (pid " + child.pid + ") for a dump"));
      return;
    }
    long deadline = now + TimeUnit.SECONDS.toNanos(ANSWER_SECONDS);
    waiting.put(request, new Waiting(slot, child.pid, new DumpParts(request), reply, deadline));
  }

  /** A part that came on the channel of {@code slot}'s process {@code pid}. */
  void part(int slot, int pid, ChildToLauncher.DumpPart part) {
    Waiting asked = waiting.get(part.request());
    if (asked == null || asked.slot() != slot || asked.pid() != pid) {
      LOG.debug("child {} (pid {}): a dump part nobody waits for", slot, pid);
      return;
    }
    switch (asked.parts().add(part)) {
      case COMPLETE -> {
        waiting.remove(part.request());
        asked.reply().complete(OperatorReply.ok(asked.parts().text()));
      }
      case SPOILED -> {
        waiting.remove(part.request());
        asked
            .reply()
            .complete(
                OperatorReply.error(
                    "the dump of child "
                        + slot
                        + " (pid "
                        + pid
                        + ") arrived incomplete: a part is missing"));
      }
      case WAITING -> {
        // more to come
      }
    }
  }

  /** Answers, with an error, every request whose child has not answered in time. */
  void expire(long now) {
    List<Long> late = new ArrayList<>();
    waiting.forEach(
        (request, asked) -> {
          if (now - asked.deadline() > 0) {
            late.add(request);
          }
        });
    for (Long request : late) {
      Waiting asked = waiting.remove(request);
      asked
          .reply()
          .complete(
              OperatorReply.error(
                  "child "
                      + asked.slot()
                      + " (pid "
                      + asked.pid()
                      + ") did not answer the dump within "
                      + ANSWER_SECONDS
                      + " s"));
    }
  }
}
