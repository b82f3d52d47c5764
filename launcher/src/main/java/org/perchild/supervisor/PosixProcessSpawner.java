package org.perchild.supervisor;

import java.util.Optional;
import org.perchild.posix.ChildProcesses;
import org.perchild.posix.ExitStatus;
import org.perchild.posix.PosixException;
import org.perchild.posix.PosixSpawn;
import org.perchild.protocol.ProcessCommand;

/**
 * The {@link ProcessSpawner} of a running server: {@code posix_spawnp} with the command's
 * descriptors dup'ed into place ({@link ProcessCommand#spawn}, which is {@link PosixSpawn}), {@code
 * kill} and {@code waitpid(-1, WNOHANG)} ({@link ChildProcesses}).
 */
final class PosixProcessSpawner implements ProcessSpawner {

  @Override
  public int spawn(ProcessCommand command) throws PosixException {
    return command.spawn();
  }

  @Override
  public boolean signal(int pid, int signal) throws PosixException {
    return ChildProcesses.signal(pid, signal);
  }

  @Override
  public Optional<ExitStatus> reap() {
    ExitStatus status;
    try {
      status = ChildProcesses.reapAny();
    } catch (PosixException e) {
      return Optional.empty(); // ECHILD: nothing left to reap
    }
    return status.state() == ExitStatus.State.RUNNING ? Optional.empty() : Optional.of(status);
  }
}
