package org.perchild.container.sessions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * The files of a tenant's session directory as {@link SessionFileStore} reads and writes them: only
 * regular files of the directory's owner, never through a link, and written mode 0600. The store
 * decides what a file means; this only moves its bytes.
 */
final class OwnFiles {

  private static final FileAttribute<Set<PosixFilePermission>> FILE_ATTRIBUTE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
  private static final Set<OpenOption> CREATE =
      Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
  private static final Set<OpenOption> OVER =
      Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
  private static final int TYPE_MASK = 0170000;
  private static final int REGULAR = 0100000;
  private static final int DIRECTORY = 0040000;

  private final int owner;

  private OwnFiles(int owner) {
    this.owner = owner;
  }

  /**
   * The files of {@code directory}, which must exist (the launcher makes it, mode 0700, the
   * tenant's): their owner is the directory's.
   *
   * @throws IOException if it does not exist or is not a directory
   */
  static OwnFiles of(Path directory) throws IOException {
    Map<String, Object> attributes;
    try {
      attributes = Files.readAttributes(directory, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new IOException("session directory " + directory + " does not exist", e);
    }
    if (((Integer) attributes.get("mode") & TYPE_MASK) != DIRECTORY) {
      throw new IOException("session directory " + directory + " is not a directory");
    }
    return new OwnFiles((Integer) attributes.get("uid"));
  }

  /** Whether {@code attributes} (with {@code unix:mode,uid}) are a regular file of the owner's. */
  boolean isOwnRegular(Map<String, Object> attributes) {
    return ((Integer) attributes.get("mode") & TYPE_MASK) == REGULAR
        && (Integer) attributes.get("uid") == owner;
  }

  /**
   * The whole of {@code file}, or {@code null} when there is none.
   *
   * @throws IOException if it is not a regular file of the owner's, or cannot be read
   */
  byte[] read(Path file) throws IOException {
    try (InputStream in = open(file)) {
      return in == null ? null : in.readAllBytes();
    }
  }

  private InputStream open(Path file) throws IOException {
    Map<String, Object> attributes;
    try {
      attributes = Files.readAttributes(file, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
    if (((Integer) attributes.get("mode") & TYPE_MASK) != REGULAR) {
      throw new IOException("not a regular file");
    }
    int uid = (Integer) attributes.get("uid");
    if (uid != owner) {
      throw new IOException("owned by uid " + uid + ", not by " + owner);
    }
    try {
      SeekableByteChannel channel =
          Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
      return Channels.newInputStream(channel);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * Writes {@code bytes} into the spare, under the session's lock (no other writer uses it then):
   * over what it held, so that no new file is made (on ext4 without a journal, as here, making a
   * file searches the inode table past every inode freed in the last minutes, a cost that grows
   * with the rate of writes). A spare that cannot be written over is replaced by a new one.
   */
  static void writeSpare(Path spare, byte[] bytes) throws IOException {
    try {
      writeInto(spare, bytes, OVER);
    } catch (IOException e) {
      Files.deleteIfExists(spare);
      writeInto(spare, bytes, CREATE);
    }
  }

  private static void writeInto(Path file, byte[] bytes, Set<OpenOption> options)
      throws IOException {
    try (SeekableByteChannel out = Files.newByteChannel(file, options, FILE_ATTRIBUTE)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        out.write(buffer);
      }
      out.truncate(bytes.length);
    }
  }
}
