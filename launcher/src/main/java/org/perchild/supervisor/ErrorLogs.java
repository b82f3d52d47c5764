package org.perchild.supervisor;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import jnr.constants.platform.OpenFlags;
import org.perchild.config.ChildGroup;
import org.perchild.config.ServerConfig;
import org.perchild.posix.Native;
import org.perchild.posix.PosixException;

/**
 * The descriptors the spawned processes' standard output and error go to: the main {@code ErrorLog}
 * for the acceptor (and the launcher's own lines are copied into it too), and each group's {@code
 * ErrorLog} for its children. {@link Supervisor#run()} opens it once; {@link AcceptorProcess} and
 * {@link ChildTable} ask it for the descriptor to give a process; a graceful restart closes the
 * children's logs so that its generation opens them anew (after logrotate, the new files).
 */
final class ErrorLogs {

  private final int errorLogFd;
  private final Path errorLog;
  private final Map<Path, Integer> childLogFds = new HashMap<>();

  private ErrorLogs(Path errorLog, int errorLogFd) {
    this.errorLog = errorLog;
    this.errorLogFd = errorLogFd;
  }

  /**
   * Opens the main error log for the children's and the acceptor's stdout and stderr.
   *
   * @param teeStandardError whether the launcher's own log lines (standard error) are copied into
   *     it as well; the unit tests leave their standard error alone
   */
  static ErrorLogs open(ServerConfig config, boolean teeStandardError) throws IOException {
    Path log = config.mainServer().errorLog();
    Files.createDirectories(log.getParent());
    int flags =
        OpenFlags.O_WRONLY.intValue()
            | OpenFlags.O_CREAT.intValue()
            | OpenFlags.O_APPEND.intValue()
            | OpenFlags.O_CLOEXEC.intValue();
    int fd = Native.posix().open(log.toString(), flags, 0640);
    if (fd < 0) {
      throw new PosixException("open(" + log + ")", Native.posix().errno());
    }
    ErrorLogs logs = new ErrorLogs(log, fd);
    if (teeStandardError && !standardErrorIs(log)) {
      // Not started by -k start, whose standard error is the log already.
      logs.teeStandardError();
    }
    return logs;
  }

  /** The main error log's descriptor: the acceptor's stdout and stderr. */
  int errorLogFd() {
    return errorLogFd;
  }

  /**
   * The descriptor a child's standard output and error go to: its group's {@code ErrorLog} (the
   * tenant's own file, prepared by {@link LogFiles}), or the main one. Opened once per file until
   * {@link #closeChildLogs()}.
   */
  int childLogFd(ServerConfig config, ChildGroup group) throws PosixException {
    Path path = config.childErrorLog(group).toAbsolutePath().normalize();
    if (path.equals(config.mainServer().errorLog().toAbsolutePath().normalize())) {
      return errorLogFd;
    }
    Integer open = childLogFds.get(path);
    if (open != null) {
      return open;
    }
    int flags =
        OpenFlags.O_WRONLY.intValue()
            | OpenFlags.O_APPEND.intValue()
            | OpenFlags.O_CLOEXEC.intValue();
    int fd = Native.posix().open(path.toString(), flags, 0);
    if (fd < 0) {
      throw new PosixException("open(" + path + ")", Native.posix().errno());
    }
    childLogFds.put(path, fd);
    return fd;
  }

  /** Closes the children's logs: the next child opens its file again. */
  void closeChildLogs() {
    for (int fd : childLogFds.values()) {
      ControlDispatch.close(fd);
    }
    childLogFds.clear();
  }

  private void teeStandardError() throws IOException {
    OutputStream file = new FileOutputStream(errorLog.toFile(), true);
    PrintStream terminal = System.err;
    System.setErr(
        new PrintStream(new TeeOutputStream(terminal, file), true, StandardCharsets.UTF_8));
  }

  private static boolean standardErrorIs(Path log) {
    try {
      return Files.isSameFile(Path.of("/proc/self/fd/2"), log);
    } catch (IOException e) {
      return false;
    }
  }

  /** Writes every byte to two streams: the terminal and the error log. */
  private static final class TeeOutputStream extends OutputStream {
    private final OutputStream first;
    private final OutputStream second;

    TeeOutputStream(OutputStream first, OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void write(int b) throws IOException {
      first.write(b);
      second.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      first.write(b, off, len);
      second.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      first.flush();
      second.flush();
    }
  }
}
