package org.perchild.container.sessions;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.perchild.container.sessions.SessionFile.Decoded;

/**
 * What this JVM last read from, or wrote to, each session file of one context, and by which file it
 * was: so that {@link SessionFileStore} loads a session that no other process has written since
 * with one {@code lstat} of its file, instead of opening, reading and deserializing it.
 *
 * <p>A file is known by its {@link Identity}: inode, size, change and modification times. Every
 * write changes it: it puts another inode (the spare) in the file's place, and rewrites the spare
 * first, which changes its times. That tells every change only if those times are fine enough that
 * two changes never share one, which {@link #timesTellEveryChange} checks once for the directory
 * (Linux 6.13 and later give a file that has been looked at a time of its own at its next change,
 * on ext4, XFS, Btrfs and tmpfs; before, two writes within a clock tick, a few milliseconds, could
 * share one): where they are not, nothing is remembered and every load reads its file.
 *
 * <p>What a request gets is its own: the attributes are deserialized anew from the remembered bytes
 * for each load, unless every value is of a class whose instances never change ({@link #shareable}:
 * strings, boxed primitives), which requests may then share as they share them in Jetty's in-memory
 * session cache.
 */
final class SeenFiles {

  /**
   * At most this many sessions, and this many bytes of them, are remembered; past it, all are
   * forgotten (and remembered anew as they are read).
   */
  static final int MAX_SESSIONS = 4096;

  static final long MAX_TOTAL_BYTES = 8L * 1024 * 1024;

  /** Files larger than this are not remembered. */
  static final int MAX_BYTES = 64 * 1024;

  private static final Set<Class<?>> IMMUTABLE =
      Set.of(
          String.class,
          Integer.class,
          Long.class,
          Short.class,
          Byte.class,
          Character.class,
          Boolean.class,
          Double.class,
          Float.class,
          BigInteger.class,
          BigDecimal.class);

  /** A file as {@code lstat} tells it apart from what was under its name before. */
  record Identity(Object inode, long size, FileTime changed, FileTime modified) {}

  /**
   * A file read or written, by its identity then.
   *
   * @param attributes the attributes if every one is {@link #shareable}, else {@code null}
   */
  record Seen(Identity identity, Decoded decoded, Map<String, Object> attributes) {}

  private final boolean enabled;
  private final ConcurrentMap<String, Seen> byName = new ConcurrentHashMap<>();

  /** About how many bytes {@link #byName} holds (exactly, but for races with a clear). */
  private final AtomicLong bytes = new AtomicLong();

  SeenFiles(boolean enabled) {
    this.enabled = enabled;
  }

  /** Whether anything is remembered at all. */
  boolean enabled() {
    return enabled;
  }

  /** What is remembered of the file {@code name}, if it is still the file {@code now}. */
  Seen get(String name, Identity now) {
    Seen seen = byName.get(name);
    return seen != null && seen.identity().equals(now) ? seen : null;
  }

  /** Remembers what the file {@code name}, with identity {@code identity}, holds. */
  void put(String name, Identity identity, Decoded decoded, Map<String, Object> attributes) {
    if (!enabled || identity == null || decoded.bytes().length > MAX_BYTES) {
      return;
    }
    if (byName.size() >= MAX_SESSIONS
        || bytes.addAndGet(decoded.bytes().length) > MAX_TOTAL_BYTES) {
      byName.clear();
      bytes.set(decoded.bytes().length);
    }
    Seen replaced = byName.put(name, new Seen(identity, decoded, attributes));
    if (replaced != null) {
      bytes.addAndGet(-replaced.decoded().bytes().length);
    }
  }

  /** Forgets the file {@code name}: it is gone, or about to be. */
  void forget(String name) {
    Seen forgotten = byName.remove(name);
    if (forgotten != null) {
      bytes.addAndGet(-forgotten.decoded().bytes().length);
    }
  }

  /**
   * A copy of {@code attributes} that requests may share, or {@code null} if a value could be
   * changed in place by one of them.
   */
  static Map<String, Object> shareable(Map<String, Object> attributes) {
    for (Object value : attributes.values()) {
      if (value == null || !IMMUTABLE.contains(value.getClass())) {
        return null;
      }
    }
    return Map.copyOf(attributes);
  }

  /**
   * Whether, in {@code directory}, a file that has been looked at gets a change time of its own at
   * each change: two writes in a row, each after an {@code lstat}, never leave the time as it was.
   * Tried three times on a file of its own, which it removes.
   */
  static boolean timesTellEveryChange(Path directory) {
    Path probe =
        directory.resolve(
            ".probe."
                + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + SessionFile.TEMPORARY_SUFFIX);
    try {
      Files.write(probe, new byte[] {0}, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      for (int i = 1; i <= 3; i++) {
        FileTime before = changed(probe);
        Files.write(probe, new byte[] {(byte) i}, StandardOpenOption.WRITE);
        if (changed(probe).equals(before)) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException e) {
        // Left for doCleanOrphans, as any temporary file.
      }
    }
  }

  private static FileTime changed(Path file) throws IOException {
    return (FileTime) Files.getAttribute(file, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
  }
}
