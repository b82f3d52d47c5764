package org.perchild.posix;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The scheduling priority (nice value) of another process. Linux keeps it per thread, and a new
 * thread takes its creator's: {@link #set} changes every thread the process has now, so the threads
 * those create follow. Lowering a nice value below 0 takes root.
 */
public final class Priorities {

  private static final int PRIO_PROCESS = 0;

  private Priorities() {}

  /**
   * Sets the nice value of every thread of {@code pid}.
   *
   * @return how many threads took it (0 if the process has gone)
   * @throws PosixException if a thread that exists refused it (not root, say)
   */
  public static int set(int pid, int nice) throws PosixException {
    int done = 0;
    try (DirectoryStream<Path> tasks =
        Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks) {
        int tid;
        try {
          tid = Integer.parseInt(task.getFileName().toString());
        } catch (NumberFormatException e) {
          continue;
        }
        if (LibC.get().setpriority(PRIO_PROCESS, tid, nice) == 0) {
          done++;
        } else if (LibC.errno() != LibC.ESRCH) {
          throw PosixException.lastError("setpriority(" + tid + ", " + nice + ")");
        }
      }
    } catch (IOException e) {
      // The process (or the thread) has gone meanwhile.
      return done;
    }
    return done;
  }
}
