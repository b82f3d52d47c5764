package org.perchild.posix;

import java.io.ByteArrayOutputStream;

/**
 * An anonymous file in memory ({@code memfd_create}) that carries bytes from the launcher to a
 * process it spawns or messages: the launcher writes them, seals the file against any change, and
 * passes the descriptor (as a spawn file action or with {@code SCM_RIGHTS}); the receiver reads it
 * to its end and closes it. Nothing is ever on disk, so no path exists that another tenant could
 * open, and the receiver needs no permission on any file to read what it was given.
 *
 * <p>The file offset belongs to the open file, which every copy of the descriptor shares: a
 * descriptor is therefore read once, by one process; the launcher creates a new one for each
 * process or message.
 */
public final class MemoryFile {

  private static final int CHUNK = 64 * 1024;

  private MemoryFile() {}

  /**
   * A new sealed memory file holding {@code bytes}, positioned at its start, close-on-exec (a spawn
   * file action's {@code dup2} clears that flag on the copy the process gets).
   *
   * @param name what {@code /proc/PID/fd} shows for it ({@code memfd:name})
   * @return the descriptor, owned by the caller
   */
  public static int create(String name, byte[] bytes) throws PosixException {
    int fd = LibC.get().memfd_create(name, LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING);
    if (fd < 0) {
      throw PosixException.lastError("memfd_create(" + name + ")");
    }
    try {
      int written = 0;
      while (written < bytes.length) {
        byte[] rest =
            written == 0 ? bytes : java.util.Arrays.copyOfRange(bytes, written, bytes.length);
        long n = LibC.get().write(fd, rest, rest.length);
        if (n < 0) {
          int errno = LibC.errno();
          if (errno == LibC.EINTR) {
            continue;
          }
          throw new PosixException("write(memfd " + name + ", fd " + fd + ")", errno);
        }
        written += (int) n;
      }
      // Sealed, the receiver gets exactly these bytes: neither it nor anyone else can change them.
      int seals = LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_WRITE | LibC.F_SEAL_SEAL;
      if (LibC.get().fcntl(fd, LibC.F_ADD_SEALS, seals) != 0) {
        throw PosixException.lastError("fcntl(memfd " + name + ", fd " + fd + ", F_ADD_SEALS)");
      }
      if (LibC.get().lseek(fd, 0, LibC.SEEK_SET) != 0) {
        throw PosixException.lastError("lseek(memfd " + name + ", fd " + fd + ", 0, SEEK_SET)");
      }
      return fd;
    } catch (PosixException e) {
      Descriptors.closeAfter(e, fd);
      throw e;
    }
  }

  /**
   * Reads {@code fd} from where it stands to its end, then closes it (also when the read fails).
   *
   * @param limit the most bytes accepted: more is refused, never read into memory
   */
  public static byte[] readToEnd(int fd, int limit) throws PosixException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[CHUNK];
    try {
      while (true) {
        long n = LibC.get().read(fd, buffer, buffer.length);
        if (n < 0) {
          int errno = LibC.errno();
          if (errno == LibC.EINTR) {
            continue;
          }
          throw new PosixException("read(fd " + fd + ")", errno);
        }
        if (n == 0) {
          break;
        }
        if (out.size() + n > limit) {
          throw new PosixException(
              "read(fd " + fd + "): more than " + limit + " bytes", LibC.EFBIG);
        }
        out.write(buffer, 0, (int) n);
      }
    } catch (PosixException e) {
      Descriptors.closeAfter(e, fd);
      throw e;
    }
    Descriptors.close(fd);
    return out.toByteArray();
  }
}
