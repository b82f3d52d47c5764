package org.perchild.container.handoff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.config.SslProvider;
import org.perchild.container.handoff.TestAcceptor.Listener;
import org.perchild.container.handoff.TestAcceptor.Read;
import org.perchild.container.tls.HostTls;
import org.perchild.container.tls.TlsHosts;
import org.perchild.container.tls.TlsRequests;
import org.perchild.testsupport.OpensslCertificates;
import org.perchild.testsupport.OpensslCertificates.Pair;

/**
 * TLS, ALPN, HTTP/2 and h2c through a {@link HandoffConnector}, with real clients (openssl, curl)
 * and real hand-offs: a {@link TestAcceptor} reads the ClientHello (or the h2c preface) and hands
 * the socket over with the bytes it read and the host it chose, as the acceptor does; each host has
 * its own TLS ({@link TlsHosts}).
 */
@Timeout(60)
class TlsHandoffTest {

  @TempDir static Path directory;

  private static Server server;
  private static HandoffConnector connector;
  private static TlsHosts<String> tls;
  private static TestAcceptor acceptor;
  private static HandedOffHttpConnectionFactory http11;

  @BeforeAll
  static void startServer() throws Exception {
    OpensslCertificates openssl = new OpensslCertificates(directory);
    Pair a = openssl.rsa("a.test");
    Pair b = openssl.ec("b.test");
    Pair other = openssl.rsa("other.test");
    Pair jdk = openssl.ec("jdk.test");
    List<String> tls12and13 = List.of("TLSv1.2", "TLSv1.3");
    List<String> h2AndHttp11 = List.of("h2", "http/1.1");
    tls =
        new TlsHosts<>(
            Map.of(
                "a.test",
                new HostTls(
                    "a.test",
                    a.certificate(),
                    a.key(),
                    tls12and13,
                    null,
                    h2AndHttp11,
                    SslProvider.CONSCRYPT),
                "b.test",
                new HostTls(
                    "b.test",
                    b.certificate(),
                    b.key(),
                    tls12and13,
                    null,
                    List.of("http/1.1"),
                    SslProvider.CONSCRYPT),
                "jdk.test",
                new HostTls(
                    "jdk.test",
                    jdk.certificate(),
                    jdk.key(),
                    tls12and13,
                    null,
                    h2AndHttp11,
                    SslProvider.JDK),
                "broken.test",
                new HostTls(
                    "broken.test",
                    a.certificate(),
                    other.key(),
                    tls12and13,
                    null,
                    h2AndHttp11,
                    SslProvider.CONSCRYPT)));

    QueuedThreadPool threads = new QueuedThreadPool(50, 4);
    threads.setName("test-tls-child");
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.addCustomizer(new SecureRequestCustomizer(false, false, -1, false));
    http11 = new HandedOffHttpConnectionFactory(http);
    connector =
        new HandoffConnector(
            server,
            -1,
            http11,
            new HTTP2ServerConnectionFactory(http),
            new H2cConnectionFactory(http, (local, host) -> !"no-h2c.test".equals(host)));
    connector.setProtocolChoice(
        attachment -> attachment == null ? http11 : tls.factory((String) attachment));
    server.addConnector(connector);
    server.addBean(tls);
    server.setHandler(new Facts());
    server.start();
    acceptor = new TestAcceptor(Listener.IPV4);
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (acceptor != null) {
      acceptor.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void eachHostGetsItsOwnCertificate() throws Exception {
    assertTrue(certificateOf("a.test").contains("subject=CN = a.test"));
    assertTrue(certificateOf("b.test").contains("subject=CN = b.test"));
  }

  @Test
  void curlNegotiatesHttp2ByAlpnAndTheRequestIsSecure() throws Exception {
    String facts = curl("a.test", "--http2");
    assertEquals(
        "secure=true scheme=https protocol=HTTP/2.0 sni=a.test host=a.test tls=org.conscrypt",
        facts);
    assertEquals(
        "secure=true scheme=https protocol=HTTP/1.1 sni=a.test host=a.test tls=org.conscrypt",
        curl("a.test", "--http1.1"));
  }

  @Test
  void aHostWithSslProviderJdkIsServedByTheJdksTlsWithAlpnToo() throws Exception {
    assertTrue(certificateOf("jdk.test").contains("subject=CN = jdk.test"));
    assertEquals(
        "secure=true scheme=https protocol=HTTP/2.0 sni=jdk.test host=jdk.test"
            + " tls=sun.security.ssl",
        curl("jdk.test", "--http2"));
    assertEquals(
        "secure=true scheme=https protocol=HTTP/1.1 sni=jdk.test host=jdk.test"
            + " tls=sun.security.ssl",
        curl("jdk.test", "--http1.1"));
  }

  @Test
  void aHostWithoutH2InItsProtocolsSpeaksHttp11EvenWhenAskedForHttp2() throws Exception {
    assertEquals(
        "secure=true scheme=https protocol=HTTP/1.1 sni=b.test host=b.test tls=org.conscrypt",
        curl("b.test", "--http2"));
  }

  @Test
  void aSessionOfOneHostIsNotResumedUnderAnother() throws Exception {
    Path session = directory.resolve("a.session");
    String first = sClient("a.test", "a.test", "-sess_out", session.toString());
    assertTrue(first.contains("New, TLSv1.3"), first);
    // The control: the same host resumes it, so the test would see a resumption if there were one.
    String again = sClient("a.test", "a.test", "-sess_in", session.toString());
    assertTrue(again.contains("Reused, TLSv1.3"), again);
    String other = sClient("b.test", "b.test", "-sess_in", session.toString());
    assertTrue(other.contains("New, TLSv1.3"), other);
    assertTrue(other.contains("subject=CN = b.test"), other);
  }

  @Test
  void aSessionOfOneHostIsNotResumedUnderAnotherOnTls12Either() throws Exception {
    Path session = directory.resolve("a12.session");
    assertTrue(
        sClient("a.test", "a.test", "-tls1_2", "-sess_out", session.toString())
            .contains("New, TLSv1.2"));
    String again = sClient("a.test", "a.test", "-tls1_2", "-sess_in", session.toString());
    assertTrue(again.contains("Reused, TLSv1.2"), again);
    String other = sClient("b.test", "b.test", "-tls1_2", "-sess_in", session.toString());
    assertTrue(other.contains("New, TLSv1.2"), other);
  }

  @Test
  void aHostWhoseKeyDoesNotMatchIsClosedAndTheOthersServe() throws Exception {
    assertNull(tls.failure("a.test"));
    String failure = tls.failure("broken.test");
    assertNotNull(failure);
    assertTrue(failure.contains("does not match the certificate"), failure);
    long failedBefore = connector.getFailed();
    String out = sClient("broken.test", "broken.test");
    assertTrue(!out.contains("subject=CN"), out);
    assertEquals(failedBefore + 1, connector.getFailed());
    assertEquals(
        "secure=true scheme=https protocol=HTTP/2.0 sni=a.test host=a.test tls=org.conscrypt",
        curl("a.test", "--http2"));
  }

  @Test
  void h2cByPriorKnowledge() throws Exception {
    assertEquals(
        "secure=false scheme=http protocol=HTTP/2.0 sni=null host=plain.test",
        plainCurl("plain.test", Read.H2_PREFACE, "--http2-prior-knowledge"));
  }

  @Test
  void h2cByUpgradeWhereTheHostAllowsIt() throws Exception {
    assertEquals(
        "secure=false scheme=http protocol=HTTP/2.0 sni=null host=plain.test",
        plainCurl("plain.test", Read.UNTIL_HEAD, "--http2"));
    assertEquals(
        "secure=false scheme=http protocol=HTTP/1.1 sni=null host=no-h2c.test",
        plainCurl("no-h2c.test", Read.UNTIL_HEAD, "--http2"));
  }

  /** Runs {@code command} while this test plays the acceptor for one connection. */
  private static String withHandOff(List<String> command, Read read, String host) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process
        .getOutputStream()
        .write(
            ("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    process.getOutputStream().close();
    TestAcceptor.Accepted accepted = acceptor.accept(read);
    connector.handOff(
        accepted.fd(),
        accepted.family(),
        accepted.alreadyRead(),
        read == Read.TLS_RECORD ? host : null);
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
    return out;
  }

  private static String target() throws IOException {
    InetSocketAddress target = acceptor.clientTarget();
    return target.getHostString() + ":" + target.getPort();
  }

  private static String certificateOf(String host) throws Exception {
    return sClient(host, host);
  }

  private static String sClient(String servername, String handTo, String... options)
      throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of("openssl", "s_client", "-connect", target(), "-servername", servername));
    command.add("-ign_eof");
    command.addAll(List.of(options));
    return withHandOff(command, Read.TLS_RECORD, handTo);
  }

  private static String curl(String host, String version) throws Exception {
    int port = acceptor.clientTarget().getPort();
    return withHandOff(
        List.of(
            "curl",
            "-sS",
            "-k",
            version,
            "--resolve",
            host + ":" + port + ":127.0.0.1",
            "https://" + host + ":" + port + "/"),
        Read.TLS_RECORD,
        host);
  }

  private static String plainCurl(String host, Read read, String version) throws Exception {
    return withHandOff(
        List.of("curl", "-sS", version, "-H", "Host: " + host, "http://" + target() + "/"),
        read,
        host);
  }

  /** Which implementation made the connection's TLS session: the package of its class. */
  private static String tlsPackage(EndPoint endPoint) {
    EndPoint.SslSessionData data = endPoint.getSslSessionData();
    if (data == null || data.sslSession() == null) {
      return "";
    }
    String name = data.sslSession().getClass().getName();
    return " tls=" + name.substring(0, name.lastIndexOf('.'));
  }

  /** Answers what the request says about its connection, on one line. */
  private static final class Facts extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String facts =
          "secure="
              + request.isSecure()
              + " scheme="
              + request.getHttpURI().getScheme()
              + " protocol="
              + request.getConnectionMetaData().getProtocol()
              + " sni="
              + TlsRequests.serverName(
                  request.getConnectionMetaData().getConnection().getEndPoint())
              + " host="
              + Request.getServerName(request)
              + tlsPackage(request.getConnectionMetaData().getConnection().getEndPoint());
      Content.Sink.write(response, true, facts, callback);
      return true;
    }
  }
}
