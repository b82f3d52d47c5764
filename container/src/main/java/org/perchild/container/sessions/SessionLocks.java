package org.perchild.container.sessions;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes "look at a session's file, then replace or delete it" one step for every process of a
 * tenant, so that a late write never brings back a session another child has invalidated, nor
 * overwrites a newer one with an older one. Readers take no lock: a file is replaced in one step
 * ({@link Exchange}, or {@code rename}), so they see the old file or the new one. A writer takes it
 * only once its new file is written, for the look and the replacement.
 *
 * <p>A lock is one of {@value #STRIPES} stripes, chosen by the session id: a {@code fcntl} lock on
 * that byte of the directory's {@code .lock} file, which excludes the other processes and is
 * released by the kernel if the process dies, and a {@link ReentrantLock} for the same stripe,
 * which excludes the other threads of this JVM ({@code fcntl} locks belong to the process). A
 * directory has one instance per JVM, shared by the stores of all its contexts.
 */
final class SessionLocks {

  static final String FILE_NAME = ".lock";

  private static final int STRIPES = 64;
  private static final ConcurrentMap<Path, SessionLocks> BY_DIRECTORY = new ConcurrentHashMap<>();

  private final Path file;
  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
  private FileChannel channel;

  /** A held lock; {@link #close()} releases it. */
  interface Held extends AutoCloseable {
    @Override
    void close() throws IOException;
  }

  private SessionLocks(Path directory) {
    this.file = directory.resolve(FILE_NAME);
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  /** The locks of {@code directory} (a real path) in this JVM. */
  static SessionLocks of(Path directory) {
    return BY_DIRECTORY.computeIfAbsent(directory, SessionLocks::new);
  }

  /**
   * Waits for the lock of the stripe of {@code key}, a session file's name (a name, not an id, so
   * that every store of the directory, whatever its context, agrees on it). A thread that holds the
   * stripe already holds it again.
   */
  Held lock(String key) throws IOException {
    int stripe = Math.floorMod(key.hashCode(), STRIPES);
    ReentrantLock local = stripes[stripe];
    local.lock();
    if (local.getHoldCount() > 1) {
      // Ours already, the fcntl lock too, which Java would refuse to take twice.
      return local::unlock;
    }
    // An interrupted thread would close the channel (it is interruptible) and so drop every lock
    // this process holds on the file: the flag waits until the lock is ours.
    boolean interrupted = Thread.interrupted();
    try {
      FileLock held = acquire(stripe);
      return () -> {
        try {
          if (held.isValid()) {
            held.release();
          }
        } finally {
          local.unlock();
        }
      };
    } catch (IOException | RuntimeException e) {
      local.unlock();
      throw e;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private FileLock acquire(int stripe) throws IOException {
    try {
      return channel().lock(stripe, 1, false);
    } catch (ClosedChannelException e) {
      // Closed by an interrupt that came while another thread waited: open it again.
      return channel().lock(stripe, 1, false);
    }
  }

  private synchronized FileChannel channel() throws IOException {
    if (channel == null || !channel.isOpen()) {
      channel =
          FileChannel.open(
              file,
              Set.<OpenOption>of(
                  StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    return channel;
  }
}
