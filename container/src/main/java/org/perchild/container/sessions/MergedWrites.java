package org.perchild.container.sessions;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongConsumer;

/**
 * The changes of one session that wait for its lock in this JVM, made one write, of the newest:
 * each would replace the one before, and none of their requests goes on before it is in place, so
 * each request's next one, wherever it goes, finds what it did or what a later request did (as it
 * would after the writes one by one). Writes that wait for one in progress wait on their queue, not
 * on the session's lock: one session's concurrent requests then make one write at a time between
 * them, not one each. {@link SessionFileStore} keeps one for its sessions.
 *
 * @param <T> a write, as the writer takes it
 */
final class MergedWrites<T> {

  /** Makes one write; it takes the session's lock itself. */
  interface Writer<T> {
    void write(T newest) throws IOException;
  }

  private final ConcurrentMap<String, Queue<T>> pending = new ConcurrentHashMap<>();

  /**
   * Makes {@code write} (of {@code version}) of the session named {@code name}, in {@code file}:
   * with {@code writer} on this thread, with the newest write of those that waited meanwhile; or,
   * when a newer write made while this one waited is in place (or was dropped as this one would
   * have been), not at all: {@code merged} is then told, under the queue's monitor, the version in
   * place.
   */
  void write(String name, Path file, T write, long version, Writer<T> writer, LongConsumer merged)
      throws IOException {
    Queue<T> queue = pending.computeIfAbsent(name, n -> new Queue<>());
    T taken;
    long takenVersion;
    long upTo;
    synchronized (queue) {
      long mine = ++queue.newest;
      queue.newestWrite = write;
      queue.newestVersion = version;
      while (queue.writing && queue.done < mine) {
        try {
          queue.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted waiting to write session file " + file);
        }
      }
      if (queue.done >= mine) {
        merged.accept(queue.written);
        return;
      }
      queue.writing = true;
      taken = queue.newestWrite;
      takenVersion = queue.newestVersion;
      upTo = queue.newest;
      queue.newestWrite = null;
    }
    boolean finished = false;
    try {
      writer.write(taken);
      finished = true;
    } finally {
      synchronized (queue) {
        queue.writing = false;
        if (finished) {
          queue.done = upTo;
          queue.written = takenVersion;
          if (queue.done == queue.newest) {
            pending.remove(name, queue);
          }
        } else {
          // Failed: a writer still waiting on this queue tries again, with the newest bytes; later
          // ones start a new queue.
          if (queue.newestWrite == null) {
            queue.newestWrite = taken;
            queue.newestVersion = takenVersion;
          }
          pending.remove(name, queue);
        }
        queue.notifyAll();
      }
    }
  }

  /** The changes of one session waiting for its lock in this JVM; guarded by itself. */
  private static final class Queue<T> {
    /** The sequence number of the newest write that waits, and those of the writes done. */
    long newest;

    long done;

    /** Whether a writer has taken the newest write and makes it; the others wait for it. */
    boolean writing;

    /** The newest write, and its version; null once a writer has taken it. */
    T newestWrite;

    long newestVersion;

    /** The version in place after the writes up to {@link #done}. */
    long written;
  }
}
