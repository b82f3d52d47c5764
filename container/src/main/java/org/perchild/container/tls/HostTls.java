package org.perchild.container.tls;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.perchild.config.SslProvider;

/**
 * One virtual host's TLS, as the child needs it: its PEM files, {@code SSLProtocol} (JSSE names),
 * {@code SSLCipherSuite} as written, {@code Protocols} (lower case), which decide what ALPN offers,
 * and {@code SSLProvider}.
 *
 * @param name the host's name, for the log
 * @param certificateFile {@code SSLCertificateFile}
 * @param keyFile {@code SSLCertificateKeyFile}, or null when the key is in the certificate file
 * @param tlsProtocols the JSSE protocol names, e.g. {@code TLSv1.2}, {@code TLSv1.3}
 * @param cipherSuite {@code SSLCipherSuite}, or null for the modern default
 * @param protocols {@code Protocols}: {@code h2}, {@code h2c}, {@code http/1.1}
 * @param provider the implementation of TLS that serves it ({@code SSLProvider})
 */
public record HostTls(
    String name,
    Path certificateFile,
    Path keyFile,
    List<String> tlsProtocols,
    String cipherSuite,
    List<String> protocols,
    SslProvider provider) {

  public HostTls {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(certificateFile, "certificateFile");
    Objects.requireNonNull(provider, "provider");
    tlsProtocols = List.copyOf(tlsProtocols);
    protocols = List.copyOf(protocols);
  }
}
