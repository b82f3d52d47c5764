package org.perchild.container.logging;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One access-log file, opened for appending when it starts and closed when it stops; every virtual
 * host of the child that names this file writes through the same instance. Each line goes to the
 * kernel in one {@code write} on an {@code O_APPEND} descriptor, so the lines of several children
 * of one tenant sharing the file never interleave within a line, and nothing waits in a buffer.
 *
 * <p>The file is opened by the child itself, after its privilege drop: it can open only what its
 * tenant may write (the launcher creates each file owned by its tenant beforehand).
 */
final class AccessLogFile extends AbstractLifeCycle {

  private static final Logger LOG = LoggerFactory.getLogger(AccessLogFile.class);

  private final Path path;
  private FileOutputStream out;
  private boolean failed;

  AccessLogFile(Path path) {
    this.path = path;
  }

  Path path() {
    return path;
  }

  @Override
  protected synchronized void doStart() throws IOException {
    try {
      out = new FileOutputStream(path.toFile(), true);
    } catch (IOException e) {
      throw new IOException("cannot open access log " + path + " for appending: " + e, e);
    }
    failed = false;
  }

  @Override
  protected synchronized void doStop() throws IOException {
    if (out != null) {
      out.close();
      out = null;
    }
  }

  /**
   * Appends {@code line} and a line end; a write error is logged once, never thrown at a request.
   */
  synchronized void append(String line) {
    if (out == null) {
      return;
    }
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      out.write(bytes);
      failed = false;
    } catch (IOException e) {
      if (!failed) {
        LOG.error("cannot write access log {}: {}", path, e.toString());
        failed = true;
      }
    }
  }

  @Override
  public String toString() {
    return "AccessLogFile[" + path + "]";
  }
}
