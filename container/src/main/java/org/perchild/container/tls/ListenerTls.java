package org.perchild.container.tls;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.ssl.X509;
import org.perchild.config.Listener;
import org.perchild.config.VirtualHost;
import org.perchild.config.VirtualHostTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@code https} listener of {@code perchild -X}, which terminates TLS in its one process: one
 * {@link SslContextFactory.Server} holding the certificate of every virtual host with TLS on the
 * listener's port, the certificate chosen by SNI exactly as the acceptor chooses the host ({@link
 * VirtualHostTable}: the name, else the address's default host), then the same ALPN, HTTP/2 and
 * HTTP/1.1 as a child. Its {@code SSLProtocol}, {@code SSLCipherSuite}, {@code SSLProvider} and
 * {@code Protocols} are the default host's: one context has one of each. A host whose files cannot
 * be read is left out, said once in the log; the others serve. In one process there is one SSL
 * context per listener, so unlike the children's, its sessions are the listener's, not a host's:
 * {@code -X} is for debugging and the benchmark's baseline, not for tenants.
 */
public final class ListenerTls {

  private static final Logger LOG = LoggerFactory.getLogger(ListenerTls.class);

  private ListenerTls() {}

  /** A connector for {@code listener}: TLS, ALPN, then HTTP/2 or HTTP/1.1 over {@code http}. */
  public static ServerConnector connector(
      Server server,
      VirtualHostTable table,
      List<VirtualHost> hosts,
      Listener listener,
      HttpConfiguration http,
      java.util.function.Function<VirtualHost, HostTls> tlsOf) {
    InetAddress address = addressOf(listener);
    Map<String, PemFiles.Credentials> credentials = new LinkedHashMap<>();
    Map<VirtualHost, String> aliases = new LinkedHashMap<>();
    HostTls first = null;
    for (VirtualHost host : hosts) {
      HostTls tls = tlsOf.apply(host);
      if (tls == null || !answersOn(table, host, address, listener.port())) {
        continue;
      }
      try {
        String alias = "host" + (aliases.size() + 1);
        credentials.put(alias, PemFiles.read(tls.certificateFile(), tls.keyFile()));
        aliases.put(host, alias);
        if (first == null) {
          first = tls;
        }
      } catch (InvalidPemException e) {
        LOG.error("virtual host {}: TLS cannot be served: {}", tls.name(), e.getMessage());
      }
    }
    if (first == null) {
      throw new IllegalArgumentException(
          "Listen " + listener.address() + " https: no virtual host on it has TLS that loads");
    }
    List<VirtualHost> candidates = table.candidates(address, listener.port());
    VirtualHost defaultHost = candidates.isEmpty() ? null : candidates.get(0);
    HostTls settings = aliases.containsKey(defaultHost) ? tlsOf.apply(defaultHost) : first;
    String defaultAlias = aliases.getOrDefault(defaultHost, aliases.values().iterator().next());
    SslContextFactory.Server context =
        TlsContexts.server(
            credentials,
            settings.tlsProtocols(),
            settings.cipherSuite(),
            defaultAlias,
            settings.provider());
    // The host the SNI names, as the acceptor would choose it; its certificate if it has one of
    // this key type, else the default host's.
    context.setSNISelector(
        (keyType, issuers, session, sniHost, certificates) -> {
          VirtualHost chosen = table.select(address, listener.port(), sniHost);
          String alias = aliases.getOrDefault(chosen, defaultAlias);
          for (X509 each : certificates) {
            if (each.getAlias().equals(alias)) {
              return alias;
            }
          }
          return null;
        });
    TlsConnectionFactory tls = new TlsConnectionFactory(context, settings.protocols());
    List<org.eclipse.jetty.server.ConnectionFactory> factories = new ArrayList<>();
    factories.add(tls);
    factories.add(tls.alpn());
    factories.add(new HttpConnectionFactory(http));
    factories.add(new HTTP2ServerConnectionFactory(http));
    return new ServerConnector(
        server, 1, -1, factories.toArray(new org.eclipse.jetty.server.ConnectionFactory[0]));
  }

  private static boolean answersOn(
      VirtualHostTable table, VirtualHost host, InetAddress address, int port) {
    return table.candidates(address, port).contains(host);
  }

  /** The listener's address, or the IPv4 wildcard for a listener on every address. */
  private static InetAddress addressOf(Listener listener) {
    try {
      return InetAddress.getByName(listener.host() == null ? "0.0.0.0" : listener.host());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("Listen " + listener.address() + ": " + e.getMessage(), e);
    }
  }
}
