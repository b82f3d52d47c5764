package org.perchild.posix;

/**
 * The two ends of a new channel: a connected {@code socketpair(AF_UNIX, SOCK_SEQPACKET |
 * SOCK_CLOEXEC)}. The launcher creates one per child for hand-off and one for control, keeps {@link
 * #parentFd()} and places {@link #childFd()} in the child at spawn (docs/ARCHITECTURE.md, invariant
 * 7: no path on disk another tenant could connect to). Both ends are close-on-exec, so neither
 * leaks into any other program; {@link PosixSpawn} clears the flag only on the copy it puts in
 * place.
 *
 * @param parentFd the end the creating process keeps
 * @param childFd the end meant for the other process
 */
public record ChannelPair(int parentFd, int childFd) {

  /** Creates a new connected pair of SEQPACKET sockets, both close-on-exec. */
  public static ChannelPair open() throws PosixException {
    int[] fds = new int[2];
    int rc = LibC.get().socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, fds);
    if (rc != 0) {
      throw PosixException.lastError("socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC)");
    }
    return new ChannelPair(fds[0], fds[1]);
  }

  /** Closes both ends; if both fail, the second failure is suppressed in the first. */
  public void close() throws PosixException {
    try {
      Descriptors.close(parentFd);
    } catch (PosixException e) {
      Descriptors.closeAfter(e, childFd);
      throw e;
    }
    Descriptors.close(childFd);
  }
}
