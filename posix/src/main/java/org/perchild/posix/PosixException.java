package org.perchild.posix;

import java.io.IOException;
import jnr.constants.platform.Errno;

/**
 * A system call failed: carries the call as it was made (name and the argument that identifies it,
 * e.g. {@code sendmsg(fd 12)}), the error number and its symbolic name. Every class of this package
 * throws it for an unexpected errno; the outcomes callers must handle as ordinary results ({@code
 * EAGAIN} on a full channel, {@code ESRCH} for a process that is gone) are returned as values
 * instead. The message reads {@code sendmsg(fd 12): EPIPE (Broken pipe)}.
 *
 * <p>It is an {@link IOException} because most of these failures are I/O on descriptors; callers
 * higher up add what the descriptor meant ({@code child 3 has gone}).
 */
public final class PosixException extends IOException {

  private static final long serialVersionUID = 1L;

  private final String call;
  private final int errno;

  /**
   * @param call the call and its identifying argument, e.g. {@code close(fd 7)}
   * @param errno the error number the call reported
   */
  public PosixException(String call, int errno) {
    super(call + ": " + describe(errno));
    this.call = call;
    this.errno = errno;
  }

  /** The failure of {@code call} with the {@code errno} this thread saved from the last call. */
  static PosixException lastError(String call) {
    return new PosixException(call, LibC.errno());
  }

  /** The call and its identifying argument, e.g. {@code sendmsg(fd 12)}. */
  public String call() {
    return call;
  }

  /** The error number, e.g. 32. */
  public int errno() {
    return errno;
  }

  /** The symbolic name of the error, e.g. {@code EPIPE}, or {@code errno 4242} if unknown. */
  public String errnoName() {
    return name(errno);
  }

  /** {@code EPIPE (Broken pipe)} for 32: the name and the C library's meaning. */
  public static String describe(int errno) {
    Errno constant = Errno.valueOf(errno);
    if (!constant.defined()) {
      return "errno " + errno;
    }
    return constant.name() + " (" + constant.description() + ")";
  }

  private static String name(int errno) {
    Errno constant = Errno.valueOf(errno);
    return constant.defined() ? constant.name() : "errno " + errno;
  }
}
