package org.perchild.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.config.ChildGroup;
import org.perchild.config.ConfigLoader;
import org.perchild.config.ServerConfig;
import org.perchild.config.VirtualHost;
import org.perchild.config.WebAppRealm;
import org.perchild.posix.SystemAccounts;

/** The configuration records survive the trip to another process whole, and decode is strict. */
class ConfigCodecTest {

  @TempDir Path root;

  /** Every kind of record and field the configuration has, an Include and a warning among them. */
  private ServerConfig richConfig() throws Exception {
    Files.createDirectories(root.resolve("conf"));
    Files.createDirectories(root.resolve("webapps/a"));
    Files.createDirectories(root.resolve("htdocs/b"));
    Files.createDirectories(root.resolve("realms"));
    for (String realm : List.of("a.properties", "a-admin.properties", "b-secret.properties")) {
      Files.writeString(root.resolve("realms").resolve(realm), "someone: secret\n");
    }
    Files.createDirectories(root.resolve("tls"));
    for (String file : List.of("b-secret.crt", "b-secret.key")) {
      Files.writeString(root.resolve("tls").resolve(file), "not read by -t\n");
    }
    Files.writeString(
        root.resolve("conf/b.conf"),
        String.join(
            "\n",
            "<VirtualHost 127.0.0.1:8443 [::1]:8443>",
            "  ServerName b.test",
            "  ServerAlias *.b.test b?.example",
            "  AssignUserID #40002 #40002",
            "  DocumentRoot htdocs/b",
            "  WebAppRealm \"Bob's Realm\" realms/b-secret.properties",
            "  KeepAlive Off",
            "  LimitRequestBody 0",
            "  SSLEngine on",
            "  SSLCertificateFile tls/b-secret.crt",
            "  SSLCertificateKeyFile tls/b-secret.key",
            "  SSLProtocol -all +TLSv1.3",
            "  SSLCipherSuite TLSv1.3 TLS_AES_256_GCM_SHA384",
            "  Protocols h2 h2c http/1.1",
            "  RemoteIPProxyProtocol On",
            "  RemoteIPProxyProtocolExceptions 10.0.0.0/8 2001:db8::1",
            "</VirtualHost>",
            ""));
    Files.writeString(
        root.resolve("conf/perchild.conf"),
        String.join(
            "\n",
            "Listen 8080",
            "Listen 127.0.0.1:8443 https",
            "User #65534",
            "Group #65534",
            "NumServers 4",
            "ServerLimit 6",
            "MaxRequestsPerChild 500",
            "StartThreads 3",
            "MinSpareThreads 2",
            "MaxSpareThreads 6",
            "MaxThreadsPerChild 20",
            "ThreadLimit 32",
            "GracefulShutdownTimeout 7",
            "ChildPerUserID #40001 #40001 2",
            "ChildPerUserID #40002 #40002 1",
            "ChildJavaOptions -Xmx96m",
            "ChildPerUserJavaOptions #40001 #40001 -Dsecret=alice \"-Dspaced=a b\"",
            "NameVirtualHost *:8080",
            "PidFile run/perchild.pid",
            "SessionDirectory state/sessions",
            "ErrorLog logs/error_log",
            "LogLevel info",
            "Protocols h2c http/1.1",
            "SSLCipherSuite ECDHE-RSA-AES128-GCM-SHA256",
            "LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b\" common",
            "Timeout 30",
            "KeepAliveTimeout 3",
            "MaxKeepAliveRequests 50",
            "LimitRequestLine 4000",
            "LimitRequestFieldSize 4001",
            "LimitRequestFields 40",
            "<Location /server-status>",
            "  SetHandler server-status",
            "  Require ip 127.0.0.1 ::1 10.1",
            "  Require ip 192.168.0.0/16",
            "  Require local",
            "</Location>",
            "<VirtualHost *:8080>",
            "  ServerName a.test",
            "  ServerAlias www.a.test",
            "  AssignUserID #40001 #40001",
            "  AppBase webapps/a",
            "  ErrorLog logs/a_error_log",
            "  CustomLog logs/a_access_log common",
            "  CustomLog logs/a_agent_log \"%{User-agent}i\"",
            "  WebAppRealm \"Test Realm\" realms/a.properties",
            "  WebAppRealm admin realms/a-admin.properties",
            "  <Location /metrics>",
            "    SetHandler metrics",
            "    Require all granted",
            "  </Location>",
            "</VirtualHost>",
            "Include conf/b.conf",
            ""));
    return new ConfigLoader(new SystemAccounts()).load(root, Path.of("conf/perchild.conf"));
  }

  @Test
  void aRichConfigurationDecodesEqualToWhatWasEncoded() throws Exception {
    ServerConfig config = richConfig();
    // The fixture exercises what it claims to: otherwise equality would prove little.
    assertFalse(config.warnings().isEmpty());
    assertEquals(2, config.listeners().size());
    assertFalse(config.mainServer().locations().isEmpty());
    assertFalse(config.virtualHosts().get(0).customLogs().isEmpty());
    assertFalse(config.childGroups().get(0).javaOptions().isEmpty());
    assertNull(config.virtualHosts().get(1).appBase());
    assertEquals(2, config.virtualHosts().get(0).realms().size());
    VirtualHost b = config.virtualHosts().get(1);
    assertEquals(List.of("TLSv1.3"), b.tls().protocols());
    assertEquals(root.resolve("tls/b-secret.key"), b.tls().keyFile());
    assertEquals(true, b.proxyProtocol());
    assertEquals(List.of("h2c", "http/1.1"), config.virtualHosts().get(0).protocols());

    ServerConfig decoded = ConfigCodec.decode(ConfigCodec.encode(config));

    assertEquals(config, decoded);
    assertEquals(config.virtualHosts(), decoded.virtualHosts());
    assertEquals(config.mainServer().locations(), decoded.mainServer().locations());
    assertEquals(
        List.of(
            new WebAppRealm("Test Realm", root.resolve("realms/a.properties")),
            new WebAppRealm("admin", root.resolve("realms/a-admin.properties"))),
        decoded.virtualHosts().get(0).realms());
  }

  @Test
  void decodeRefusesAnotherVersionATruncatedEncodingAndTrailingBytes() throws Exception {
    byte[] bytes = ConfigCodec.encode(richConfig());
    byte[] otherVersion = bytes.clone();
    otherVersion[7] = 9;
    assertTrue(
        assertThrows(IOException.class, () -> ConfigCodec.decode(otherVersion))
            .getMessage()
            .contains("version 9"));
    assertThrows(
        IOException.class, () -> ConfigCodec.decode(Arrays.copyOf(bytes, bytes.length - 3)));
    assertThrows(
        IOException.class, () -> ConfigCodec.decode(Arrays.copyOf(bytes, bytes.length + 1)));
    assertThrows(IOException.class, () -> ConfigCodec.decode(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
  }

  @Test
  void aChildSeesItsOwnHostsWholeAndOnlyTheNamesOfTheOthers() throws Exception {
    ServerConfig config = richConfig();
    ChildGroup alice = config.childGroups().get(0);

    ServerConfig view = ConfigCodec.decode(ConfigCodec.encode(ConfigViews.forChild(config, alice)));

    assertEquals(1, view.childGroups().size());
    assertEquals(List.of(), view.childGroups().get(0).javaOptions());
    assertTrue(view.childGroups().get(0).runsAs(40001, 40001));
    VirtualHost own = view.virtualHosts().get(0);
    VirtualHost original = config.virtualHosts().get(0);
    assertEquals(original.appBase(), own.appBase());
    assertEquals(original.customLogs(), own.customLogs());
    assertEquals(original.locations(), own.locations());
    VirtualHost other = view.virtualHosts().get(1);
    assertEquals(config.virtualHosts().get(1).serverName(), other.serverName());
    assertEquals(config.virtualHosts().get(1).aliases(), other.aliases());
    assertEquals(config.virtualHosts().get(1).addresses(), other.addresses());
    assertEquals(ConfigViews.OTHER_TENANT, other.group());
    assertNull(other.documentRoot());
    assertNull(other.errorLog());
    assertNull(other.file());
    assertTrue(other.customLogs().isEmpty() && other.locations().isEmpty());
    // The main server is the User/Group children's: alice's child gets its names only.
    assertNull(view.mainServer().errorLog());
    assertTrue(view.mainServer().locations().isEmpty());
    assertTrue(view.warnings().isEmpty());
    assertNull(view.pidFile());
    // Its sessions are under <SessionDirectory>/<its uid>: the child needs the directory.
    assertEquals(root.resolve("state/sessions"), view.sessionDirectory());
    String text = new String(ConfigCodec.encode(ConfigViews.forChild(config, alice)));
    assertFalse(text.contains("htdocs/b"), text);
    assertFalse(text.contains("b-secret"), text);
    assertNull(other.tls());
    // Not a secret, and the address's default host decides whether h2c is spoken there.
    assertEquals(List.of("h2", "h2c", "http/1.1"), other.protocols());
    assertFalse(text.contains("-Dsecret"), text);
    assertFalse(text.contains("#40002"), text);
    // The same routing table: the child answers 421 exactly where the acceptor routes elsewhere.
    assertEquals(
        config.virtualHostTable().byAddress().keySet(),
        view.virtualHostTable().byAddress().keySet());
  }

  @Test
  void aChildGetsTheRealmsOfItsOwnHostsAndNeverAnotherTenantsRealm() throws Exception {
    ServerConfig config = richConfig();
    ChildGroup alice = config.childGroups().get(0);
    VirtualHost bob = config.virtualHosts().get(1);
    assertEquals(
        List.of(new WebAppRealm("Bob's Realm", root.resolve("realms/b-secret.properties"))),
        bob.realms());

    byte[] bytes = ConfigCodec.encode(ConfigViews.forChild(config, alice));
    ServerConfig view = ConfigCodec.decode(bytes);

    assertEquals(config.virtualHosts().get(0).realms(), view.virtualHosts().get(0).realms());
    assertEquals(bob.serverName(), view.virtualHosts().get(1).serverName());
    assertEquals(List.of(), view.virtualHosts().get(1).realms());
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertFalse(text.contains("b-secret"), text);
    assertFalse(text.contains("Bob's Realm"), text);
    // Bob's own child gets it, and not alice's.
    byte[] bobs = ConfigCodec.encode(ConfigViews.forChild(config, bob.group()));
    assertEquals(bob.realms(), ConfigCodec.decode(bobs).virtualHosts().get(1).realms());
    assertFalse(new String(bobs, StandardCharsets.UTF_8).contains("a-admin"));
  }

  @Test
  void theAcceptorGetsNoJavaOptionsNoPathsAndNoLogs() throws Exception {
    ServerConfig config = richConfig();

    ServerConfig view = ConfigCodec.decode(ConfigCodec.encode(ConfigViews.forAcceptor(config)));

    String text = new String(ConfigCodec.encode(view));
    assertFalse(text.contains("-Dsecret") || text.contains("-Xmx96m"), text);
    assertFalse(text.contains("webapps/a") || text.contains("a_access_log"), text);
    assertFalse(text.contains("realms/"), text);
    assertFalse(text.contains("tls/"), text);
    assertNull(view.virtualHosts().get(1).tls());
    assertEquals(true, view.virtualHosts().get(1).proxyProtocol());
    assertEquals(
        List.of("10.0.0.0/8", "2001:db8::1"), view.virtualHosts().get(1).proxyProtocolExceptions());
    assertEquals(List.of("h2c", "http/1.1"), view.virtualHosts().get(0).protocols());
    assertEquals(config.listeners(), view.listeners());
    assertEquals(config.mainServer().locations(), view.mainServer().locations());
    assertEquals(config.virtualHosts().get(0).locations(), view.virtualHosts().get(0).locations());
    assertEquals(config.mainServer().connection(), view.mainServer().connection());
    assertEquals(
        config.virtualHosts().get(1).connection(), view.virtualHosts().get(1).connection());
    assertTrue(view.virtualHosts().get(0).group().runsAs(40001, 40001));
    assertNull(view.sessionDirectory());
  }
}
