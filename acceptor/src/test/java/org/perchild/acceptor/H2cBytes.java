package org.perchild.acceptor;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.hpack.HpackEncoder;
import org.eclipse.jetty.http2.hpack.HpackException;

/**
 * The first bytes of HTTP/2 connections with prior knowledge, for the tests: captured from curl
 * ({@code --http2-prior-knowledge}) and nghttp ({@code nghttp -v http://...}), or built here with
 * Jetty's own {@link HpackEncoder}.
 */
final class H2cBytes {

  static final int HEADERS = 0x1;
  static final int PRIORITY = 0x2;
  static final int SETTINGS = 0x4;
  static final int WINDOW_UPDATE = 0x8;
  static final int CONTINUATION = 0x9;
  static final int END_STREAM = 0x1;
  static final int END_HEADERS = 0x4;
  static final int PADDED = 0x8;
  static final int PRIORITY_FLAG = 0x20;

  private H2cBytes() {}

  static byte[] captured(String name) {
    return TlsHellos.resource("h2c/" + name + ".bin");
  }

  static byte[] preface() {
    return PriorKnowledgeReader.PREFACE.clone();
  }

  static byte[] frame(int type, int flags, int stream, byte[] payload) {
    ByteBuffer frame = ByteBuffer.allocate(9 + payload.length);
    frame.put((byte) (payload.length >> 16)).put((byte) (payload.length >> 8));
    frame.put((byte) payload.length).put((byte) type).put((byte) flags).putInt(stream);
    return frame.put(payload).array();
  }

  /** A SETTINGS frame with SETTINGS_HEADER_TABLE_SIZE and SETTINGS_ENABLE_PUSH, as clients send. */
  static byte[] settings() {
    return frame(SETTINGS, 0, 0, new byte[] {0, 1, 0, 0, 0x10, 0, 0, 2, 0, 0, 0, 0});
  }

  /**
   * The header block of a GET of {@code path} with {@code :authority} (null: none), and a {@code
   * host} field when {@code host} is not null.
   */
  static byte[] block(String authority, String path, String host) {
    HttpURI.Mutable uri = HttpURI.build().scheme("http").path(path);
    if (authority != null) {
      uri.authority(authority);
    }
    HttpFields.Mutable fields = HttpFields.build().add("user-agent", "perchild-test");
    if (host != null) {
      fields.add("host", host);
    }
    ByteBuffer buffer = ByteBuffer.allocate(16384);
    try {
      new HpackEncoder()
          .encode(buffer, new MetaData.Request("GET", uri, HttpVersion.HTTP_2, fields));
    } catch (HpackException e) {
      throw new IllegalStateException(e);
    }
    return Arrays.copyOf(buffer.array(), buffer.position());
  }

  /**
   * Preface, SETTINGS, a WINDOW_UPDATE, then {@code block} on stream 1 as a HEADERS frame and as
   * many CONTINUATIONs as fragments of {@code fragment} bytes take.
   */
  static byte[] connection(byte[] block, int fragment) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(preface());
    out.writeBytes(settings());
    out.writeBytes(frame(WINDOW_UPDATE, 0, 0, new byte[] {0, 0x0f, 0, 1}));
    for (int from = 0; from < block.length || from == 0; from += fragment) {
      byte[] part = Arrays.copyOfRange(block, from, Math.min(block.length, from + fragment));
      boolean last = from + fragment >= block.length;
      int flags = (last ? END_HEADERS : 0) | (from == 0 ? END_STREAM : 0);
      out.writeBytes(frame(from == 0 ? HEADERS : CONTINUATION, flags, 1, part));
      if (block.length == 0) {
        break;
      }
    }
    return out.toByteArray();
  }

  static byte[] connection(String authority) {
    return connection(block(authority, "/", null), 16384);
  }
}
