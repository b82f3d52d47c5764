package org.perchild.posix;

/**
 * Checked operations on raw file descriptors: closing, the close-on-exec flag, duplicating. The
 * launcher and the children hold channel and socket descriptors as plain {@code int}s (they cross
 * process boundaries, where no Java object can follow); this is how they are managed.
 */
public final class Descriptors {

  private Descriptors() {}

  /**
   * Closes {@code fd}. On Linux the descriptor is released even when {@code close} reports {@code
   * EINTR}, so that case counts as closed; retrying could close a descriptor another thread has
   * just been given.
   */
  public static void close(int fd) throws PosixException {
    if (LibC.get().close(fd) != 0) {
      int errno = LibC.errno();
      if (errno != LibC.EINTR) {
        throw new PosixException("close(fd " + fd + ")", errno);
      }
    }
  }

  /**
   * Closes {@code fd} on a path that is already failing: a second failure is attached to {@code
   * failure} as suppressed rather than hiding it.
   */
  public static void closeAfter(Throwable failure, int fd) {
    try {
      close(fd);
    } catch (PosixException e) {
      failure.addSuppressed(e);
    }
  }

  /** Whether {@code fd} is closed automatically when this process executes another program. */
  public static boolean isCloseOnExec(int fd) throws PosixException {
    int flags = LibC.get().fcntl(fd, LibC.F_GETFD, 0);
    if (flags < 0) {
      throw PosixException.lastError("fcntl(fd " + fd + ", F_GETFD)");
    }
    return (flags & LibC.FD_CLOEXEC) != 0;
  }

  /** Sets or clears the close-on-exec flag of {@code fd}. */
  public static void setCloseOnExec(int fd, boolean closeOnExec) throws PosixException {
    int flags = LibC.get().fcntl(fd, LibC.F_GETFD, 0);
    if (flags < 0) {
      throw PosixException.lastError("fcntl(fd " + fd + ", F_GETFD)");
    }
    int wanted = closeOnExec ? flags | LibC.FD_CLOEXEC : flags & ~LibC.FD_CLOEXEC;
    if (LibC.get().fcntl(fd, LibC.F_SETFD, wanted) != 0) {
      throw PosixException.lastError("fcntl(fd " + fd + ", F_SETFD)");
    }
  }

  /**
   * Puts {@code fd} at the number {@code target} ({@code dup2}: whatever {@code target} was is
   * closed in the same step) and closes {@code fd}; nothing happens when they are the same.
   */
  public static void moveTo(int fd, int target) throws PosixException {
    if (fd == target) {
      return;
    }
    copyTo(fd, target);
    close(fd);
  }

  /** Makes {@code target} a second number of {@code fd} ({@code dup2}), closing what it was. */
  public static void copyTo(int fd, int target) throws PosixException {
    if (LibC.get().dup2(fd, target) < 0) {
      throw PosixException.lastError("dup2(fd " + fd + ", " + target + ")");
    }
  }

  /**
   * A close-on-exec duplicate of {@code fd} numbered {@code lowest} or above ({@code
   * F_DUPFD_CLOEXEC}).
   */
  public static int duplicate(int fd, int lowest) throws PosixException {
    int copy = LibC.get().fcntl(fd, LibC.F_DUPFD_CLOEXEC, lowest);
    if (copy < 0) {
      throw PosixException.lastError("fcntl(fd " + fd + ", F_DUPFD_CLOEXEC, " + lowest + ")");
    }
    return copy;
  }
}
