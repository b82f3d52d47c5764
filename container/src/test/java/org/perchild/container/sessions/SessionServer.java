package org.perchild.container.sessions;

import java.nio.file.Path;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.perchild.container.testapp.CounterServlet;

/**
 * One Jetty server on 127.0.0.1, port 0, as a child keeps sessions: the session beans of {@link
 * SharedSessions} on the server, a {@code /app} context (ee10) of virtual host {@code host} with
 * the {@link CounterServlet}. Two of them over one directory are two children of one tenant that
 * share nothing but the directory.
 */
final class SessionServer implements AutoCloseable {

  final Server server = new Server();
  final ServletContextHandler context =
      new ServletContextHandler("/app", ServletContextHandler.SESSIONS);
  private final ServerConnector connector = new ServerConnector(server);

  SessionServer(Path directory, String host) throws Exception {
    this(directory, host, true);
  }

  /** {@code shared} false: Jetty's sessions in memory, as in {@code perchild -X}. */
  SessionServer(Path directory, String host, boolean shared) throws Exception {
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    SharedSessions.sameIdsInEveryChild(server);
    if (shared) {
      SharedSessions.storeIn(server, directory);
    }
    context.setAttribute(SharedSessions.VIRTUAL_HOST, host);
    context.addServlet(CounterServlet.class, "/*");
    server.setHandler(context);
    server.start();
  }

  int port() {
    return connector.getLocalPort();
  }

  /** The store of the {@code /app} context. */
  SessionFileStore store() {
    return (SessionFileStore) context.getSessionHandler().getSessionCache().getSessionDataStore();
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
