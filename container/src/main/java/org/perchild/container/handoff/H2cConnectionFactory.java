package org.perchild.container.handoff;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * Jetty's h2c (HTTP/2 in clear text), taken only where the virtual host's {@code Protocols} name
 * {@code h2c}: by prior knowledge (the connection starts with HTTP/2's preface, which Jetty's
 * HTTP/1.1 connection recognises and hands here), allowed by the default virtual host of the
 * connection's address, as the acceptor decides it; and by {@code Upgrade: h2c} on an HTTP/1.1
 * request, allowed by the request's host. Never on TLS, where HTTP/2 is negotiated by ALPN.
 * Refused, a prior-knowledge connection gets Jetty's 426 and an upgrade request is served as
 * HTTP/1.1.
 */
public final class H2cConnectionFactory extends HTTP2CServerConnectionFactory {

  /** Whether h2c is allowed. */
  @FunctionalInterface
  public interface Policy {
    /**
     * @param local the connection's local address
     * @param host the request's host (lower case, no port), or null for prior knowledge, where the
     *     address's default virtual host decides
     */
    boolean allows(InetSocketAddress local, String host);
  }

  private final Policy policy;

  public H2cConnectionFactory(HttpConfiguration configuration, Policy policy) {
    super(configuration);
    this.policy = policy;
  }

  @Override
  public Connection upgradeConnection(
      Connector connector,
      EndPoint endPoint,
      MetaData.Request request,
      HttpFields.Mutable response101) {
    // The socket's own address, as the acceptor decided by, not a PROXY header's destination.
    SocketAddress local = HandoffEndPoint.socketLocalAddress(endPoint);
    if (endPoint.getSslSessionData() != null || !(local instanceof InetSocketAddress inet)) {
      return null;
    }
    boolean priorKnowledge = HttpMethod.PRI.is(request.getMethod());
    String host = priorKnowledge ? null : request.getHttpURI().getHost();
    if (host != null) {
      host = host.toLowerCase(java.util.Locale.ROOT);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
    }
    if (!priorKnowledge && host == null) {
      return null;
    }
    return policy.allows(inet, host)
        ? super.upgradeConnection(connector, endPoint, request, response101)
        : null;
  }
}
