package org.perchild.acceptor;

import java.nio.ByteBuffer;
import org.perchild.protocol.HandoffMessage;

/**
 * Reads the TLS ClientHello of one connection, as its bytes arrive, far enough to know the server
 * name (SNI) it asks for, without terminating TLS: the acceptor routes an {@code https} connection
 * by that name and hands it off with every byte read, and the child's TLS then reads the same hello
 * from the start. Modelled on Tomcat's {@code TLSClientHelloExtractor}: explicit results for "need
 * more bytes", "not TLS", "no server name" and "a server name", plus a refusal for a hello that is
 * broken or too large.
 *
 * <p><b>Bytes.</b> As with {@link RequestHeadReader}: each call passes the next bytes of the
 * connection, none twice, from the buffer's position to its limit, and the position is left where
 * it was. The reader keeps no byte but the server name it is collecting: it is a state machine fed
 * one byte at a time, so a hello split into any chunks, and into any number of TLS records, gives
 * the answer of one read. It only reads the buffer between position and limit (absolute gets).
 *
 * <p><b>What is checked.</b> The record layer: content type 22 (handshake), version 3.0 to 3.4, a
 * length of 1 to 2<sup>14</sup>+2048 (above that no TLS stack would take it). A first record that
 * is not a handshake record of such a version is {@link NotTls} (plain HTTP, an SSLv2-style hello,
 * random bytes), decided by its first three bytes; anything wrong after that is {@link Malformed}.
 * The handshake: one ClientHello message (type 1) of at most the size limit, possibly spread over
 * several records (post-quantum key shares make hellos of 2 KiB and more, clients may split at
 * smaller records); every vector's length within the vector around it, the extensions block exactly
 * filling the rest of the message, at most one {@code server_name} extension whose list fills it
 * and holds at most one {@code host_name}. What is inside other extensions, cipher suites and the
 * random is not looked at.
 *
 * <p><b>The name.</b> The {@code host_name} entry of {@code server_name}, ASCII letters, digits,
 * hyphens and dots only (as LDH labels; an IDN is sent in its ACE form), lower-cased, one trailing
 * dot removed, at most {@link HandoffMessage#MAX_HOST_NAME} characters. A name that is not such a
 * name (empty, {@code a..b}, an underscore, a byte above 0x7F) is no name: the hello is {@link
 * NoServerName} and goes to the address's default virtual host, as httpd does for an unknown name.
 * The child's TLS stack judges the name again and may refuse the handshake.
 *
 * <pre>
 * NEED_MORE_BYTES --read--> NEED_MORE_BYTES
 *        |--read--> NO_SERVER_NAME | SERVER_NAME  (final: later reads answer the same)
 *        |--read--> NOT_TLS                       (final)
 *        `--read--> MALFORMED                     (final)
 * </pre>
 *
 * <p>Not thread-safe: one connection, one selector thread.
 */
public final class ClientHelloReader {

  /** What the reader knows after a {@link #read(ByteBuffer)}. */
  public sealed interface Outcome permits NeedMoreBytes, NotTls, Complete, Malformed {}

  /** The hello is not complete yet: read more from the connection and call again. */
  public record NeedMoreBytes() implements Outcome {}

  /**
   * The connection does not start with a TLS handshake record: plain HTTP on a TLS port, an
   * SSLv2-style hello, or anything else.
   *
   * @param reason what the first bytes were, for the log
   */
  public record NotTls(String reason) implements Outcome {}

  /**
   * It starts as TLS, but the hello is broken or larger than the limit: refuse the connection.
   *
   * @param reason what is wrong, for the log
   */
  public record Malformed(String reason) implements Outcome {}

  /** A whole ClientHello: route by {@link #serverName()}, hand off every byte read. */
  public sealed interface Complete extends Outcome permits NoServerName, ServerName {
    /** The name to route by, lower case; null when the hello names none (or none valid). */
    String serverName();

    /**
     * The bytes of the connection up to the end of the hello's last byte, record headers included.
     */
    int length();
  }

  /** A whole hello without a (valid) server name: route to the address's default vhost. */
  public record NoServerName(int length) implements Complete {
    @Override
    public String serverName() {
      return null;
    }
  }

  /** A whole hello naming {@code serverName} (lower case, no trailing dot). */
  public record ServerName(String serverName, int length) implements Complete {}

  /** The largest record length taken: TLS's 2<sup>14</sup> plus the 2048 it allows ciphertext. */
  public static final int MAX_RECORD_LENGTH = (1 << 14) + 2048;

  static final int HANDSHAKE = 22;
  static final int CLIENT_HELLO = 1;
  static final int SERVER_NAME_EXTENSION = 0;
  static final int HOST_NAME = 0;

  private static final NeedMoreBytes NEED_MORE_BYTES = new NeedMoreBytes();

  /** Where the record layer is. */
  private enum Record {
    TYPE,
    VERSION_MAJOR,
    VERSION_MINOR,
    LENGTH_HIGH,
    LENGTH_LOW,
    FRAGMENT
  }

  /** Which field of the ClientHello the next handshake byte belongs to. */
  private enum Field {
    MESSAGE_TYPE,
    MESSAGE_LENGTH,
    CLIENT_VERSION,
    RANDOM,
    SESSION_ID_LENGTH,
    SESSION_ID,
    CIPHER_SUITES_LENGTH,
    CIPHER_SUITES,
    COMPRESSION_LENGTH,
    COMPRESSION,
    EXTENSIONS_LENGTH,
    EXTENSION_TYPE,
    EXTENSION_LENGTH,
    EXTENSION_BODY,
    NAME_LIST_LENGTH,
    NAME_TYPE,
    NAME_LENGTH,
    NAME
  }

  private static final int INACTIVE = -1;

  private final int maxBytes;
  private Outcome outcome = NEED_MORE_BYTES;
  private int consumed;

  private Record record = Record.TYPE;
  private boolean firstRecord = true;
  private int recordLength;
  private int recordRemaining;

  private Field field = Field.MESSAGE_TYPE;
  // Bytes still to come in the current field, and the value of a numeric one so far.
  private int need = 1;
  private int value;
  // Bytes still to come in each enclosing vector; INACTIVE outside it.
  private int messageRemaining = INACTIVE;
  private int extensionsRemaining = INACTIVE;
  private int extensionRemaining = INACTIVE;
  private int listRemaining = INACTIVE;

  private int extensionType;
  private boolean serverNameExtensionSeen;
  private int nameType;
  private boolean hostNameSeen;
  // The host_name being read, lower case; null while none is, or once it is known to be invalid.
  private StringBuilder name;
  private String serverName;

  /** A reader that refuses a hello above {@link HandoffMessage#MAX_ALREADY_READ} bytes. */
  public ClientHelloReader() {
    this(HandoffMessage.MAX_ALREADY_READ);
  }

  /** A reader that refuses a hello (record headers included) above {@code maxBytes}. */
  public ClientHelloReader(int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /**
   * Reads {@code bytes} from its position to its limit (the position is not moved) and says what is
   * known now. After a final answer, reads nothing and answers the same.
   */
  public Outcome read(ByteBuffer bytes) {
    int end = bytes.limit();
    for (int i = bytes.position(); i < end && outcome == NEED_MORE_BYTES; i++) {
      if (consumed == maxBytes) {
        outcome = new Malformed("no whole ClientHello within " + maxBytes + " bytes");
        break;
      }
      consumed++;
      outcome = recordByte(bytes.get(i) & 0xFF);
    }
    return outcome;
  }

  /** The latest answer of {@link #read(ByteBuffer)}, without reading. */
  public Outcome outcome() {
    return outcome;
  }

  private Outcome recordByte(int b) {
    switch (record) {
      case TYPE -> {
        if (b != HANDSHAKE) {
          return firstRecord
              ? new NotTls(String.format("first byte 0x%02x, not a TLS handshake record", b))
              : new Malformed("a record of content type " + b + " inside the ClientHello");
        }
        record = Record.VERSION_MAJOR;
      }
      case VERSION_MAJOR -> {
        if (b != 3) {
          return firstRecord
              ? new NotTls("record version " + b + ".x, not TLS")
              : new Malformed("record version " + b + ".x inside the ClientHello");
        }
        record = Record.VERSION_MINOR;
      }
      case VERSION_MINOR -> {
        if (b > 4) {
          return firstRecord
              ? new NotTls("record version 3." + b + ", not TLS")
              : new Malformed("record version 3." + b + " inside the ClientHello");
        }
        firstRecord = false;
        record = Record.LENGTH_HIGH;
      }
      case LENGTH_HIGH -> {
        recordLength = b << 8;
        record = Record.LENGTH_LOW;
      }
      case LENGTH_LOW -> {
        recordLength |= b;
        if (recordLength == 0) {
          // RFC 8446 5.1: zero-length fragments of handshake messages are not sent.
          return new Malformed("an empty handshake record");
        }
        if (recordLength > MAX_RECORD_LENGTH) {
          return new Malformed(
              "a record of " + recordLength + " bytes, above " + MAX_RECORD_LENGTH);
        }
        recordRemaining = recordLength;
        record = Record.FRAGMENT;
      }
      case FRAGMENT -> {
        if (--recordRemaining == 0) {
          record = Record.TYPE;
        }
        return handshakeByte(b);
      }
    }
    return NEED_MORE_BYTES;
  }

  private Outcome handshakeByte(int b) {
    // Every field was checked on entry to fit all enclosing vectors, so none goes below zero here.
    messageRemaining = countDown(messageRemaining);
    extensionsRemaining = countDown(extensionsRemaining);
    extensionRemaining = countDown(extensionRemaining);
    listRemaining = countDown(listRemaining);
    value = (value << 8) | b;
    need--;
    if (field == Field.NAME) {
      collectNameByte(b);
    }
    if (need > 0) {
      return NEED_MORE_BYTES;
    }
    int complete = value;
    value = 0;
    return fieldComplete(complete);
  }

  private static int countDown(int remaining) {
    return remaining == INACTIVE ? INACTIVE : remaining - 1;
  }

  /**
   * The field just read is complete; for a numeric field of up to three bytes {@code number} is its
   * value. Says which field comes next, or what the hello is.
   */
  private Outcome fieldComplete(int number) {
    switch (field) {
      case MESSAGE_TYPE -> {
        if (number != CLIENT_HELLO) {
          return new Malformed("handshake message type " + number + ", not a ClientHello");
        }
        return expect(Field.MESSAGE_LENGTH, 3);
      }
      case MESSAGE_LENGTH -> {
        // 4 bytes of handshake header and at least 5 of record header come with it.
        if (number > maxBytes - 9) {
          return new Malformed("a ClientHello of " + number + " bytes, above the limit");
        }
        messageRemaining = number;
        return expect(Field.CLIENT_VERSION, 2);
      }
      case CLIENT_VERSION -> {
        if (number >> 8 != 3) {
          return new Malformed(String.format("client version 0x%04x", number));
        }
        return expect(Field.RANDOM, 32);
      }
      case RANDOM -> {
        return expect(Field.SESSION_ID_LENGTH, 1);
      }
      case SESSION_ID_LENGTH -> {
        if (number > 32) {
          return new Malformed("a session id of " + number + " bytes");
        }
        return number == 0
            ? expect(Field.CIPHER_SUITES_LENGTH, 2)
            : expect(Field.SESSION_ID, number);
      }
      case SESSION_ID -> {
        return expect(Field.CIPHER_SUITES_LENGTH, 2);
      }
      case CIPHER_SUITES_LENGTH -> {
        if (number == 0 || number % 2 != 0) {
          return new Malformed("cipher suites of " + number + " bytes");
        }
        return expect(Field.CIPHER_SUITES, number);
      }
      case CIPHER_SUITES -> {
        return expect(Field.COMPRESSION_LENGTH, 1);
      }
      case COMPRESSION_LENGTH -> {
        if (number == 0) {
          return new Malformed("no compression method");
        }
        return expect(Field.COMPRESSION, number);
      }
      case COMPRESSION -> {
        // Extensions are optional (a hello of TLS 1.0 may have none).
        return messageRemaining == 0 ? complete() : expect(Field.EXTENSIONS_LENGTH, 2);
      }
      case EXTENSIONS_LENGTH -> {
        if (number != messageRemaining) {
          return new Malformed(
              "extensions of " + number + " bytes in the " + messageRemaining + " left");
        }
        if (number == 0) {
          return complete();
        }
        extensionsRemaining = number;
        return expect(Field.EXTENSION_TYPE, 2);
      }
      case EXTENSION_TYPE -> {
        extensionType = number;
        return expect(Field.EXTENSION_LENGTH, 2);
      }
      case EXTENSION_LENGTH -> {
        if (number > extensionsRemaining) {
          return new Malformed(
              "extension " + extensionType + " of " + number + " bytes overruns the extensions");
        }
        extensionRemaining = number;
        if (extensionType == SERVER_NAME_EXTENSION) {
          if (serverNameExtensionSeen) {
            return new Malformed("two server_name extensions");
          }
          serverNameExtensionSeen = true;
          if (number == 0) {
            return new Malformed("an empty server_name extension");
          }
          return expect(Field.NAME_LIST_LENGTH, 2);
        }
        return number == 0 ? extensionComplete() : expect(Field.EXTENSION_BODY, number);
      }
      case EXTENSION_BODY -> {
        return extensionComplete();
      }
      case NAME_LIST_LENGTH -> {
        if (number == 0 || number != extensionRemaining) {
          return new Malformed(
              "a server name list of " + number + " bytes in " + extensionRemaining);
        }
        listRemaining = number;
        return expect(Field.NAME_TYPE, 1);
      }
      case NAME_TYPE -> {
        nameType = number;
        return expect(Field.NAME_LENGTH, 2);
      }
      case NAME_LENGTH -> {
        if (nameType == HOST_NAME) {
          if (hostNameSeen) {
            // RFC 6066 3: one name per type; JDK and OpenSSL refuse such a hello too.
            return new Malformed("two host_name entries in server_name");
          }
          hostNameSeen = true;
          name = number <= HandoffMessage.MAX_HOST_NAME + 1 ? new StringBuilder(number) : null;
        }
        if (number == 0) {
          return new Malformed("an empty server name");
        }
        return expect(Field.NAME, number);
      }
      case NAME -> {
        if (nameType == HOST_NAME) {
          serverName = validName(name);
          name = null;
        }
        if (listRemaining == 0) {
          listRemaining = INACTIVE;
          return extensionComplete();
        }
        return expect(Field.NAME_TYPE, 1);
      }
    }
    throw new IllegalStateException("unknown field " + field);
  }

  /** The next field is {@code next}, of {@code length} bytes, which must fit what encloses it. */
  private Outcome expect(Field next, int length) {
    int room =
        narrower(
            narrower(narrower(messageRemaining, extensionsRemaining), extensionRemaining),
            listRemaining);
    if (length > room) {
      return new Malformed(
          next.name().toLowerCase(java.util.Locale.ROOT)
              + " of "
              + length
              + " bytes overruns its vector ("
              + room
              + " left)");
    }
    field = next;
    need = length;
    return NEED_MORE_BYTES;
  }

  /** The smaller of two remaining counts, an {@link #INACTIVE} one being no bound. */
  private static int narrower(int a, int b) {
    if (a == INACTIVE) {
      return b == INACTIVE ? Integer.MAX_VALUE : b;
    }
    return b == INACTIVE ? a : Math.min(a, b);
  }

  private Outcome extensionComplete() {
    extensionRemaining = INACTIVE;
    if (extensionsRemaining == 0) {
      return complete();
    }
    return expect(Field.EXTENSION_TYPE, 2);
  }

  private Outcome complete() {
    return serverName == null ? new NoServerName(consumed) : new ServerName(serverName, consumed);
  }

  private void collectNameByte(int b) {
    if (nameType != HOST_NAME || name == null) {
      return;
    }
    char c = (char) b;
    if (c >= 'A' && c <= 'Z') {
      name.append((char) (c + ('a' - 'A')));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.') {
      name.append(c);
    } else {
      name = null;
    }
  }

  /** The name to route by, or null if it is not a host name. */
  private static String validName(StringBuilder collected) {
    if (collected == null) {
      return null;
    }
    String host = collected.toString();
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (host.isEmpty()
        || host.length() > HandoffMessage.MAX_HOST_NAME
        || host.startsWith(".")
        || host.endsWith(".")
        || host.contains("..")) {
      return null;
    }
    return host;
  }

  /**
   * A fatal TLS alert record ({@code level} 2) of {@code description}: what the acceptor writes
   * before closing a TLS connection it refuses, so that the client reports a reason instead of an
   * unexpected end of the stream. Record version 3.3, as a server's records carry (RFC 8446 5.1).
   */
  static ByteBuffer fatalAlert(int description) {
    return ByteBuffer.wrap(new byte[] {21, 3, 3, 0, 2, 2, (byte) description});
  }

  /** Alert {@code decode_error}: a hello that could not be parsed. */
  static final int DECODE_ERROR = 50;

  /** Alert {@code internal_error}: nothing wrong with the client, no child could take it. */
  static final int INTERNAL_ERROR = 80;
}
