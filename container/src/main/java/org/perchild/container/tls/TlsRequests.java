package org.perchild.container.tls;

import java.util.Locale;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLSession;
import org.eclipse.jetty.io.EndPoint;

/** What the TLS session of a connection says about the client's request. */
public final class TlsRequests {

  private TlsRequests() {}

  /** The SNI host name the client sent (lower case), or null without TLS or without SNI. */
  public static String serverName(EndPoint endPoint) {
    EndPoint.SslSessionData data = endPoint.getSslSessionData();
    SSLSession session = data == null ? null : data.sslSession();
    if (!(session instanceof ExtendedSSLSession extended)) {
      return null;
    }
    for (SNIServerName name : extended.getRequestedServerNames()) {
      if (name instanceof SNIHostName host) {
        return host.getAsciiName().toLowerCase(Locale.ROOT);
      }
    }
    return null;
  }
}
