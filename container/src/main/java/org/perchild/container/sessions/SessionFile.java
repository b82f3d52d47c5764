package org.perchild.container.sessions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import org.eclipse.jetty.session.SessionData;
import org.eclipse.jetty.util.ClassLoadingObjectInputStream;

/**
 * One session as a file: its name, and the bytes in it. {@link SessionFileStore} reads and writes
 * them; nothing else does.
 *
 * <p>The name is {@code <context>.<host>.<id>.session}, each part escaped so that it holds only
 * {@code [A-Za-z0-9_-]} and {@code %XX} (a UTF-8 byte): a dot never occurs in a part, and a session
 * id from a client's cookie can never name a path outside the directory. Nothing that changes with
 * the session (its expiry, its version) is in the name, so a session is always the same file and
 * replacing it is one step. Beside it is its spare, {@code .<name>.spare}: the file the next write
 * goes to before the two swap names (the old file then becomes the spare), so that a write makes no
 * new file. Files named {@code .<name>.<random>.tmp} are an older version's temporary files.
 *
 * <p>The bytes, big-endian ({@link DataOutputStream}): the magic {@code PSES}, the format version
 * ({@value #FORMAT}), the length of the rest and its CRC-32C, then the {@link Header} (a random
 * version that changes with every write, when it was written, id, context, host, last node,
 * created, accessed, last accessed, cookie set, expiry, max inactive), then the attributes as Jetty
 * serializes them ({@link SessionData#serializeAttributes}). The header comes first so that the
 * expiry can be read without loading a web application's classes. The length and checksum are there
 * because a file is written again once it has become a spare: a reader that opened it while it was
 * the session's file and reads it late sees a mix of two versions, which they tell it (it then
 * reads again). Format 1 (no length, no checksum: each write was a new file) is still read.
 */
final class SessionFile {

  /** The format version written. */
  static final int FORMAT = 2;

  /** The format written before files had a checksum, still read. */
  static final int FORMAT_UNCHECKED = 1;

  static final String SUFFIX = ".session";
  static final String SPARE_SUFFIX = ".spare";
  static final String TEMPORARY_SUFFIX = ".tmp";

  /** Longest name of a session file; the spare's and temporary names add at most 22 bytes. */
  static final int MAX_NAME = 200;

  private static final int MAGIC = 0x50534553; // "PSES"

  /** Magic, format, length and checksum: what comes before the header in format 2. */
  private static final int PREFIX = 16;

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  /**
   * What a session file says about its session, apart from the attributes.
   *
   * @param version changes with every write: a writer that read version v knows from it whether
   *     another has written since
   * @param savedAt when it was written, epoch milliseconds
   */
  record Header(
      long version,
      long savedAt,
      String id,
      String context,
      String host,
      String lastNode,
      long created,
      long accessed,
      long lastAccessed,
      long cookieSet,
      long expiry,
      long maxInactiveMs) {

    /** Whether the session had expired at {@code time}; a session whose expiry is 0 never does. */
    boolean expiredAt(long time) {
      return expiry > 0 && expiry <= time;
    }
  }

  /**
   * A file's bytes, checked and with the header read.
   *
   * @param checked whether the length and checksum vouch for the bytes (format 2); a format 1 file
   *     is trusted only when read under the session's lock, where no one writes it
   * @param attributesAt where the serialized attributes start in {@code bytes}
   */
  record Decoded(Header header, byte[] bytes, int attributesAt, boolean checked) {

    /** The serialized attributes. */
    InputStream attributes() {
      return new ByteArrayInputStream(bytes, attributesAt, bytes.length - attributesAt);
    }
  }

  private SessionFile() {}

  /** The name of the spare of the session file {@code name}. */
  static String spareName(String name) {
    return "." + name + SPARE_SUFFIX;
  }

  /**
   * The name of the session file whose spare is {@code name}, or {@code null} if it names no spare.
   */
  static String ofSpare(String name) {
    if (!name.startsWith(".") || !name.endsWith(SUFFIX + SPARE_SUFFIX)) {
      return null;
    }
    return name.substring(1, name.length() - SPARE_SUFFIX.length());
  }

  /** The file name prefix of every session of one context of one host. */
  static String prefix(String context, String host) {
    return escape(context) + "." + escape(host) + ".";
  }

  /** The name of a session's file, or {@code null} if the id is too long to be one of ours. */
  static String name(String prefix, String id) {
    String name = prefix + escape(id) + SUFFIX;
    return name.length() > MAX_NAME ? null : name;
  }

  /** Keeps {@code [A-Za-z0-9_-]}; every other UTF-8 byte becomes {@code %XX}. */
  static String escape(String part) {
    StringBuilder escaped = new StringBuilder(part.length());
    for (byte b : part.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '_'
          || c == '-') {
        escaped.append((char) c);
      } else {
        escaped.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return escaped.toString();
  }

  /**
   * The bytes of a session's file; its attributes are serialized with the calling thread's context
   * class loader, which must be the web application's.
   */
  static byte[] encode(Header header, SessionData data) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(MAGIC);
    out.writeInt(FORMAT);
    // The length and checksum, filled in below.
    out.writeInt(0);
    out.writeInt(0);
    out.writeLong(header.version());
    out.writeLong(header.savedAt());
    out.writeUTF(header.id());
    out.writeUTF(header.context());
    out.writeUTF(header.host());
    out.writeUTF(header.lastNode() == null ? "" : header.lastNode());
    out.writeLong(header.created());
    out.writeLong(header.accessed());
    out.writeLong(header.lastAccessed());
    out.writeLong(header.cookieSet());
    out.writeLong(header.expiry());
    out.writeLong(header.maxInactiveMs());
    try (ObjectOutputStream objects = new ObjectOutputStream(out)) {
      SessionData.serializeAttributes(data, objects);
    }
    byte[] encoded = bytes.toByteArray();
    CRC32C crc = new CRC32C();
    crc.update(encoded, PREFIX, encoded.length - PREFIX);
    ByteBuffer.wrap(encoded, 8, 8).putInt(encoded.length - PREFIX).putInt((int) crc.getValue());
    return encoded;
  }

  /**
   * A session file of a format newer than this server's, written by a child of a newer install
   * (during a graceful restart onto it, the old generation's children still serve): no session for
   * this server, but never removed, since the new children read it.
   */
  static final class NewerFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    NewerFormatException(int format) {
      super("session file format " + format + ", newer than this server's " + FORMAT);
    }
  }

  /**
   * Checks the bytes of a session file and reads its header.
   *
   * @throws IOException if they are not a whole session file of a format this server reads
   *     (truncated, another magic or version, a checksum that does not match, a mix of two writes)
   */
  static Decoded decode(byte[] bytes) throws IOException {
    ByteArrayInputStream in = new ByteArrayInputStream(bytes);
    DataInputStream data = new DataInputStream(in);
    int magic = data.readInt();
    if (magic != MAGIC) {
      throw new IOException("not a session file (magic " + Integer.toHexString(magic) + ")");
    }
    int format = data.readInt();
    boolean checked = format == FORMAT;
    if (checked) {
      int length = data.readInt();
      int expected = data.readInt();
      if (length != bytes.length - PREFIX) {
        throw new IOException(
            "session file of " + bytes.length + " bytes, its header says " + (length + PREFIX));
      }
      CRC32C crc = new CRC32C();
      crc.update(bytes, PREFIX, length);
      if ((int) crc.getValue() != expected) {
        throw new IOException("session file whose checksum does not match");
      }
    } else if (format > FORMAT) {
      throw new NewerFormatException(format);
    } else if (format != FORMAT_UNCHECKED) {
      throw new IOException("session file format " + format + ", this server reads " + FORMAT);
    }
    Header header = readHeaderFields(data);
    return new Decoded(header, bytes, bytes.length - in.available(), checked);
  }

  private static Header readHeaderFields(DataInputStream data) throws IOException {
    return new Header(
        data.readLong(),
        data.readLong(),
        data.readUTF(),
        data.readUTF(),
        data.readUTF(),
        data.readUTF(),
        data.readLong(),
        data.readLong(),
        data.readLong(),
        data.readLong(),
        data.readLong(),
        data.readLong());
  }

  /**
   * Reads the attributes that follow the header into {@code data}, with the calling thread's
   * context class loader (the web application's) for the web application's classes.
   *
   * @param rest the serialized attributes ({@link Decoded#attributes})
   */
  static void readAttributes(InputStream rest, SessionData data)
      throws IOException, ClassNotFoundException {
    try (ClassLoadingObjectInputStream objects = new ClassLoadingObjectInputStream(rest)) {
      SessionData.deserializeAttributes(data, objects);
    }
  }
}
