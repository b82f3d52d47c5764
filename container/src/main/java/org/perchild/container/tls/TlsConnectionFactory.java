package org.perchild.container.tls;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * TLS for one virtual host (in the child) or one {@code https} listener ({@code -X}): Jetty's
 * {@link SslConnection} with this factory's own SSL context, then ALPN offering the application
 * protocols that the host's {@code Protocols} allow ({@code h2}, then {@code http/1.1}).
 *
 * <p>Jetty's own {@link SslConnectionFactory} finds its next protocol by name on the connector,
 * which has one of each; but the hand-off connector serves many hosts, each with its own context
 * and its own ALPN list. So this factory owns its ALPN factory and creates its connection itself;
 * the protocols ALPN chooses ({@code h2}, {@code http/1.1}) are the connector's, the same for every
 * host.
 */
public final class TlsConnectionFactory extends SslConnectionFactory {

  /** The protocol name of the ALPN factory, for a connector that must find it ({@code -X}). */
  public static final String ALPN = "alpn";

  private final ALPNServerConnectionFactory alpn;

  /**
   * @param context the host's (or listener's) SSL context, not started
   * @param protocols the host's {@code Protocols} (lower case); of them {@code h2} and {@code
   *     http/1.1} are offered, in that order, and {@code http/1.1} when it names neither
   */
  public TlsConnectionFactory(SslContextFactory.Server context, List<String> protocols) {
    super(context, ALPN);
    // BoringSSL reads and writes native memory: Conscrypt copies a heap buffer into a direct one
    // on every wrap and unwrap, so its records are kept in direct buffers; JSSE works on arrays.
    boolean direct = context.getProvider() != null;
    setDirectBuffersForEncryption(direct);
    setDirectBuffersForDecryption(direct);
    List<String> offered = applicationProtocols(protocols);
    alpn = new ALPNServerConnectionFactory(offered.toArray(new String[0]));
    // A client that offers no ALPN (openssl s_client, old clients) speaks HTTP/1.1.
    alpn.setDefaultProtocol(offered.get(offered.size() - 1));
    addBean(alpn);
  }

  /** What ALPN offers for {@code Protocols}: h2 then http/1.1, as far as they are named. */
  public static List<String> applicationProtocols(List<String> protocols) {
    List<String> offered = new ArrayList<>();
    if (protocols.contains("h2")) {
      offered.add("h2");
    }
    if (protocols.contains("http/1.1") || offered.isEmpty()) {
      offered.add("http/1.1");
    }
    return List.copyOf(offered);
  }

  /** The ALPN factory this one hands the decrypted connection to. */
  public ALPNServerConnectionFactory alpn() {
    return alpn;
  }

  @Override
  public Connection newConnection(Connector connector, EndPoint endPoint) {
    SocketAddress remote = endPoint.getRemoteSocketAddress();
    SSLEngine engine =
        remote instanceof InetSocketAddress inet
            ? getSslContextFactory().newSSLEngine(inet)
            : getSslContextFactory().newSSLEngine();
    engine.setUseClientMode(false);
    TlsProviders.configure(engine);
    SslConnection ssl = newSslConnection(connector, endPoint, engine);
    ssl.setRenegotiationAllowed(getSslContextFactory().isRenegotiationAllowed());
    ssl.setRenegotiationLimit(getSslContextFactory().getRenegotiationLimit());
    configure(ssl, connector, endPoint);
    EndPoint decrypted = ssl.getSslEndPoint();
    decrypted.setConnection(alpn.newConnection(connector, decrypted));
    return ssl;
  }
}
