package org.perchild.container.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads httpd's {@code SSLCertificateFile} and {@code SSLCertificateKeyFile}: PEM, as mod_ssl reads
 * them. Jetty has no PEM reader, and perchild wants none from a library for this: the child reads
 * its tenant's files itself, after the privilege drop.
 *
 * <ul>
 *   <li>The certificate file holds the server's certificate first, then the chain, if any ({@code
 *       BEGIN CERTIFICATE} blocks, each read with {@link CertificateFactory}); other blocks are
 *       skipped, so a file that also holds the key serves as both.
 *   <li>The key file holds one private key: PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA ({@code
 *       BEGIN RSA PRIVATE KEY}) or SEC1 EC ({@code BEGIN EC PRIVATE KEY}, its named curve kept);
 *       the last two are wrapped into PKCS#8 ({@link Der}). An {@code EC PARAMETERS} block before
 *       it is skipped.
 *   <li>Refused with a reason that names the file: an encrypted key ({@code ENCRYPTED PRIVATE KEY},
 *       or {@code Proc-Type: 4,ENCRYPTED}: there is no pass phrase dialog), a file with no
 *       certificate or no key, a key that does not belong to the certificate.
 * </ul>
 */
public final class PemFiles {

  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----\\r?\\n(.*?)-----END \\1-----", Pattern.DOTALL);

  /** ed25519 1.3.101.112, ed448 1.3.101.113, RSASSA-PSS 1.2.840.113549.1.1.10. */
  private static final Map<String, String> KEY_ALGORITHMS =
      Map.of(
          Arrays.toString(Der.RSA_ENCRYPTION), "RSA",
          Arrays.toString(Der.EC_PUBLIC_KEY), "EC",
          Arrays.toString(new byte[] {0x2B, 0x65, 0x70}), "Ed25519",
          Arrays.toString(new byte[] {0x2B, 0x65, 0x71}), "Ed448",
          Arrays.toString(
                  new byte[] {
                    0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x01, 0x0A
                  }),
              "RSASSA-PSS");

  private PemFiles() {}

  /**
   * A server's certificate chain and the private key of its first certificate.
   *
   * @param key the private key
   * @param chain the server's certificate first, then the rest of the chain as the file had it
   */
  public record Credentials(PrivateKey key, List<X509Certificate> chain) {
    public Credentials {
      chain = List.copyOf(chain);
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("a certificate chain has at least the server's own");
      }
    }

    /** The server's own certificate. */
    public X509Certificate certificate() {
      return chain.get(0);
    }
  }

  /**
   * Reads a certificate chain and its key.
   *
   * @param keyFile the key's file, or null when it is in {@code certificateFile} (as mod_ssl
   *     allows)
   * @throws InvalidPemException if either cannot be read or served, or they do not belong together
   */
  public static Credentials read(Path certificateFile, Path keyFile) throws InvalidPemException {
    List<X509Certificate> chain = readCertificates(certificateFile);
    Path keyPath = keyFile == null ? certificateFile : keyFile;
    PrivateKey key = readKey(keyPath, chain.get(0));
    requireMatch(key, chain.get(0), keyPath, certificateFile);
    return new Credentials(key, chain);
  }

  /** The certificates of a PEM file, in file order. */
  public static List<X509Certificate> readCertificates(Path file) throws InvalidPemException {
    CertificateFactory factory;
    try {
      factory = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
    }
    List<X509Certificate> chain = new ArrayList<>();
    for (Block block : blocks(file)) {
      if (!block.label().equals("CERTIFICATE")) {
        continue;
      }
      try {
        chain.add(
            (X509Certificate)
                factory.generateCertificate(new ByteArrayInputStream(block.der(file))));
      } catch (CertificateException e) {
        throw new InvalidPemException(
            file + ": certificate " + (chain.size() + 1) + " cannot be read: " + e.getMessage(), e);
      }
    }
    if (chain.isEmpty()) {
      throw new InvalidPemException(file + ": no certificate (no BEGIN CERTIFICATE block)");
    }
    return chain;
  }

  private static PrivateKey readKey(Path file, X509Certificate certificate)
      throws InvalidPemException {
    for (Block block : blocks(file)) {
      String label = block.label();
      if (label.equals("ENCRYPTED PRIVATE KEY") || block.headers().contains("ENCRYPTED")) {
        throw new InvalidPemException(
            file
                + ": the private key is encrypted ("
                + (label.equals("ENCRYPTED PRIVATE KEY") ? label : "Proc-Type: 4,ENCRYPTED")
                + "); perchild has no pass phrase dialog: store it unencrypted, readable by the"
                + " tenant only (openssl pkey -in KEY -out NEW, then chmod 600 NEW)");
      }
      byte[] pkcs8;
      switch (label) {
        case "PRIVATE KEY" -> pkcs8 = block.der(file);
        case "RSA PRIVATE KEY" ->
            pkcs8 = Der.privateKeyInfo(Der.RSA_ENCRYPTION, Der.element(Der.NULL), block.der(file));
        case "EC PRIVATE KEY" -> pkcs8 = fromSec1(block.der(file), file);
        default -> {
          continue;
        }
      }
      return privateKey(pkcs8, file, certificate);
    }
    throw new InvalidPemException(
        file
            + ": no private key (BEGIN PRIVATE KEY, BEGIN RSA PRIVATE KEY or BEGIN EC PRIVATE"
            + " KEY)");
  }

  /** SEC1 {@code ECPrivateKey} into PKCS#8, with the named curve of its {@code [0]} parameters. */
  private static byte[] fromSec1(byte[] sec1, Path file) throws InvalidPemException {
    byte[] curve = null;
    try {
      Der.Reader key = new Der.Reader(sec1).read(Der.SEQUENCE);
      key.readBytes(Der.INTEGER);
      key.readBytes(Der.OCTET_STRING);
      if (key.hasMore() && key.peekTag() == Der.CONTEXT_0) {
        Der.Reader parameters = key.read(Der.CONTEXT_0);
        if (parameters.peekTag() == Der.OBJECT_IDENTIFIER) {
          curve = parameters.readBytes(Der.OBJECT_IDENTIFIER);
        }
      }
    } catch (IllegalArgumentException e) {
      throw new InvalidPemException(
          file + ": the EC private key cannot be read: " + e.getMessage());
    }
    if (curve == null) {
      throw new InvalidPemException(
          file
              + ": the EC private key names no curve (explicit parameters are not supported;"
              + " openssl ec -param_enc named_curve)");
    }
    return Der.privateKeyInfo(Der.EC_PUBLIC_KEY, Der.element(Der.OBJECT_IDENTIFIER, curve), sec1);
  }

  private static PrivateKey privateKey(byte[] pkcs8, Path file, X509Certificate certificate)
      throws InvalidPemException {
    String algorithm = algorithmOf(pkcs8, file);
    String expected = certificate.getPublicKey().getAlgorithm();
    if (!sameFamily(algorithm, expected)) {
      throw new InvalidPemException(
          file
              + ": the private key does not match its certificate (an "
              + algorithm
              + " key for an "
              + expected
              + " certificate, "
              + certificate.getSubjectX500Principal()
              + ")");
    }
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (GeneralSecurityException e) {
      throw new InvalidPemException(
          file + ": the " + algorithm + " private key cannot be read: " + e.getMessage(), e);
    }
  }

  private static boolean sameFamily(String keyAlgorithm, String certificateAlgorithm) {
    if (keyAlgorithm.equals(certificateAlgorithm)) {
      return true;
    }
    // The JDK calls an Ed25519 certificate's key "EdDSA" on 17 and "Ed25519" on later releases.
    return keyAlgorithm.startsWith("Ed") && certificateAlgorithm.startsWith("Ed");
  }

  /** The key algorithm a PKCS#8 {@code PrivateKeyInfo} names. */
  private static String algorithmOf(byte[] pkcs8, Path file) throws InvalidPemException {
    byte[] oid;
    try {
      Der.Reader info = new Der.Reader(pkcs8).read(Der.SEQUENCE);
      info.readBytes(Der.INTEGER);
      oid = info.read(Der.SEQUENCE).readBytes(Der.OBJECT_IDENTIFIER);
    } catch (IllegalArgumentException e) {
      throw new InvalidPemException(file + ": the private key cannot be read: " + e.getMessage());
    }
    String algorithm = KEY_ALGORITHMS.get(Arrays.toString(oid));
    if (algorithm == null) {
      throw new InvalidPemException(
          file + ": a private key of an unsupported algorithm (RSA, EC and EdDSA are)");
    }
    return algorithm;
  }

  /**
   * Whether the key is the certificate's: RSA by modulus and exponent, others by a signature the
   * certificate's public key verifies.
   */
  private static void requireMatch(
      PrivateKey key, X509Certificate certificate, Path keyFile, Path certificateFile)
      throws InvalidPemException {
    PublicKey publicKey = certificate.getPublicKey();
    boolean matches;
    if (key instanceof RSAKey rsa && publicKey instanceof RSAPublicKey rsaPublic) {
      matches =
          rsa.getModulus().equals(rsaPublic.getModulus())
              && (!(key instanceof RSAPrivateCrtKey crt)
                  || crt.getPublicExponent().equals(rsaPublic.getPublicExponent()));
    } else {
      matches = signatureVerifies(key, publicKey);
    }
    if (!matches) {
      throw new InvalidPemException(
          keyFile
              + ": the private key does not match the certificate in "
              + certificateFile
              + " ("
              + certificate.getSubjectX500Principal()
              + ")");
    }
  }

  private static boolean signatureVerifies(PrivateKey key, PublicKey publicKey) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm(); // EdDSA, Ed25519, Ed448
        };
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * An in-memory key store of {@code credentials}, one entry per alias, every key under {@code
   * password}; what Jetty's {@code SslContextFactory} is given instead of a file.
   */
  public static KeyStore keyStore(Map<String, Credentials> credentials, char[] password) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (Map.Entry<String, Credentials> entry : credentials.entrySet()) {
        store.setKeyEntry(
            entry.getKey(),
            entry.getValue().key(),
            password,
            entry.getValue().chain().toArray(new Certificate[0]));
      }
      return store;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("an in-memory PKCS12 key store: " + e, e);
    }
  }

  private record Block(String label, String headers, String body) {
    byte[] der(Path file) throws InvalidPemException {
      try {
        return Base64.getMimeDecoder().decode(body);
      } catch (IllegalArgumentException e) {
        throw new InvalidPemException(file + ": the " + label + " block is not base64");
      }
    }
  }

  private static List<Block> blocks(Path file) throws InvalidPemException {
    String text;
    try {
      text = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new InvalidPemException(file + ": cannot be read: " + e, e);
    }
    List<Block> blocks = new ArrayList<>();
    Matcher matcher = BLOCK.matcher(text);
    while (matcher.find()) {
      String inside = matcher.group(2);
      // RFC 1421 headers (Proc-Type, DEK-Info) end at the first empty line.
      String headers = "";
      String body = inside;
      int colon = inside.indexOf(':');
      int newline = inside.indexOf('\n');
      if (colon >= 0 && newline >= 0 && colon < newline) {
        int end = inside.indexOf("\n\n");
        int endCrLf = inside.indexOf("\r\n\r\n");
        int split = end >= 0 ? end : endCrLf;
        headers = split >= 0 ? inside.substring(0, split) : inside;
        body = split >= 0 ? inside.substring(split) : "";
      }
      blocks.add(new Block(matcher.group(1), headers, body));
    }
    if (blocks.isEmpty()) {
      throw new InvalidPemException(file + ": not PEM (no -----BEGIN ...----- block)");
    }
    return blocks;
  }
}
