package org.perchild.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.perchild.config.ConnectionSettings;
import org.perchild.config.ProxyProtocolTable;
import org.perchild.config.VirtualHost;
import org.perchild.container.handoff.HandoffEndPoint;

/**
 * {@code -X}'s PROXY protocol: Jetty's own factory in front of a real connector, following the
 * configuration: a header is required (none: closed unanswered), its addresses are the request's,
 * the socket's stay for routing, and an exception address connects without one.
 */
class ProxyProtocolConnectionFactoryTest {

  private Server server;
  private int port;

  @BeforeEach
  void start() throws Exception {
    VirtualHost main =
        new VirtualHost(
            "localhost",
            List.of(),
            List.of(),
            null,
            null,
            null,
            null,
            "warn",
            List.of(),
            ConnectionSettings.DEFAULTS,
            null,
            0,
            List.of(),
            List.of(),
            null,
            VirtualHost.DEFAULT_PROTOCOLS,
            true,
            List.of("127.0.0.2"));
    server = new Server();
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory());
    connector.setHost("127.0.0.1");
    ProxyProtocolConnectionFactory.addTo(connector, ProxyProtocolTable.of(main, List.of()));
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            String body =
                Request.getRemoteAddr(request)
                    + ":"
                    + Request.getRemotePort(request)
                    + " -> "
                    + Request.getLocalAddr(request)
                    + ":"
                    + Request.getLocalPort(request)
                    + " socket "
                    + HandoffEndPoint.socketLocalAddress(
                        request.getConnectionMetaData().getConnection().getEndPoint());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
            Content.Sink.write(response, true, body, callback);
            return true;
          }
        });
    server.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private String exchange(String from, byte[] bytes) throws IOException {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(bytes);
      try {
        return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (SocketException reset) {
        return "";
      }
    }
  }

  private static final String HEAD = "GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n";

  @Test
  @Timeout(30)
  void aV1HeadersAddressesAreTheRequestsAndTheSocketStaysForRouting() throws Exception {
    String reply =
        exchange(
            "127.0.0.1",
            ("PROXY TCP4 203.0.113.7 198.51.100.1 40000 443\r\n" + HEAD)
                .getBytes(StandardCharsets.US_ASCII));
    assertTrue(reply.startsWith("HTTP/1.1 200 "), reply);
    assertTrue(
        reply.endsWith("203.0.113.7:40000 -> 198.51.100.1:443 socket /127.0.0.1:" + port), reply);
  }

  @Test
  @Timeout(30)
  void aV2LocalHeaderIsServedWithTheSocketsAddresses() throws Exception {
    byte[] local = HexFormat.of().parseHex("0d0a0d0a000d0a515549540a20000000");
    byte[] head = HEAD.getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[local.length + head.length];
    System.arraycopy(local, 0, all, 0, local.length);
    System.arraycopy(head, 0, all, local.length, head.length);
    String reply = exchange("127.0.0.1", all);
    assertTrue(reply.startsWith("HTTP/1.1 200 "), reply);
    assertTrue(reply.contains("127.0.0.1:" + port + " socket"), reply);
  }

  @Test
  @Timeout(30)
  void withoutAHeaderTheConnectionIsClosedUnanswered() throws Exception {
    assertEquals("", exchange("127.0.0.1", HEAD.getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  @Timeout(30)
  void anExceptionAddressConnectsWithoutAHeader() throws Exception {
    String reply = exchange("127.0.0.2", HEAD.getBytes(StandardCharsets.US_ASCII));
    assertTrue(reply.startsWith("HTTP/1.1 200 "), reply);
    assertTrue(reply.contains("127.0.0.2:"), reply);
  }
}
