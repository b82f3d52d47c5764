package org.perchild.container;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ProxyConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.perchild.config.ProxyProtocolTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code RemoteIPProxyProtocol} in {@code perchild -X}, where no acceptor reads the header: Jetty's
 * own {@link ProxyConnectionFactory} first on each connector, made to follow the configuration as
 * the acceptor does. Jetty's serves a connection without a header as a direct one; here, on an
 * address:port where the header is required, such a connection is closed, and one from an address
 * of {@code RemoteIPProxyProtocolExceptions} (or on an address where it is Off) skips the detection
 * altogether. {@link SingleProcessMain} adds it to every connector when any address has it On.
 */
final class ProxyProtocolConnectionFactory extends ProxyConnectionFactory {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyProtocolConnectionFactory.class);

  private final ProxyProtocolTable table;

  ProxyProtocolConnectionFactory(ProxyProtocolTable table) {
    this.table = table;
  }

  /** Puts one in front of the connector's own factories, if any address has the protocol On. */
  static void addTo(ServerConnector connector, ProxyProtocolTable table) {
    if (table.anyOn()) {
      connector.addFirstConnectionFactory(new ProxyProtocolConnectionFactory(table));
    }
  }

  @Override
  public Connection newConnection(Connector connector, EndPoint endPoint) {
    if (!required(endPoint)) {
      return connector
          .getConnectionFactory(findNextProtocol(connector))
          .newConnection(connector, endPoint);
    }
    return super.newConnection(connector, endPoint);
  }

  /** No PROXY header where one is required: closed, never served. */
  @Override
  protected void nextProtocol(Connector connector, EndPoint endPoint, ByteBuffer buffer) {
    LOG.debug("{}: no PROXY header; closed", endPoint.getRemoteSocketAddress());
    endPoint.close();
  }

  private boolean required(EndPoint endPoint) {
    if (!(endPoint.getLocalSocketAddress() instanceof InetSocketAddress local)
        || !(endPoint.getRemoteSocketAddress() instanceof InetSocketAddress peer)) {
      return true;
    }
    return table.requiresHeader(local.getAddress(), local.getPort(), peer.getAddress());
  }
}
