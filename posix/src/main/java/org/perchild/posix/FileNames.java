package org.perchild.posix;

import java.nio.file.Path;

/** What the kernel does with directory entries that {@code java.nio.file} cannot ask for. */
public final class FileNames {

  private static final int AT_FDCWD = -100;
  private static final int RENAME_EXCHANGE = 2;

  private FileNames() {}

  /**
   * Swaps the names of two existing files in one step: {@code renameat2(RENAME_EXCHANGE)}, atomic
   * as a {@code rename} is (no moment at which either name is missing).
   *
   * @throws PosixException with the call's {@code errno} ({@code ENOENT}: one of them does not
   *     exist; {@code EINVAL} or {@code ENOSYS}: the file system or the kernel cannot exchange)
   * @throws LinkageError if the C library has no {@code renameat2} (glibc before 2.28)
   */
  public static void exchange(Path from, Path to) throws PosixException {
    if (LibC.get().renameat2(AT_FDCWD, from.toString(), AT_FDCWD, to.toString(), RENAME_EXCHANGE)
        != 0) {
      throw PosixException.lastError("renameat2(" + from + ", " + to + ", RENAME_EXCHANGE)");
    }
  }
}
