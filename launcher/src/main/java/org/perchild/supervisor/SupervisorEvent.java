package org.perchild.supervisor;

import java.util.concurrent.CompletableFuture;
import org.perchild.operator.OperatorReply;
import org.perchild.protocol.ControlMessage;

/**
 * Something the {@link Supervisor}'s loop must act on. Signal handlers, the operator's socket and
 * the control-channel readers of {@link ControlDispatch} only create these and put them on the
 * loop's queue; an operator's command also carries its reply.
 *
 * @param kind what happened
 * @param slot the child's slot for a control message or a dump, {@link ControlDispatch#ACCEPTOR}
 *     for the acceptor's, else 0
 * @param pid the process whose channel a control message came on, else 0
 * @param text the signal's or command's name, the status format, or why a channel ended
 * @param message the control message that came, for {@link Kind#CONTROL}, else null
 * @param reply completed by the loop for an operator's command, else null
 */
record SupervisorEvent(
    Kind kind,
    int slot,
    int pid,
    String text,
    ControlMessage message,
    CompletableFuture<OperatorReply> reply) {

  /** What happened. */
  enum Kind {
    CONTROL,
    CONTROL_EOF,
    STOP,
    GRACEFUL_STOP,
    RESTART,
    GRACEFUL,
    STATUS,
    DUMP,
    /** SIGCHLD: a process exited; the turn's reap finds which. */
    EXITED
  }

  SupervisorEvent(Kind kind, int slot, int pid, String text) {
    this(kind, slot, pid, text, null, null);
  }

  SupervisorEvent(Kind kind, int slot, int pid, String text, CompletableFuture<OperatorReply> r) {
    this(kind, slot, pid, text, null, r);
  }

  /** Completes the operator's reply, if an operator asked. */
  void answer(OperatorReply answer) {
    if (reply != null) {
      reply.complete(answer);
    }
  }
}
