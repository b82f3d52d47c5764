package org.perchild.acceptor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * ClientHellos for the tests: the ones captured from real clients (test resources, each the bytes a
 * client sent to a plain {@code ServerSocket} before it waited for an answer), and ones built here,
 * byte by byte, for what no client sends.
 *
 * <p>The captures ({@code hello/*.bin}), OpenSSL 3.0 and curl 7.88 of Debian 12: {@code openssl
 * s_client -connect H:P} with {@code -servername a.test} ({@code openssl-sni}), {@code
 * -noservername}, {@code -tls1_2 -servername b.test}, {@code -servername Shop.Example.COM.}, and
 * {@code -servername big.test -alpn} with 24 protocols of 127 bytes ({@code openssl-big}, 3.4 KiB;
 * this OpenSSL has no {@code X25519MLKEM768}), the same with {@code -max_send_frag 512} ({@code
 * openssl-big-split}, seven records); {@code curl -k https://a.test:P/}, {@code --http2
 * https://www.b.test:P/}, {@code https://127.0.0.1:P/} (no SNI for an address); the JDK's {@code
 * SSLSocket} on 17 and 25 with an {@code SNIHostName} and ALPN; Python's {@code ssl} with {@code
 * server_hostname='py.test'}. {@code h2c/*.bin}: {@code curl --http2-prior-knowledge}, {@code
 * nghttp -v -H ':authority: Other.Test:4433'}, {@code curl --http2 http://...} (an Upgrade).
 */
final class TlsHellos {

  private TlsHellos() {}

  /** A captured ClientHello from {@code hello/NAME.bin}, or the bytes of {@code h2c/NAME.bin}. */
  static byte[] resource(String path) {
    try (InputStream in = TlsHellos.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] captured(String name) {
    return resource("hello/" + name + ".bin");
  }

  /**
   * The same handshake bytes in records of at most {@code size} bytes each, with the first record's
   * version: what a client that splits its hello sends.
   */
  static byte[] reframe(byte[] records, int size) {
    ByteArrayOutputStream handshake = new ByteArrayOutputStream();
    int major = records[1];
    int minor = records[2];
    int i = 0;
    while (i < records.length) {
      int length = (records[i + 3] & 0xFF) << 8 | (records[i + 4] & 0xFF);
      handshake.write(records, i + 5, length);
      i += 5 + length;
    }
    return records(handshake.toByteArray(), major, minor, size);
  }

  /** {@code handshake} in handshake records of at most {@code size} bytes. */
  static byte[] records(byte[] handshake, int major, int minor, int size) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int from = 0; from < handshake.length; from += size) {
      int length = Math.min(size, handshake.length - from);
      out.write(22);
      out.write(major);
      out.write(minor);
      out.write(length >> 8);
      out.write(length);
      out.write(handshake, from, length);
    }
    return out.toByteArray();
  }

  /** A ClientHello of TLS 1.2 form with these extensions, in records of at most 16 KiB. */
  static byte[] hello(byte[]... extensions) {
    return records(helloMessage(true, extensions), 3, 1, 1 << 14);
  }

  /** The handshake message alone; {@code withExtensions} false: a hello that has no block. */
  static byte[] helloMessage(boolean withExtensions, byte[]... extensions) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(3);
    body.write(3);
    body.writeBytes(new byte[32]);
    body.write(32);
    body.writeBytes(new byte[32]);
    body.writeBytes(new byte[] {0, 4, 0x13, 0x01, 0x00, 0x2f});
    body.writeBytes(new byte[] {1, 0});
    if (withExtensions) {
      ByteArrayOutputStream block = new ByteArrayOutputStream();
      for (byte[] extension : extensions) {
        block.writeBytes(extension);
      }
      body.writeBytes(u16(block.size()));
      body.writeBytes(block.toByteArray());
    }
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    message.write(1);
    message.write(body.size() >> 16);
    message.writeBytes(u16(body.size()));
    message.writeBytes(body.toByteArray());
    return message.toByteArray();
  }

  static byte[] extension(int type, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(u16(type));
    out.writeBytes(u16(body.length));
    out.writeBytes(body);
    return out.toByteArray();
  }

  /** A server_name extension with one host_name entry per name (ISO-8859-1 bytes). */
  static byte[] serverName(String... names) {
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    for (String name : names) {
      list.writeBytes(entry(0, name.getBytes(StandardCharsets.ISO_8859_1)));
    }
    return extension(0, withLength(list.toByteArray()));
  }

  static byte[] entry(int type, byte[] name) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(type);
    out.writeBytes(withLength(name));
    return out.toByteArray();
  }

  static byte[] withLength(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(u16(bytes.length));
    out.writeBytes(bytes);
    return out.toByteArray();
  }

  /**
   * A padding extension (RFC 7685) of {@code size} zero bytes: a big hello as PQ key shares make.
   */
  static byte[] padding(int size) {
    return extension(21, new byte[size]);
  }

  static byte[] u16(int value) {
    return new byte[] {(byte) (value >> 8), (byte) value};
  }
}
