package org.perchild.supervisor;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * httpd's escalation for processes that do not stop when told, as data: SIGTERM 3, 5 and 7 s after
 * the stop, SIGKILL after 9 s, each counted from the end of the grace ({@code
 * GracefulShutdownTimeout} for a graceful stop, none for a stop). The {@link Supervisor}'s loop
 * asks {@link #due} on every turn while it stops and signals what is left when a step is due; the
 * steps are taken in order, at most one per turn.
 *
 * <pre>
 *   step 0 ──3 s──▶ TERM ──5 s──▶ TERM ──7 s──▶ TERM ──9 s──▶ KILL ──▶ nothing more is due
 *   (grace -1: nothing is ever due; the processes stop when they are done)
 * </pre>
 */
final class StopEscalation {

  /** One row of the table: so many seconds after the grace, this signal. */
  record Step(int seconds, int signal) {

    /** The signal's name for the log line. */
    String signalName() {
      return signal == 9 ? "SIGKILL" : "SIGTERM";
    }
  }

  /** The table, in the order the steps are taken. */
  static final List<Step> STEPS =
      List.of(new Step(3, 15), new Step(5, 15), new Step(7, 15), new Step(9, 9));

  private final long graceSeconds;

  /**
   * The escalation of one stop.
   *
   * @param graceSeconds seconds before the table starts; -1 for never (a graceful stop without a
   *     limit)
   */
  StopEscalation(long graceSeconds) {
    this.graceSeconds = graceSeconds;
  }

  /**
   * The step due once {@code done} steps have been taken and {@code elapsedNanos} have passed since
   * the stop, or null if none is.
   */
  Step due(int done, long elapsedNanos) {
    if (done >= STEPS.size() || graceSeconds < 0) {
      return null;
    }
    Step step = STEPS.get(done);
    return elapsedNanos >= TimeUnit.SECONDS.toNanos(afterSeconds(step)) ? step : null;
  }

  /** Seconds after the stop at which {@code step} is due: what the log line says. */
  long afterSeconds(Step step) {
    return step.seconds() + graceSeconds;
  }
}
