package org.perchild.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mod_ssl's, mod_http2's and mod_remoteip's directives as the configuration reads them: httpd's
 * syntax, and each inherited from the main server unless the host writes its own.
 */
class TlsProtocolDirectivesTest {

  @TempDir Path root;
  private ConfigFixture conf;

  @BeforeEach
  void fixture() throws java.io.IOException {
    conf = new ConfigFixture(root);
    // -t looks at the files (it never opens them): they exist, the test user's own, 0600.
    for (String file : List.of("a.pem", "tls/a.pem", "tls/a.crt", "tls/main.crt")) {
      java.nio.file.Files.setPosixFilePermissions(
          conf.write(file, "not read by -t"),
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }
  }

  private VirtualHost host(String... lines) throws ConfigException {
    List<String> all = new java.util.ArrayList<>(List.of("Listen 443 https"));
    all.addAll(List.of(lines));
    return conf.load(all.toArray(String[]::new)).virtualHosts().get(0);
  }

  @Test
  void withoutSslEngineAHostHasNoTlsAndTheDefaultProtocols() throws ConfigException {
    VirtualHost host =
        host(
            "SSLCertificateFile tls/a.crt",
            "<VirtualHost *:443>",
            "  ServerName a.test",
            "</VirtualHost>");
    assertNull(host.tls());
    assertEquals(List.of("h2", "http/1.1"), host.protocols());
    assertNull(host.proxyProtocol());
    assertEquals(List.of(), host.proxyProtocolExceptions());
  }

  @Test
  void aHostInheritsWhatItDoesNotWriteAndTheKeyDefaultsToTheCertificateFile()
      throws ConfigException {
    VirtualHost host =
        host(
            "SSLEngine on",
            "SSLProtocol TLSv1.3",
            "SSLCipherSuite HIGH:!aNULL",
            "Protocols http/1.1",
            "RemoteIPProxyProtocol On",
            "<VirtualHost *:443>",
            "  ServerName a.test",
            "  SSLCertificateFile tls/a.pem",
            "</VirtualHost>");
    assertEquals(
        new TlsSettings(
            root.resolve("tls/a.pem"),
            root.resolve("tls/a.pem"),
            List.of("TLSv1.3"),
            "HIGH:!aNULL",
            SslProvider.CONSCRYPT),
        host.tls());
    assertEquals(List.of("http/1.1"), host.protocols());
    assertEquals(true, host.proxyProtocol());
  }

  @Test
  void aHostsOwnSettingsWin() throws ConfigException {
    VirtualHost host =
        host(
            "SSLEngine on",
            "SSLCertificateFile tls/main.crt",
            "RemoteIPProxyProtocol On",
            "RemoteIPProxyProtocolExceptions 127.0.0.1",
            "<VirtualHost *:443>",
            "  ServerName a.test",
            "  SSLEngine off",
            "  RemoteIPProxyProtocol Off",
            "  RemoteIPProxyProtocolExceptions 10.0.0.0/8",
            "  RemoteIPProxyProtocolExceptions ::1",
            "  Protocols H2 h2c HTTP/1.1 h2",
            "</VirtualHost>");
    assertNull(host.tls());
    assertEquals(false, host.proxyProtocol());
    assertEquals(List.of("10.0.0.0/8", "::1"), host.proxyProtocolExceptions());
    assertEquals(List.of("h2", "h2c", "http/1.1"), host.protocols());
    assertTrue(host.speaks("h2c"));
  }

  @Test
  void sslProtocolIsReadAsModSslReadsIt() throws ConfigException {
    assertEquals(
        List.of("TLSv1.2", "TLSv1.3"),
        host("SSLEngine on", "SSLCertificateFile a.pem", "<VirtualHost *:443>", "</VirtualHost>")
            .tls()
            .protocols());
    assertEquals(
        List.of("TLSv1.2"),
        host(
                "<VirtualHost *:443>",
                "  SSLEngine on",
                "  SSLCertificateFile a.pem",
                "  SSLProtocol all -TLSv1.3 -TLSv1 -TLSv1.1",
                "</VirtualHost>")
            .tls()
            .protocols());
    assertEquals(
        List.of("TLSv1.2", "TLSv1.3"),
        host(
                "<VirtualHost *:443>",
                "  SSLEngine on",
                "  SSLCertificateFile a.pem",
                "  SSLProtocol -all +TLSv1.3 +TLSv1.2",
                "</VirtualHost>")
            .tls()
            .protocols());
  }

  @Test
  void aWrongWordIsRefusedWithItsFileAndLine() {
    List<String> problems =
        conf.refuse(
            "Listen 443 https",
            "<VirtualHost *:443>",
            "  SSLProtocol +TLSv1.4",
            "  SSLEngine maybe",
            "  RemoteIPProxyProtocolExceptions proxy.example",
            "  Protocols spdy/3",
            "  SSLProvider OpenSSL",
            "</VirtualHost>");
    String all = String.join("\n", problems);
    assertTrue(all.contains("perchild.conf:7") && all.contains("neither Conscrypt nor JDK"), all);
    assertTrue(all.contains("perchild.conf:3") && all.contains("TLSv1.4"), all);
    assertTrue(all.contains("perchild.conf:4") && all.contains("On or Off"), all);
    assertTrue(all.contains("perchild.conf:5") && all.contains("host names"), all);
    assertTrue(all.contains("perchild.conf:6") && all.contains("no protocol"), all);
  }

  @Test
  void sslProviderIsInheritedAndTheJdkServesAChoiceAmongTls13Suites() throws ConfigException {
    assertEquals(
        SslProvider.CONSCRYPT,
        host("SSLEngine on", "SSLCertificateFile a.pem", "<VirtualHost *:443>", "</VirtualHost>")
            .tls()
            .provider());
    assertEquals(
        SslProvider.JDK,
        host(
                "SSLProvider jdk",
                "SSLEngine on",
                "SSLCertificateFile a.pem",
                "<VirtualHost *:443>",
                "</VirtualHost>")
            .tls()
            .provider());
    assertEquals(
        SslProvider.CONSCRYPT,
        host(
                "SSLProvider JDK",
                "<VirtualHost *:443>",
                "  SSLEngine on",
                "  SSLCertificateFile a.pem",
                "  SSLProvider Conscrypt",
                "  SSLCipherSuite ECDHE-ECDSA-AES128-GCM-SHA256",
                "</VirtualHost>")
            .tls()
            .provider());
    // BoringSSL offers all three of TLS 1.3's suites whatever it is told: the JDK honours this.
    assertEquals(
        SslProvider.JDK,
        host(
                "<VirtualHost *:443>",
                "  SSLEngine on",
                "  SSLCertificateFile a.pem",
                "  SSLCipherSuite TLSv1.3 TLS_AES_256_GCM_SHA384",
                "</VirtualHost>")
            .tls()
            .provider());
  }

  @Test
  void sslv3IsRefusedAndOldTlsIsWarnedAbout() throws ConfigException {
    List<String> problems =
        conf.refuse(
            "Listen 443 https", "SSLProtocol +SSLv3", "<VirtualHost *:443>", "</VirtualHost>");
    assertTrue(String.join("\n", problems).contains("SSLv3 is not supported"), problems.toString());
    ServerConfig config =
        conf.load(
            "Listen 443 https",
            "SSLProtocol all",
            "SSLEngine on",
            "SSLCertificateFile a.pem",
            "<VirtualHost *:443>",
            "</VirtualHost>");
    assertEquals(
        List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"),
        config.virtualHosts().get(0).tls().protocols());
    assertTrue(
        config.warnings().stream().anyMatch(w -> w.toString().contains("disabled by the JDK")),
        config.warnings().toString());
  }
}
