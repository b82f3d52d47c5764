package org.perchild.container.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.config.SslProvider;
import org.perchild.testsupport.OpensslCertificates;
import org.perchild.testsupport.OpensslCertificates.Pair;

/** {@link TlsContexts}: what a server context asks of a connection's session. */
class TlsContextsTest {

  @TempDir static Path directory;

  private static PemFiles.Credentials credentials;

  @BeforeAll
  static void makeKey() throws Exception {
    Pair ec = new OpensslCertificates(directory).ec("a.test");
    credentials = PemFiles.read(ec.certificate(), ec.key());
  }

  @Test
  void asksNoSessionForAClientCertificateItNeverRequested() {
    for (SslProvider provider : SslProvider.values()) {
      SslContextFactory.Server context = context(provider);
      AtomicInteger asked = new AtomicInteger();
      assertNull(context.getX509CertChain(sessionWithoutPeer(asked)));
      assertEquals(0, asked.get(), provider + ": the session was asked for its peer's chain");
    }
  }

  @Test
  void asksTheSessionOnceAClientCertificateIsRequested() {
    SslContextFactory.Server context = context(SslProvider.DEFAULT);
    context.setWantClientAuth(true);
    AtomicInteger asked = new AtomicInteger();
    assertNull(context.getX509CertChain(sessionWithoutPeer(asked)));
    assertEquals(1, asked.get());
  }

  private static SslContextFactory.Server context(SslProvider provider) {
    return TlsContexts.server(
        Map.of("a.test", credentials), List.of("TLSv1.2", "TLSv1.3"), null, null, provider);
  }

  /** A session whose peer sent no certificate, as Conscrypt's and the JDK's answer for it. */
  private static SSLSession sessionWithoutPeer(AtomicInteger asked) {
    return (SSLSession)
        Proxy.newProxyInstance(
            SSLSession.class.getClassLoader(),
            new Class<?>[] {SSLSession.class},
            (proxy, method, arguments) -> {
              if (method.getName().equals("getPeerCertificates")) {
                asked.incrementAndGet();
                throw new SSLPeerUnverifiedException("peer not authenticated");
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }
}
