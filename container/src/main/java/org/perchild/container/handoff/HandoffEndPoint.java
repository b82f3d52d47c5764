package org.perchild.container.handoff;

import java.net.SocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.perchild.protocol.HandoffMessage;

/**
 * The endpoint of a connection that came in through a {@link HandoffConnector}. It carries the
 * attachment given with the hand-off (what the acceptor's message said about the connection:
 * listener, secure flag, addresses from a PROXY header), so handlers can reach it through {@code
 * request.getConnectionMetaData().getConnection().getEndPoint()}.
 *
 * <p>When the attachment is a {@link HandoffMessage} with a PROXY header's addresses, this endpoint
 * reports them as its remote and local addresses ({@link HandoffMessage#clientAddress()}, {@link
 * HandoffMessage#serverAddress()}): Jetty's connections read their metadata from the endpoint once,
 * when they are made, and everything above (a servlet's {@code getRemoteAddr}, {@code
 * getLocalAddr}, the access log, the TLS layer, which asks the endpoint below it) then sees the
 * client, not the proxy. Routing must not: {@link #socketLocalAddress(EndPoint)} gives the socket's
 * own local address, by which the acceptor chose the virtual host.
 */
public class HandoffEndPoint extends SocketChannelEndPoint {

  private final Object attachment;
  private final HandoffMessage.Proxied proxied;

  HandoffEndPoint(
      SocketChannel channel,
      ManagedSelector selector,
      SelectionKey key,
      Scheduler scheduler,
      Object attachment) {
    super(channel, selector, key, scheduler);
    this.attachment = attachment;
    this.proxied = attachment instanceof HandoffMessage message ? message.proxied() : null;
  }

  /**
   * The attachment of the hand-off a connection's endpoint came from, through TLS if the connection
   * is encrypted; null when it did not come through a {@link HandoffConnector}.
   */
  public static Object attachmentOf(EndPoint endPoint) {
    EndPoint each = endPoint;
    if (each instanceof SslConnection.SslEndPoint decrypted) {
      each = decrypted.getSslConnection().getEndPoint();
    }
    return each instanceof HandoffEndPoint handedOff ? handedOff.getAttachment() : null;
  }

  /** The attachment given to {@link HandoffConnector#handOff}; may be null. */
  public Object getAttachment() {
    return attachment;
  }

  /** The client: the PROXY header's source, else the socket's peer. */
  @Override
  public SocketAddress getRemoteSocketAddress() {
    return proxied != null ? proxied.source() : super.getRemoteSocketAddress();
  }

  /** Where the client connected: the PROXY header's destination, else the socket's own address. */
  @Override
  public SocketAddress getLocalSocketAddress() {
    return proxied != null ? proxied.destination() : super.getLocalSocketAddress();
  }

  /**
   * The local address of the socket under {@code endPoint}, whatever a PROXY header said: through
   * TLS and any other wrapping endpoint (Jetty's own PROXY endpoint in {@code -X} too) down to the
   * socket's. This is what the child routes by, as the acceptor did.
   */
  public static SocketAddress socketLocalAddress(EndPoint endPoint) {
    EndPoint socket = socketEndPoint(endPoint);
    return socket instanceof HandoffEndPoint handoff
        ? handoff.socketLocal()
        : socket.getLocalSocketAddress();
  }

  /**
   * The peer of the socket under {@code endPoint}: the client, or the proxy that sent a PROXY
   * header (mod_remoteip's {@code %{c}a}).
   */
  public static SocketAddress socketRemoteAddress(EndPoint endPoint) {
    EndPoint socket = socketEndPoint(endPoint);
    return socket instanceof HandoffEndPoint handoff
        ? handoff.socketRemote()
        : socket.getRemoteSocketAddress();
  }

  /** The endpoint of the socket itself: below every wrapping endpoint, or a hand-off's own. */
  private static EndPoint socketEndPoint(EndPoint endPoint) {
    EndPoint each = endPoint;
    while (!(each instanceof HandoffEndPoint)
        && each instanceof EndPoint.Wrapper wrapper
        && wrapper.unwrap() != null) {
      each = wrapper.unwrap();
    }
    return each;
  }

  private SocketAddress socketRemote() {
    return super.getRemoteSocketAddress();
  }

  private SocketAddress socketLocal() {
    return super.getLocalSocketAddress();
  }
}
