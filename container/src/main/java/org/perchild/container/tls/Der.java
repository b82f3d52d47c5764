package org.perchild.container.tls;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Just enough DER for {@link PemFiles}: to wrap a PKCS#1 RSA key or a SEC1 EC key into the PKCS#8
 * structure the JDK's {@code KeyFactory} reads, and to find the named curve inside a SEC1 key. Not
 * a general ASN.1 library: it writes definite lengths and reads only what it is told to expect,
 * refusing anything else with {@link IllegalArgumentException}.
 */
final class Der {

  static final int INTEGER = 0x02;
  static final int OCTET_STRING = 0x04;
  static final int NULL = 0x05;
  static final int OBJECT_IDENTIFIER = 0x06;
  static final int SEQUENCE = 0x30;

  /** {@code [0]} EXPLICIT, constructed: the parameters of a SEC1 key. */
  static final int CONTEXT_0 = 0xA0;

  /** rsaEncryption, 1.2.840.113549.1.1.1. */
  static final byte[] RSA_ENCRYPTION = {
    0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x01, 0x01
  };

  /** id-ecPublicKey, 1.2.840.10045.2.1. */
  static final byte[] EC_PUBLIC_KEY = {0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01};

  private Der() {}

  /** One element: tag, definite length, contents. */
  static byte[] element(int tag, byte[]... contents) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] each : contents) {
      body.writeBytes(each);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = body.size();
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  /**
   * PKCS#8 {@code PrivateKeyInfo}: version 0, the algorithm (its OID and parameters, already
   * encoded), the private key as an OCTET STRING.
   */
  static byte[] privateKeyInfo(byte[] algorithm, byte[] parameters, byte[] privateKey) {
    return element(
        SEQUENCE,
        element(INTEGER, new byte[] {0}),
        element(SEQUENCE, element(OBJECT_IDENTIFIER, algorithm), parameters),
        element(OCTET_STRING, privateKey));
  }

  /** A reader of one DER element after another, within bounds. */
  static final class Reader {
    private final byte[] der;
    private int position;
    private final int end;

    Reader(byte[] der) {
      this(der, 0, der.length);
    }

    private Reader(byte[] der, int start, int end) {
      this.der = der;
      this.position = start;
      this.end = end;
    }

    boolean hasMore() {
      return position < end;
    }

    /** The tag of the next element, without consuming it. */
    int peekTag() {
      require(position < end, "end of data");
      return der[position] & 0xFF;
    }

    /** The next element, which must have {@code tag}: a reader of its contents. */
    Reader read(int tag) {
      int start = contentStart(tag);
      int length = length();
      Reader contents = new Reader(der, position, position + length);
      position += length;
      return contents;
    }

    /** The contents of the next element, which must have {@code tag}. */
    byte[] readBytes(int tag) {
      Reader contents = read(tag);
      return Arrays.copyOfRange(der, contents.position, contents.end);
    }

    private int contentStart(int tag) {
      int actual = peekTag();
      require(
          actual == tag,
          String.format("expected tag 0x%02x at offset %d, found 0x%02x", tag, position, actual));
      position++;
      return position;
    }

    private int length() {
      require(position < end, "truncated length");
      int first = der[position++] & 0xFF;
      int length;
      if (first < 0x80) {
        length = first;
      } else {
        int bytes = first & 0x7F;
        require(bytes >= 1 && bytes <= 3, "unsupported length of " + bytes + " bytes");
        length = 0;
        for (int i = 0; i < bytes; i++) {
          require(position < end, "truncated length");
          length = (length << 8) | (der[position++] & 0xFF);
        }
      }
      require(length <= end - position, "length " + length + " runs past the end");
      return length;
    }

    private static void require(boolean condition, String reason) {
      if (!condition) {
        throw new IllegalArgumentException("malformed DER: " + reason);
      }
    }
  }
}
