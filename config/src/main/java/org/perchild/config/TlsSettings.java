package org.perchild.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A virtual host's TLS, from mod_ssl's directives: {@code SSLEngine on} makes one, the others fill
 * it in (each inherited from the main server unless the host sets its own, as httpd merges them).
 * The files are the tenant's and are read by the tenant's children only, after they drop root; the
 * launcher and the acceptor never open them.
 *
 * @param certificateFile {@code SSLCertificateFile}: PEM, the leaf first, its chain may follow;
 *     null when not written (an error that {@code -t} reports)
 * @param keyFile {@code SSLCertificateKeyFile}: PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC);
 *     the certificate file when not written, as in mod_ssl
 * @param protocols {@code SSLProtocol} as JSSE names ({@code TLSv1.2}, {@code TLSv1.3}), in the
 *     order of {@link #KNOWN_PROTOCOLS}
 * @param cipherSuite {@code SSLCipherSuite} as written, or null for the modern default
 * @param provider the implementation that serves it: {@code SSLProvider}, except that a host whose
 *     {@code SSLCipherSuite} chooses among TLS 1.3's suites is served by the JDK, as BoringSSL
 *     always offers all three ({@link #providerFor})
 */
public record TlsSettings(
    Path certificateFile,
    Path keyFile,
    List<String> protocols,
    String cipherSuite,
    SslProvider provider) {

  /** The protocols {@code SSLProtocol} names, oldest first; {@code all} is every one but SSLv3. */
  public static final List<String> KNOWN_PROTOCOLS =
      List.of("SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");

  /** {@code SSLProtocol}'s default, httpd's {@code all -SSLv3 -TLSv1 -TLSv1.1}. */
  public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");

  public TlsSettings {
    protocols = List.copyOf(Objects.requireNonNull(protocols, "protocols"));
    Objects.requireNonNull(provider, "provider");
  }

  /**
   * The implementation that serves {@code written} ({@code SSLProvider}, null for the default) with
   * {@code cipherSuite}: Conscrypt cannot leave out one of TLS 1.3's suites (BoringSSL enables all
   * three), so a cipher suite that leaves one out is served by the JDK, which can.
   */
  public static SslProvider providerFor(SslProvider written, String cipherSuite) {
    SslProvider chosen = written != null ? written : SslProvider.DEFAULT;
    if (chosen == SslProvider.CONSCRYPT && choosesTls13Suites(cipherSuite)) {
      return SslProvider.JDK;
    }
    return chosen;
  }

  /** Whether {@code cipherSuite} leaves out any of TLS 1.3's suites (false when it is invalid). */
  public static boolean choosesTls13Suites(String cipherSuite) {
    try {
      return !CipherSuites.parse(cipherSuite).suites().containsAll(CipherSuites.TLS13);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
