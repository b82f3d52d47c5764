package org.perchild.supervisor;

import java.util.Optional;
import org.perchild.posix.ExitStatus;
import org.perchild.posix.PosixException;
import org.perchild.protocol.ProcessCommand;
import org.slf4j.LoggerFactory;

/**
 * How the supervisor starts, signals and reaps its processes. {@link #posix()} is the real one
 * ({@code posix_spawn}, {@code kill}, {@code waitpid}); the unit tests of the supervisor's state
 * machine give it one that starts nothing and plays the processes itself.
 */
interface ProcessSpawner {

  /** Starts what {@code command} describes and returns its pid. */
  int spawn(ProcessCommand command) throws PosixException;

  /**
   * Sends {@code signal} to {@code pid}.
   *
   * @return false if there is no such process any more
   */
  boolean signal(int pid, int signal) throws PosixException;

  /** The next process that has ended, reaped; empty if none has (or there are none). */
  Optional<ExitStatus> reap();

  /**
   * Signals {@code pid} if it is one process, logging a failure: never 0 or -1, which would signal
   * a whole process group, or everything.
   */
  default void signalIfRunning(int pid, int signal) {
    if (pid <= 0) {
      return;
    }
    try {
      signal(pid, signal);
    } catch (PosixException e) {
      LoggerFactory.getLogger("perchild").warn("kill({}, {}): {}", pid, signal, e.getMessage());
    }
  }

  /** The real one: {@link PosixProcessSpawner}. */
  static ProcessSpawner posix() {
    return new PosixProcessSpawner();
  }
}
