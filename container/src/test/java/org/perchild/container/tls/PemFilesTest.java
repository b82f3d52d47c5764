package org.perchild.container.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.testsupport.Commands;
import org.perchild.testsupport.OpensslCertificates;
import org.perchild.testsupport.OpensslCertificates.Pair;

/** {@link PemFiles} with keys and certificates made by the real openssl, in every encoding. */
class PemFilesTest {

  @TempDir static Path directory;

  private static OpensslCertificates openssl;
  private static Pair rsa;
  private static Pair ec;

  @BeforeAll
  static void makeKeys() throws Exception {
    openssl = new OpensslCertificates(directory);
    rsa = openssl.rsa("a.test");
    ec = openssl.ec("b.test");
  }

  @Test
  void readsAPkcs8RsaKeyAndItsCertificate() throws Exception {
    PemFiles.Credentials credentials = PemFiles.read(rsa.certificate(), rsa.key());
    assertEquals("RSA", credentials.key().getAlgorithm());
    assertEquals("CN=a.test", credentials.certificate().getSubjectX500Principal().getName());
    assertTrue(Files.readString(rsa.key()).contains("BEGIN PRIVATE KEY"));
  }

  @Test
  void readsAPkcs1RsaKey() throws Exception {
    Path pkcs1 = openssl.convert(rsa.key(), "a-pkcs1.key", "rsa", "-traditional");
    assertTrue(Files.readString(pkcs1).contains("BEGIN RSA PRIVATE KEY"));
    PemFiles.Credentials credentials = PemFiles.read(rsa.certificate(), pkcs1);
    assertEquals(
        PemFiles.read(rsa.certificate(), rsa.key()).key(), credentials.key(), "the same key");
  }

  @Test
  void readsAPkcs8AndASec1EcKeyKeepingItsNamedCurve() throws Exception {
    Path sec1 = openssl.convert(ec.key(), "b-sec1.key", "ec");
    assertTrue(Files.readString(sec1).contains("BEGIN EC PRIVATE KEY"));
    PemFiles.Credentials fromSec1 = PemFiles.read(ec.certificate(), sec1);
    PemFiles.Credentials fromPkcs8 = PemFiles.read(ec.certificate(), ec.key());
    ECPrivateKey key = (ECPrivateKey) fromSec1.key();
    ECPublicKey certificateKey = (ECPublicKey) fromSec1.certificate().getPublicKey();
    assertEquals(certificateKey.getParams().toString(), key.getParams().toString());
    assertEquals(((ECPrivateKey) fromPkcs8.key()).getS(), key.getS(), "the same key");
  }

  @Test
  void readsAnEcParametersBlockBeforeTheKey() throws Exception {
    Path sec1 = openssl.convert(ec.key(), "b-sec1-again.key", "ec");
    Path withParameters = directory.resolve("b-params.key");
    // What "openssl ecparam -genkey" writes: the curve's block, then the key.
    Files.writeString(
        withParameters,
        Commands.run("openssl", "ecparam", "-name", "prime256v1") + Files.readString(sec1));
    assertTrue(Files.readString(withParameters).startsWith("-----BEGIN EC PARAMETERS"));
    assertEquals("EC", PemFiles.read(ec.certificate(), withParameters).key().getAlgorithm());
  }

  @Test
  void readsTheChainLeafFirst() throws Exception {
    Path chain = directory.resolve("chain.crt");
    Files.writeString(
        chain, Files.readString(rsa.certificate()) + Files.readString(ec.certificate()));
    PemFiles.Credentials credentials = PemFiles.read(chain, rsa.key());
    assertEquals(2, credentials.chain().size());
    assertEquals("CN=a.test", credentials.certificate().getSubjectX500Principal().getName());
    assertEquals("CN=b.test", credentials.chain().get(1).getSubjectX500Principal().getName());
  }

  @Test
  void readsTheKeyFromTheCertificateFileWhenThereIsNoKeyFile() throws Exception {
    Path both = directory.resolve("both.pem");
    Files.writeString(both, Files.readString(rsa.certificate()) + Files.readString(rsa.key()));
    assertEquals("RSA", PemFiles.read(both, null).key().getAlgorithm());
  }

  @Test
  void refusesAnEncryptedPkcs8Key() throws Exception {
    Path encrypted =
        openssl.convert(rsa.key(), "a-enc8.key", "pkey", "-aes256", "-passout", "pass:secret");
    assertTrue(Files.readString(encrypted).contains("BEGIN ENCRYPTED PRIVATE KEY"));
    InvalidPemException refused =
        assertThrows(InvalidPemException.class, () -> PemFiles.read(rsa.certificate(), encrypted));
    assertTrue(refused.getMessage().startsWith(encrypted + ": the private key is encrypted"));
    assertTrue(refused.getMessage().contains("no pass phrase"), refused.getMessage());
  }

  @Test
  void refusesAnEncryptedTraditionalKey() throws Exception {
    Path encrypted =
        openssl.convert(
            rsa.key(), "a-enc1.key", "rsa", "-traditional", "-aes256", "-passout", "pass:secret");
    assertTrue(Files.readString(encrypted).contains("Proc-Type: 4,ENCRYPTED"));
    InvalidPemException refused =
        assertThrows(InvalidPemException.class, () -> PemFiles.read(rsa.certificate(), encrypted));
    assertTrue(refused.getMessage().contains("Proc-Type: 4,ENCRYPTED"), refused.getMessage());
  }

  @Test
  void refusesAKeyOfAnotherCertificate() throws Exception {
    Pair other = openssl.rsa("other.test");
    InvalidPemException refused =
        assertThrows(
            InvalidPemException.class, () -> PemFiles.read(rsa.certificate(), other.key()));
    assertEquals(
        other.key()
            + ": the private key does not match the certificate in "
            + rsa.certificate()
            + " (CN=a.test)",
        refused.getMessage());
  }

  @Test
  void refusesAnEcKeyForAnotherEcCertificate() throws Exception {
    Pair other = openssl.ec("other-ec.test");
    InvalidPemException refused =
        assertThrows(InvalidPemException.class, () -> PemFiles.read(ec.certificate(), other.key()));
    assertTrue(refused.getMessage().contains("does not match"), refused.getMessage());
  }

  @Test
  void refusesAnEcKeyForAnRsaCertificate() {
    InvalidPemException refused =
        assertThrows(InvalidPemException.class, () -> PemFiles.read(rsa.certificate(), ec.key()));
    assertTrue(
        refused.getMessage().contains("an EC key for an RSA certificate"), refused.getMessage());
  }

  @Test
  void refusesFilesWithoutWhatTheyShouldHold() throws Exception {
    Path text = Files.writeString(directory.resolve("not.pem"), "hello\n");
    assertEquals(
        text + ": not PEM (no -----BEGIN ...----- block)",
        assertThrows(InvalidPemException.class, () -> PemFiles.read(text, rsa.key())).getMessage());
    assertTrue(
        assertThrows(InvalidPemException.class, () -> PemFiles.read(rsa.key(), rsa.key()))
            .getMessage()
            .contains("no certificate"));
    assertTrue(
        assertThrows(
                InvalidPemException.class,
                () -> PemFiles.read(rsa.certificate(), rsa.certificate()))
            .getMessage()
            .contains("no private key"));
    Path missing = directory.resolve("missing.key");
    assertTrue(
        assertThrows(InvalidPemException.class, () -> PemFiles.read(rsa.certificate(), missing))
            .getMessage()
            .startsWith(missing + ": cannot be read"));
  }

  @Test
  void refusesACorruptKey() throws Exception {
    Path corrupt = directory.resolve("corrupt.key");
    Files.writeString(
        corrupt, "-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n");
    assertTrue(
        assertThrows(InvalidPemException.class, () -> PemFiles.read(ec.certificate(), corrupt))
            .getMessage()
            .contains("cannot be read"));
  }

  @Test
  void buildsAKeyStoreJettyCanUse() throws Exception {
    char[] password = "in-memory".toCharArray();
    KeyStore store =
        PemFiles.keyStore(
            Map.of(
                "a", PemFiles.read(rsa.certificate(), rsa.key()),
                "b", PemFiles.read(ec.certificate(), ec.key())),
            password);
    assertTrue(store.isKeyEntry("a"));
    assertTrue(store.isKeyEntry("b"));
    assertEquals("EC", store.getKey("b", password).getAlgorithm());
  }
}
