package org.perchild.posix;

/**
 * Reaps and signals the processes {@link PosixSpawn} started: {@code waitpid} and {@code kill},
 * checked. The launcher's supervisor loop reaps with {@link #reapAny()} on every tick and signals
 * children for graceful restart and stop.
 */
public final class ChildProcesses {

  private ChildProcesses() {}

  /**
   * Reaps {@code pid} if it has ended, without waiting.
   *
   * @throws PosixException {@code ECHILD} if {@code pid} is not an unreaped child of ours
   */
  public static ExitStatus reap(int pid) throws PosixException {
    if (pid <= 0) {
      throw new IllegalArgumentException("not a single pid: " + pid);
    }
    return waitpid(pid, LibC.WNOHANG);
  }

  /**
   * Reaps any one child that has ended, without waiting; {@code RUNNING} if none has.
   *
   * @throws PosixException {@code ECHILD} if this process has no children at all
   */
  public static ExitStatus reapAny() throws PosixException {
    return waitpid(-1, LibC.WNOHANG);
  }

  /** Waits until {@code pid} ends and reaps it. */
  public static ExitStatus waitFor(int pid) throws PosixException {
    if (pid <= 0) {
      throw new IllegalArgumentException("not a single pid: " + pid);
    }
    return waitpid(pid, 0);
  }

  /**
   * Sends {@code signal} to {@code pid}.
   *
   * @return {@code false} if there is no such process ({@code ESRCH}): it has already ended (a
   *     zombie still counts as existing until it is reaped)
   * @throws PosixException for any other failure, e.g. {@code EPERM}
   */
  public static boolean signal(int pid, int signal) throws PosixException {
    if (pid <= 0) {
      // kill(0) and kill(-1) reach whole process groups or everything: never what we mean.
      throw new IllegalArgumentException("not a single pid: " + pid);
    }
    if (LibC.get().kill(pid, signal) == 0) {
      return true;
    }
    int errno = LibC.errno();
    if (errno == LibC.ESRCH) {
      return false;
    }
    throw new PosixException("kill(pid " + pid + ", signal " + signal + ")", errno);
  }

  private static ExitStatus waitpid(int pid, int options) throws PosixException {
    int[] status = new int[1];
    while (true) {
      int reaped = LibC.get().waitpid(pid, status, options);
      if (reaped > 0) {
        return ExitStatus.decode(reaped, status[0]);
      }
      if (reaped == 0) {
        return ExitStatus.NONE_YET;
      }
      int errno = LibC.errno();
      if (errno != LibC.EINTR) {
        throw new PosixException(
            "waitpid(" + (pid == -1 ? "any child" : "pid " + pid) + ")", errno);
      }
    }
  }
}
