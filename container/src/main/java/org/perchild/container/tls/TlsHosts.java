package org.perchild.container.tls;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.perchild.container.handoff.RefusedConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS of each of a child's virtual hosts that has {@code SSLEngine on}: each its own {@link
 * TlsConnectionFactory}, so its own {@code SSLContext}, session cache and session-ticket keys.
 *
 * <p>The certificate and key are read when this starts, which is in the child after the privilege
 * drop: the key may be mode 0600 and the tenant's (docs/ARCHITECTURE.md, invariant 3). A host whose
 * files cannot be read or served (a missing file, an encrypted key, a key of another certificate,
 * an unknown cipher suite) has no factory: its reason goes to the error log once, at start, and its
 * connections are closed ({@link #factory} throws); the child's other hosts serve.
 *
 * @param <K> what a host is known by (the child's {@code VirtualHost})
 */
public final class TlsHosts<K> extends ContainerLifeCycle {

  private static final Logger LOG = LoggerFactory.getLogger(TlsHosts.class);

  private final Map<K, HostTls> settings;
  private final Function<K, SslHandshakeListener> handshakes;
  private final Map<K, TlsConnectionFactory> factories = new LinkedHashMap<>();
  private final Map<K, String> failures = new LinkedHashMap<>();

  /** The hosts with TLS and their settings; hosts without TLS are not in it. */
  public TlsHosts(Map<K, HostTls> settings) {
    this(settings, host -> null);
  }

  /**
   * @param settings the hosts with TLS and their settings; hosts without TLS are not in it
   * @param handshakes what hears of each host's TLS handshakes (its counters), or null for none
   */
  public TlsHosts(Map<K, HostTls> settings, Function<K, SslHandshakeListener> handshakes) {
    this.settings = Map.copyOf(settings);
    this.handshakes = handshakes;
  }

  @Override
  protected void doStart() throws Exception {
    for (Map.Entry<K, HostTls> entry : settings.entrySet()) {
      HostTls host = entry.getValue();
      try {
        PemFiles.Credentials credentials = PemFiles.read(host.certificateFile(), host.keyFile());
        TlsConnectionFactory factory =
            new TlsConnectionFactory(
                TlsContexts.server(
                    Map.of(host.name(), credentials),
                    host.tlsProtocols(),
                    host.cipherSuite(),
                    null,
                    host.provider()),
                host.protocols());
        SslHandshakeListener listener = handshakes.apply(entry.getKey());
        if (listener != null) {
          // SslConnectionFactory.configure adds its beans of this type to every connection.
          factory.addBean(listener);
        }
        factory.start();
        factories.put(entry.getKey(), factory);
        String provider = factory.getSslContextFactory().getProvider();
        LOG.info(
            "virtual host {}: TLS with {} ({}), protocols {}, ALPN {}, by {}",
            host.name(),
            host.certificateFile(),
            credentials.certificate().getSubjectX500Principal().getName(),
            host.tlsProtocols(),
            factory.alpn().getNegotiatedProtocols(),
            provider == null ? "the JDK" : provider);
      } catch (Exception e) {
        String reason = e.getMessage() == null ? e.toString() : e.getMessage();
        failures.put(entry.getKey(), reason);
        LOG.error(
            "virtual host {}: TLS cannot be served, its connections are closed: {}",
            host.name(),
            reason);
        LOG.debug("TLS of {}", host.name(), e);
      }
    }
    super.doStart();
  }

  @Override
  protected void doStop() throws Exception {
    super.doStop();
    for (TlsConnectionFactory factory : factories.values()) {
      factory.stop();
    }
    factories.clear();
    failures.clear();
  }

  /** Whether {@code host} has TLS configured (whether or not it loaded). */
  public boolean hasTls(K host) {
    return settings.containsKey(host);
  }

  /** The host's settings, or null when it has no TLS. */
  public HostTls settings(K host) {
    return settings.get(host);
  }

  /**
   * The factory of a host's TLS connections.
   *
   * @throws RefusedConnectionException if the host has no TLS, or its TLS did not load
   */
  public TlsConnectionFactory factory(K host) throws RefusedConnectionException {
    TlsConnectionFactory factory = factories.get(host);
    if (factory != null) {
      return factory;
    }
    HostTls tls = settings.get(host);
    if (tls == null) {
      throw new RefusedConnectionException("a TLS connection for a host without SSLEngine on");
    }
    throw new RefusedConnectionException(
        "virtual host " + tls.name() + ": TLS did not load: " + failures.get(host));
  }

  /** Why a host's TLS did not load, or null if it did (or it has none). */
  public String failure(K host) {
    return failures.get(host);
  }
}
