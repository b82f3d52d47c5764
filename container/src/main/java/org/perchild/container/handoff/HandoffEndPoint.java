package org.perchild.container.handoff;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The endpoint of a connection that came in through a {@link HandoffConnector}. It carries the
 * attachment given with the hand-off (what the acceptor's message said about the connection:
 * listener, secure flag, addresses from a PROXY header), so handlers can reach it through {@code
 * request.getConnectionMetaData().getConnection().getEndPoint()}.
 */
public class HandoffEndPoint extends SocketChannelEndPoint {

  private final Object attachment;

  HandoffEndPoint(
      SocketChannel channel,
      ManagedSelector selector,
      SelectionKey key,
      Scheduler scheduler,
      Object attachment) {
    super(channel, selector, key, scheduler);
    this.attachment = attachment;
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
}
