package org.perchild.container.handoff;

import java.util.concurrent.Executor;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;

/**
 * HTTP/1.1 for a {@link HandoffConnector}: Jetty's own {@link HttpConnection}, except for where the
 * first request runs.
 *
 * <p>A handed-off connection opens with the request head already in its buffer (the acceptor read
 * it), and Jetty's {@code HttpConnection.onOpen} then dispatches the request to another pool
 * thread. But the connector opens connections on a pool thread already, one that has nothing else
 * to do: so the connection holds back that first dispatch while it opens, and the connector runs it
 * on the opening thread right after ({@link HandoffConnector}'s {@code connectionOpened}). One
 * thread wake-up fewer per connection; every later request on the connection is dispatched as Jetty
 * does.
 */
public class HandedOffHttpConnectionFactory extends HttpConnectionFactory {

  public HandedOffHttpConnectionFactory(HttpConfiguration configuration) {
    super(configuration);
  }

  @Override
  public Connection newConnection(Connector connector, EndPoint endPoint) {
    HandedOffHttpConnection connection =
        new HandedOffHttpConnection(getHttpConfiguration(), connector, endPoint);
    connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
    return configure(connection, connector, endPoint);
  }

  /** An {@link HttpConnection} that can hold back the dispatch {@code onOpen} makes. */
  static final class HandedOffHttpConnection extends HttpConnection {

    // Touched only by the thread that opens the connection.
    private boolean opening;
    private Runnable heldBack;

    HandedOffHttpConnection(HttpConfiguration config, Connector connector, EndPoint endPoint) {
      super(config, connector, endPoint);
    }

    @Override
    public void onOpen() {
      opening = true;
      try {
        super.onOpen();
      } finally {
        opening = false;
      }
    }

    @Override
    protected Executor getExecutor() {
      // Only the connection the connector opens itself: one that TLS and ALPN open (on a
      // decrypted endpoint) is not the connector's to run, and dispatches as Jetty does.
      return opening && getEndPoint() instanceof HandoffEndPoint
          ? this::holdBack
          : super.getExecutor();
    }

    private void holdBack(Runnable task) {
      if (heldBack == null) {
        heldBack = task;
      } else {
        super.getExecutor().execute(task);
      }
    }

    /** The dispatch held back while opening, if any; the caller runs it. */
    Runnable takeHeldBack() {
      Runnable task = heldBack;
      heldBack = null;
      return task;
    }
  }
}
