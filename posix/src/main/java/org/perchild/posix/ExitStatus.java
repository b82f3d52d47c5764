package org.perchild.posix;

import jnr.constants.platform.Signal;

/**
 * What {@code waitpid} said about a child: still running, exited with a code, or killed by a
 * signal. The launcher's supervisor loop decides from it whether to respawn (docs/ARCHITECTURE.md,
 * "Supervision": exit code 0 normal, 2 fatal, anything else or a signal is a crash).
 *
 * @param pid the child, or 0 when no child has changed state yet
 * @param state which of the outcomes this is
 * @param value the exit code for {@code EXITED}, the signal number for {@code KILLED}, else 0
 */
public record ExitStatus(int pid, State state, int value) {

  /** The states {@code waitpid} without {@code WUNTRACED}/{@code WCONTINUED} reports. */
  public enum State {
    /** No child has changed state yet ({@code WNOHANG} and nothing to reap). */
    RUNNING,
    /** The child called {@code exit}; {@link #value()} is its code. */
    EXITED,
    /** A signal ended the child; {@link #value()} is the signal number. */
    KILLED
  }

  static final ExitStatus NONE_YET = new ExitStatus(0, State.RUNNING, 0);

  /** Decodes a raw {@code waitpid} status word. */
  static ExitStatus decode(int pid, int status) {
    int termination = status & 0x7f;
    if (termination == 0) {
      return new ExitStatus(pid, State.EXITED, (status >> 8) & 0xff);
    }
    if (termination != 0x7f) {
      return new ExitStatus(pid, State.KILLED, termination);
    }
    // Stopped: only reported with WUNTRACED, which we never pass.
    throw new IllegalStateException("waitpid: unexpected stop status " + status + " of " + pid);
  }

  /** Whether the child exited with this code. */
  public boolean exitedWith(int code) {
    return state == State.EXITED && value == code;
  }

  /** Whether the child was killed by this signal. */
  public boolean killedBy(int signal) {
    return state == State.KILLED && value == signal;
  }

  @Override
  public String toString() {
    return switch (state) {
      case RUNNING -> "running";
      case EXITED -> "pid " + pid + " exited with code " + value;
      case KILLED -> "pid " + pid + " killed by signal " + value + signalName();
    };
  }

  private String signalName() {
    Signal signal = Signal.valueOf(value);
    return signal.defined() ? " (" + signal.name() + ")" : "";
  }
}
