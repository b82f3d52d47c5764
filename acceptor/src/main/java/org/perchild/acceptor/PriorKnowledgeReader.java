package org.perchild.acceptor;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.hpack.HpackDecoder;
import org.eclipse.jetty.http2.hpack.HpackException;
import org.eclipse.jetty.util.HostPort;

/**
 * Reads an HTTP/2 connection with prior knowledge ({@code h2c}, RFC 9113 3.3) far enough to know
 * its virtual host: the frames after the client preface up to and including the first HEADERS frame
 * and its CONTINUATIONs, whose header block Jetty's own {@link HpackDecoder} decodes (never a
 * decoder of ours: acceptor and child must agree on what a request names). The host is the {@code
 * :authority}, else the {@code host} field. {@link FirstBytesReader} creates one once the preface
 * has arrived and feeds it every later byte; the child's {@code HTTP2CServerConnectionFactory} then
 * reads the same bytes again, preface first.
 *
 * <p><b>Bytes.</b> As with {@link RequestHeadReader}, each call passes the next bytes, none twice,
 * and the buffer's position is not moved; the reader keeps only the frame it is reading (at most
 * {@link #MAX_FRAME_SIZE} bytes) and the header block, never more than {@code maxBytes} in all.
 *
 * <p><b>What is refused</b> ({@link Malformed}, with the HTTP/2 error code a GOAWAY would carry): a
 * first frame that is not SETTINGS; a frame above the default {@code SETTINGS_MAX_FRAME_SIZE}
 * (16384, which is what the child's Jetty announces); a SETTINGS, PING, PRIORITY or WINDOW_UPDATE
 * frame of the wrong size or stream; DATA, RST_STREAM, PUSH_PROMISE, GOAWAY or a CONTINUATION out
 * of place before the first request; padding longer than its frame; a header block that HPACK
 * cannot decode or that is not a request; more than {@code maxBytes} before the block ends. Frames
 * of unknown types are skipped, as RFC 9113 says.
 *
 * <p><b>Dynamic table.</b> The decoder's table is HPACK's default of 4096 bytes, which is what a
 * client may use before it has seen the server's SETTINGS (the child's Jetty announces no other). A
 * {@code SETTINGS_HEADER_TABLE_SIZE} the client sends limits the server's encoder, not this decoder
 * (RFC 9113 6.5.2), so it is checked for form and not applied here.
 *
 * <pre>
 * NEED_MORE_BYTES --read--> NEED_MORE_BYTES
 *        |--read--> REQUEST   (final: later reads answer the same)
 *        `--read--> MALFORMED (final)
 * </pre>
 */
public final class PriorKnowledgeReader {

  /** The client connection preface, which a connection with prior knowledge starts with. */
  static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** What the reader knows after a {@link #read(ByteBuffer)}. */
  public sealed interface Outcome permits NeedMoreBytes, Request, Malformed {}

  /** The first request's header block is not complete yet. */
  public record NeedMoreBytes() implements Outcome {}

  /**
   * The first request of the connection.
   *
   * @param host its {@code :authority} (else {@code host}) host, lower case, without port or
   *     brackets; null when it names none (route to the default vhost)
   * @param method its {@code :method}
   * @param path its {@code :path}
   * @param length bytes of the connection up to the end of its last header frame, preface included
   */
  public record Request(String host, String method, String path, int length) implements Outcome {}

  /**
   * Frames the acceptor will not pass on.
   *
   * @param reason what is wrong, for the log
   * @param errorCode the HTTP/2 error code of the connection error (RFC 9113 7)
   */
  public record Malformed(String reason, int errorCode) implements Outcome {}

  /** RFC 9113 7 error codes. */
  static final int PROTOCOL_ERROR = 0x1;

  static final int FRAME_SIZE_ERROR = 0x6;
  static final int REFUSED_STREAM = 0x7;
  static final int COMPRESSION_ERROR = 0x9;
  static final int HTTP_1_1_REQUIRED = 0xd;

  /** The default, and the child's, {@code SETTINGS_MAX_FRAME_SIZE}. */
  static final int MAX_FRAME_SIZE = 16384;

  private static final int FRAME_HEADER = 9;
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int PRIORITY = 0x2;
  private static final int RST_STREAM = 0x3;
  private static final int SETTINGS = 0x4;
  private static final int PUSH_PROMISE = 0x5;
  private static final int PING = 0x6;
  private static final int GOAWAY = 0x7;
  private static final int WINDOW_UPDATE = 0x8;
  private static final int CONTINUATION = 0x9;
  private static final int FLAG_ACK = 0x1;
  private static final int FLAG_END_HEADERS = 0x4;
  private static final int FLAG_PADDED = 0x8;
  private static final int FLAG_PRIORITY = 0x20;

  private static final NeedMoreBytes NEED_MORE_BYTES = new NeedMoreBytes();

  private final int maxHeaderBytes;
  private final int maxBytes;
  private Outcome outcome = NEED_MORE_BYTES;
  private int consumed = PREFACE.length;

  private final byte[] header = new byte[FRAME_HEADER];
  private int headerFill;
  private byte[] payload = new byte[0];
  private int payloadLength;
  private int payloadFill;
  private int type;
  private int flags;
  private int stream;
  private int frames;

  // Set while a HEADERS frame without END_HEADERS waits for its CONTINUATIONs.
  private int headersStream;
  private final ByteArrayOutputStream block = new ByteArrayOutputStream();

  /**
   * A reader for a connection whose preface has arrived.
   *
   * @param maxHeaderBytes the most bytes the decoded fields may take (Jetty's measure: names,
   *     values and 32 per field), as for an HTTP/1 head
   * @param maxBytes the most bytes of the connection, preface included, before the block ends
   */
  public PriorKnowledgeReader(int maxHeaderBytes, int maxBytes) {
    this.maxHeaderBytes = maxHeaderBytes;
    this.maxBytes = maxBytes;
  }

  /**
   * Reads {@code bytes} from its position to its limit (the position is not moved) and says what is
   * known now. After a final answer, reads nothing and answers the same.
   */
  public Outcome read(ByteBuffer bytes) {
    int i = bytes.position();
    int end = bytes.limit();
    while (i < end && outcome == NEED_MORE_BYTES) {
      if (consumed >= maxBytes) {
        outcome =
            new Malformed("no whole request header within " + maxBytes + " bytes", PROTOCOL_ERROR);
        break;
      }
      if (headerFill < FRAME_HEADER) {
        header[headerFill++] = bytes.get(i++);
        consumed++;
        if (headerFill == FRAME_HEADER) {
          outcome = frameHeader();
          if (outcome == NEED_MORE_BYTES && payloadLength == 0) {
            outcome = frameComplete();
          }
        }
        continue;
      }
      int count = Math.min(Math.min(end - i, payloadLength - payloadFill), maxBytes - consumed);
      bytes.get(i, payload, payloadFill, count);
      i += count;
      payloadFill += count;
      consumed += count;
      if (payloadFill == payloadLength) {
        outcome = frameComplete();
      }
    }
    return outcome;
  }

  /** The latest answer of {@link #read(ByteBuffer)}, without reading. */
  public Outcome outcome() {
    return outcome;
  }

  private Outcome frameHeader() {
    payloadLength = (header[0] & 0xFF) << 16 | (header[1] & 0xFF) << 8 | (header[2] & 0xFF);
    type = header[3] & 0xFF;
    flags = header[4] & 0xFF;
    stream =
        ((header[5] & 0x7F) << 24)
            | ((header[6] & 0xFF) << 16)
            | ((header[7] & 0xFF) << 8)
            | (header[8] & 0xFF);
    payloadFill = 0;
    if (payloadLength > MAX_FRAME_SIZE) {
      return new Malformed(
          "a frame of " + payloadLength + " bytes, above " + MAX_FRAME_SIZE, FRAME_SIZE_ERROR);
    }
    if (payload.length < payloadLength) {
      payload = new byte[Math.max(payloadLength, Math.min(2 * payload.length, MAX_FRAME_SIZE))];
    }
    if (headersStream != 0 && (type != CONTINUATION || stream != headersStream)) {
      return new Malformed("frame type " + type + " inside a header block", PROTOCOL_ERROR);
    }
    if (frames == 0 && type != SETTINGS) {
      return new Malformed("the preface is followed by frame type " + type, PROTOCOL_ERROR);
    }
    return switch (type) {
      case SETTINGS -> {
        if (stream != 0) {
          yield new Malformed("SETTINGS on stream " + stream, PROTOCOL_ERROR);
        }
        if ((flags & FLAG_ACK) != 0) {
          // Nothing has been sent to the client yet, so it has nothing to acknowledge.
          yield new Malformed("a SETTINGS acknowledgement before any SETTINGS", PROTOCOL_ERROR);
        }
        yield payloadLength % 6 == 0
            ? NEED_MORE_BYTES
            : new Malformed("SETTINGS of " + payloadLength + " bytes", FRAME_SIZE_ERROR);
      }
      case PING ->
          stream == 0 && payloadLength == 8
              ? NEED_MORE_BYTES
              : new Malformed(
                  "a malformed PING", payloadLength == 8 ? PROTOCOL_ERROR : FRAME_SIZE_ERROR);
      case PRIORITY ->
          stream != 0 && payloadLength == 5
              ? NEED_MORE_BYTES
              : new Malformed(
                  "a malformed PRIORITY", payloadLength == 5 ? PROTOCOL_ERROR : FRAME_SIZE_ERROR);
      case WINDOW_UPDATE ->
          payloadLength == 4
              ? NEED_MORE_BYTES
              : new Malformed("WINDOW_UPDATE of " + payloadLength + " bytes", FRAME_SIZE_ERROR);
      case HEADERS ->
          stream % 2 == 1
              ? NEED_MORE_BYTES
              : new Malformed("HEADERS on stream " + stream, PROTOCOL_ERROR);
      case CONTINUATION ->
          headersStream != 0
              ? NEED_MORE_BYTES
              : new Malformed("a CONTINUATION without a HEADERS", PROTOCOL_ERROR);
      case DATA, RST_STREAM, PUSH_PROMISE, GOAWAY ->
          new Malformed("frame type " + type + " before the first request", PROTOCOL_ERROR);
      default -> NEED_MORE_BYTES;
    };
  }

  private Outcome frameComplete() {
    headerFill = 0;
    frames++;
    if (type == HEADERS) {
      int from = 0;
      int padding = 0;
      if ((flags & FLAG_PADDED) != 0) {
        if (payloadLength < 1) {
          return new Malformed("a padded HEADERS without its pad length", FRAME_SIZE_ERROR);
        }
        padding = payload[0] & 0xFF;
        from = 1;
      }
      if ((flags & FLAG_PRIORITY) != 0) {
        from += 5;
      }
      if (from + padding > payloadLength) {
        return new Malformed("HEADERS padding longer than the frame", PROTOCOL_ERROR);
      }
      block.write(payload, from, payloadLength - padding - from);
      return (flags & FLAG_END_HEADERS) != 0 ? decode() : awaitContinuation();
    }
    if (type == CONTINUATION) {
      block.write(payload, 0, payloadLength);
      if ((flags & FLAG_END_HEADERS) != 0) {
        headersStream = 0;
        return decode();
      }
    }
    return NEED_MORE_BYTES;
  }

  private Outcome awaitContinuation() {
    headersStream = stream;
    return NEED_MORE_BYTES;
  }

  private Outcome decode() {
    MetaData decoded;
    try {
      decoded =
          new HpackDecoder(maxHeaderBytes, System::nanoTime)
              .decode(ByteBuffer.wrap(block.toByteArray()));
    } catch (HpackException.SessionException e) {
      return new Malformed("HPACK: " + e.getMessage(), COMPRESSION_ERROR);
    } catch (HpackException.StreamException e) {
      return new Malformed("HPACK: " + e.getMessage(), PROTOCOL_ERROR);
    } catch (RuntimeException e) {
      // Jetty's decoder is not meant for hostile bytes it has not framed itself: any failure of it
      // is a block we cannot read.
      return new Malformed("HPACK: " + e, COMPRESSION_ERROR);
    }
    if (!(decoded instanceof MetaData.Request request)) {
      return new Malformed("the first header block is not a request", PROTOCOL_ERROR);
    }
    String host = request.getHttpURI() == null ? null : request.getHttpURI().getHost();
    if (host == null || host.isBlank()) {
      HttpField field = request.getHttpFields().getField(HttpHeader.HOST);
      host = field == null ? null : hostOf(field.getValue());
    }
    String path = request.getHttpURI() == null ? null : request.getHttpURI().getPathQuery();
    return new Request(RequestHeadReader.routingHost(host), request.getMethod(), path, consumed);
  }

  private static String hostOf(String value) {
    try {
      return value == null ? null : new HostPort(value).getHost();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * What the acceptor writes before closing an h2c connection it refuses: the server preface (an
   * empty SETTINGS, which must come first) and a GOAWAY with {@code errorCode} that says no stream
   * was processed (last stream 0), so the client may retry the request elsewhere.
   */
  static ByteBuffer goAway(int errorCode) {
    ByteBuffer frames = ByteBuffer.allocate(2 * FRAME_HEADER + 8);
    frames.put(new byte[] {0, 0, 0, SETTINGS, 0, 0, 0, 0, 0});
    frames.put(new byte[] {0, 0, 8, GOAWAY, 0, 0, 0, 0, 0});
    frames.putInt(0).putInt(errorCode);
    return frames.flip();
  }
}
