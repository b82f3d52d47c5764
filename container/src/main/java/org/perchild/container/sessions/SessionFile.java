package org.perchild.container.sessions;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
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
 * replacing it is one {@code rename}. A file being written is {@code .<name>.<random>.tmp}.
 *
 * <p>The bytes, big-endian ({@link DataOutputStream}): the magic {@code PSES}, the format version
 * ({@value #FORMAT}), then the {@link Header} (a random version that changes with every write, when
 * it was written, id, context, host, last node, created, accessed, last accessed, cookie set,
 * expiry, max inactive), then the attributes as Jetty serializes them ({@link
 * SessionData#serializeAttributes}). The header comes first so that the expiry can be read without
 * loading a web application's classes.
 */
final class SessionFile {

  /** The format version written and the only one read. */
  static final int FORMAT = 1;

  static final String SUFFIX = ".session";
  static final String TEMPORARY_SUFFIX = ".tmp";

  /** Longest name of a session file; the temporary name adds at most 22 bytes to it. */
  static final int MAX_NAME = 200;

  private static final int MAGIC = 0x50534553; // "PSES"
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

  private SessionFile() {}

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
    return bytes.toByteArray();
  }

  /**
   * The header at the start of {@code in}, which is left just after it.
   *
   * @throws IOException if it is not a session file of this format (truncated, another magic or
   *     version)
   */
  static Header readHeader(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    int magic = data.readInt();
    if (magic != MAGIC) {
      throw new IOException("not a session file (magic " + Integer.toHexString(magic) + ")");
    }
    int format = data.readInt();
    if (format != FORMAT) {
      throw new IOException("session file format " + format + ", this server reads " + FORMAT);
    }
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
   * @param rest the file's bytes after its header
   */
  static void readAttributes(InputStream rest, SessionData data)
      throws IOException, ClassNotFoundException {
    try (ClassLoadingObjectInputStream objects = new ClassLoadingObjectInputStream(rest)) {
      SessionData.deserializeAttributes(data, objects);
    }
  }
}
