package org.perchild.container.tls;

import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import org.conscrypt.ApplicationProtocolSelector;
import org.conscrypt.Conscrypt;
import org.eclipse.jetty.alpn.server.ALPNServerConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.ALPNProcessor;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;

/**
 * ALPN on Conscrypt's engines, for Jetty's {@code ALPNServerConnectionFactory} (found through
 * {@code META-INF/services}; the JDK's own engines keep {@code jetty-alpn-java-server}'s). During
 * the handshake Conscrypt asks for the protocol with the client's list: the ALPN connection chooses
 * from the host's offer, as it does on the JDK. A client that offers no ALPN is given the default
 * protocol when the handshake ends. It loads nothing native of its own: a child whose hosts all
 * have {@code SSLProvider JDK} never loads BoringSSL.
 */
public final class ConscryptAlpnProcessor implements ALPNProcessor.Server {

  @Override
  public boolean appliesTo(SSLEngine engine) {
    return Conscrypt.isConscrypt(engine);
  }

  @Override
  public void configure(SSLEngine engine, Connection connection) {
    ALPNServerConnection alpn = (ALPNServerConnection) connection;
    Conscrypt.setApplicationProtocolSelector(engine, new Selector(alpn));
    SslConnection ssl = ((SslConnection.SslEndPoint) alpn.getEndPoint()).getSslConnection();
    ssl.addHandshakeListener(
        new SslHandshakeListener() {
          @Override
          public void handshakeSucceeded(Event event) {
            if (alpn.getProtocol() == null) {
              alpn.unsupported();
            }
          }
        });
  }

  private static final class Selector extends ApplicationProtocolSelector {

    private final ALPNServerConnection alpn;

    Selector(ALPNServerConnection alpn) {
      this.alpn = alpn;
    }

    @Override
    public String selectApplicationProtocol(SSLEngine engine, List<String> protocols) {
      try {
        alpn.select(protocols);
        return alpn.getProtocol();
      } catch (RuntimeException e) {
        // None of the client's protocols is offered: no ALPN, the handshake fails or goes on
        // without, as BoringSSL decides for a selector that chooses nothing.
        return null;
      }
    }

    @Override
    public String selectApplicationProtocol(SSLSocket socket, List<String> protocols) {
      throw new UnsupportedOperationException("Jetty serves TLS on engines, not sockets");
    }
  }
}
