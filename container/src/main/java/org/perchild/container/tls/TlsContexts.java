package org.perchild.container.tls;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSession;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.perchild.config.CipherSuites;
import org.perchild.config.SslProvider;

/**
 * Jetty's {@link SslContextFactory.Server} from credentials already read ({@link PemFiles}) and a
 * host's {@code SSLProtocol} and {@code SSLCipherSuite}. Each call makes a new factory, so a new
 * {@code SSLContext} when it starts, with its own session cache and its own session-ticket keys: a
 * TLS session of one host can never be resumed under another (docs/ARCHITECTURE.md).
 */
public final class TlsContexts {

  private TlsContexts() {}

  /**
   * A server context with {@code credentials} (one per alias; with more than one, Jetty chooses by
   * SNI, or the caller's {@link SslContextFactory.Server#setSNISelector selector}).
   *
   * @param protocols the JSSE protocol names, e.g. {@code TLSv1.2}, {@code TLSv1.3}
   * @param cipherSuite {@code SSLCipherSuite} as written, or null for the modern default
   * @param defaultAlias the alias used without SNI, or null when there is one
   * @param provider the implementation of TLS ({@code SSLProvider}; the JDK's where Conscrypt does
   *     not load)
   * @throws IllegalArgumentException if the cipher suite names a suite no one knows
   */
  public static SslContextFactory.Server server(
      Map<String, PemFiles.Credentials> credentials,
      List<String> protocols,
      String cipherSuite,
      String defaultAlias,
      SslProvider provider) {
    // The key store lives in this process's memory only; its password guards nothing on disk.
    char[] password = HexFormat.of().formatHex(new SecureRandom().generateSeed(16)).toCharArray();
    SslContextFactory.Server context = new WithoutClientCertificates();
    context.setKeyStore(PemFiles.keyStore(credentials, password));
    context.setKeyStorePassword(new String(password));
    context.setKeyManagerPassword(new String(password));
    if (defaultAlias != null) {
      context.setCertAlias(defaultAlias);
    }
    context.setIncludeProtocols(protocols.toArray(new String[0]));
    String jca = TlsProviders.jcaName(provider);
    List<String> suites = CipherSuites.parse(cipherSuite).suites();
    if (jca != null && cipherSuite == null) {
      // BoringSSL has no finite-field Diffie-Hellman: the default's DHE suites are the JDK's only.
      suites = suites.stream().filter(suite -> !suite.startsWith("TLS_DHE_")).toList();
    }
    context.setIncludeCipherSuites(suites.toArray(new String[0]));
    // What the operator named is what is offered: Jetty's default exclusions (CBC with SHA-1, …)
    // would silently drop a suite written into SSLCipherSuite.
    context.setExcludeCipherSuites();
    context.setUseCipherSuitesOrder(true);
    // h2 refuses the suites of RFC 9113's block list: offer the others first.
    context.setCipherComparator(HTTP2Cipher.COMPARATOR);
    context.setRenegotiationAllowed(false);
    if (jca != null) {
      context.setProvider(jca);
    }
    return context;
  }

  /**
   * A server context that asks no client for a certificate: Perchild has no {@code
   * SSLVerifyClient}, so no session holds one. Jetty still asks each new connection's session for
   * its client's chain, and both Conscrypt and the JDK answer that question with an {@code
   * SSLPeerUnverifiedException}, which Jetty catches: an exception built, stack and all, for every
   * TLS connection. This answers it without asking whenever no certificate was requested.
   */
  static final class WithoutClientCertificates extends SslContextFactory.Server {

    @Override
    public X509Certificate[] getX509CertChain(SSLSession session) {
      if (getNeedClientAuth() || getWantClientAuth()) {
        return super.getX509CertChain(session);
      }
      return null;
    }
  }
}
