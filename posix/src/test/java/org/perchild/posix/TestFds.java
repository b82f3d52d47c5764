package org.perchild.posix;

import java.io.ByteArrayOutputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** Raw descriptor helpers for the tests: pipes, reads and writes, the int fd of a JDK socket. */
final class TestFds {

  private TestFds() {}

  /** A close-on-exec pipe: [read end, write end]. */
  static int[] pipe() throws PosixException {
    int[] fds = new int[2];
    if (LibC.get().pipe2(fds, LibC.O_CLOEXEC) != 0) {
      throw PosixException.lastError("pipe2");
    }
    return fds;
  }

  static void write(int fd, String text) throws PosixException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    long written = LibC.get().write(fd, bytes, bytes.length);
    if (written != bytes.length) {
      throw PosixException.lastError("write(fd " + fd + ")");
    }
  }

  /** One read of up to 4096 bytes; "" at end of file. */
  static String readSome(int fd) throws PosixException {
    byte[] buffer = new byte[4096];
    long n = LibC.get().read(fd, buffer, buffer.length);
    if (n < 0) {
      throw PosixException.lastError("read(fd " + fd + ")");
    }
    return new String(buffer, 0, (int) n, StandardCharsets.UTF_8);
  }

  /** Everything until end of file. */
  static String readAll(int fd) throws PosixException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    while (true) {
      long n = LibC.get().read(fd, buffer, buffer.length);
      if (n < 0) {
        throw PosixException.lastError("read(fd " + fd + ")");
      }
      if (n == 0) {
        return all.toString(StandardCharsets.UTF_8);
      }
      all.write(buffer, 0, (int) n);
    }
  }

  /** The int fd behind a JDK socket channel, as the acceptor takes it (SelChImpl.getFDVal). */
  static int fdOf(SocketChannel channel) throws ReflectiveOperationException {
    return (int) Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal").invoke(channel);
  }

  /** Whether {@code fd} is open in this process. */
  static boolean isOpen(int fd) {
    return LibC.get().fcntl(fd, LibC.F_GETFD, 0) >= 0;
  }
}
