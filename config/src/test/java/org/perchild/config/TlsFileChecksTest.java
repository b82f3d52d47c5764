package org.perchild.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.testsupport.RootRequirement;

/**
 * What {@code -t} says about a host's TLS files: it only looks at them (their attributes), as it
 * looks at realm files, never opening a key that may be the tenant's alone.
 */
class TlsFileChecksTest {

  @TempDir Path root;
  private ConfigFixture conf;
  private TenantFixture tenants;

  @BeforeEach
  void fixture() throws Exception {
    tenants = new TenantFixture(root);
    conf = new ConfigFixture(root);
  }

  private Path file(String relative, String mode) throws Exception {
    Path file = conf.write(relative, "-----BEGIN CERTIFICATE-----");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    Files.setPosixFilePermissions(file.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  private String[] tenantHost(String... lines) {
    return tenants.host("Listen 443 https", 443, lines);
  }

  private static List<String> warnings(ServerConfig config) {
    return TenantFixture.warnings(config);
  }

  @Test
  void sslEngineOnWithoutACertificateIsAnErrorAtItsLine() {
    assertEquals(
        List.of(
            conf.at(6)
                + "SSLEngine on without SSLCertificateFile: name the host's certificate (PEM, the"
                + " leaf first)"),
        conf.refuse(tenantHost("SSLEngine on")));
  }

  @Test
  void missingFilesAreErrorsAtTheirLines() throws Exception {
    file("tls/a.crt", "rw-r--r--");
    assertEquals(
        List.of(conf.at(8) + "SSLCertificateKeyFile: no such file " + root.resolve("tls/a.key")),
        conf.refuse(
            tenantHost(
                "SSLEngine on",
                "SSLCertificateFile tls/a.crt",
                "SSLCertificateKeyFile tls/a.key")));
    assertEquals(
        List.of(conf.at(7) + "SSLCertificateFile: no such file " + root.resolve("tls/b.crt")),
        conf.refuse(tenantHost("SSLEngine on", "SSLCertificateFile tls/b.crt")));
  }

  @Test
  void aKeyTheTenantCannotReadAndOthersCanAreWarnings() throws Exception {
    file("tls/a.crt", "rw-r--r--");
    Path key = file("tls/a.key", "rw-r-----");
    ServerConfig config =
        conf.load(
            tenantHost(
                "SSLEngine on", "SSLCertificateFile tls/a.crt", "SSLCertificateKeyFile tls/a.key"));
    String mode = key + " is mode 0640, owner " + tenants.me + ", group " + tenants.myGroup;
    assertEquals(
        List.of(
            conf.at(8)
                + "warning: SSLCertificateKeyFile "
                + key
                + ": "
                + tenants.cannotRead(key, "0640", tenants.me, tenants.myGroup),
            conf.at(8)
                + "warning: SSLCertificateKeyFile "
                + key
                + ": a private key readable by others than its owner: "
                + mode
                + " (chmod 600, owned by the tenant)"),
        warnings(config));
  }

  @Test
  void aKeyInTheCertificateFileIsAKeyToo() throws Exception {
    Path both = file("tls/both.pem", "rw-r--r--");
    ServerConfig config = conf.load(tenantHost("SSLEngine on", "SSLCertificateFile tls/both.pem"));
    assertTrue(
        warnings(config).stream()
            .anyMatch(w -> w.contains("SSLCertificateFile " + both + ": a private key readable")),
        warnings(config).toString());
  }

  @Test
  void theTenantsOwnKeyOfMode0600DrawsNoWarning() throws Exception {
    RootRequirement.require("giving a key to the tenant (chown)");
    file("tls/a.crt", "rw-r--r--");
    Path key = file("tls/a.key", "rw-------");
    Files.setAttribute(key, "unix:uid", tenants.tenant);
    Files.setAttribute(key, "unix:gid", tenants.tenant);
    ServerConfig config =
        conf.load(
            tenantHost(
                "SSLEngine on", "SSLCertificateFile tls/a.crt", "SSLCertificateKeyFile tls/a.key"));
    assertEquals(List.of(), warnings(config));
    assertEquals(key, config.virtualHosts().get(0).tls().keyFile());
  }

  @Test
  void sslCipherSuiteIsConvertedAsTheChildWillConvertIt() throws Exception {
    file("tls/a.crt", "rw-r--r--");
    List<String> problems =
        conf.refuse(tenantHost("SSLCipherSuite ECDHE-RSA-AES128-GCM-SHA256:RC4-NOPE"));
    assertTrue(
        problems.contains(
            conf.at(6)
                + "SSLCipherSuite: unknown cipher suite RC4-NOPE (name suites as the JDK does,"
                + " TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, or as OpenSSL does,"
                + " ECDHE-RSA-AES128-GCM-SHA256)"),
        problems.toString());
    assertTrue(
        warnings(conf.load(tenantHost("SSLCipherSuite HIGH:!aNULL")))
            .get(0)
            .contains("warning: SSLCipherSuite: OpenSSL cipher-string keywords"));
  }

  @Test
  void aHostOnAnHttpsListenWithoutSslEngineAndTheReverseAreWarnings() throws Exception {
    assertEquals(
        List.of(
            conf.at(3)
                + "warning: <VirtualHost> on the https Listen *:443 without SSLEngine on: its TLS"
                + " connections are closed"),
        warnings(conf.load(tenantHost())));
    file("tls/a.crt", "rw-r--r--");
    List<String> warnings =
        warnings(
            conf.load(
                tenants.host("Listen 8080", 8080, "SSLEngine on", "SSLCertificateFile tls/a.crt")));
    assertTrue(
        warnings.contains(
            conf.at(3)
                + "warning: SSLEngine on, but no https Listen reaches this <VirtualHost>: TLS is"
                + " never spoken"),
        warnings.toString());
  }
}
