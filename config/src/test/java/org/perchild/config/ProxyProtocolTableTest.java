package org.perchild.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code RemoteIPProxyProtocol} per address:port, as httpd applies it: a host's setting reaches
 * every host of its addresses, the last written wins and {@code -t} warns; the exceptions of every
 * host of an address count; the main server's setting covers the addresses no host names.
 */
class ProxyProtocolTableTest {

  @TempDir Path root;
  private ConfigFixture conf;

  @BeforeEach
  void fixture() {
    conf = new ConfigFixture(root);
  }

  private static InetAddress ip(String text) throws Exception {
    return InetAddress.getByName(text);
  }

  private ServerConfig load(String... lines) throws ConfigException {
    List<String> all =
        new java.util.ArrayList<>(List.of("Listen 8080", "Listen 8081", "Listen 10.0.0.1:8082"));
    all.addAll(List.of(lines));
    return conf.load(all.toArray(String[]::new));
  }

  private static List<String> warnings(ServerConfig config) {
    return config.warnings().stream()
        .map(ConfigProblem::toString)
        .filter(w -> w.contains("RemoteIPProxyProtocol"))
        .toList();
  }

  @Test
  void onInOneHostReachesEveryHostOfItsAddressAndNoOther() throws Exception {
    ServerConfig config =
        load(
            "<VirtualHost *:8080>",
            "  ServerName a.test",
            "</VirtualHost>",
            "<VirtualHost *:8080>",
            "  ServerName b.test",
            "  RemoteIPProxyProtocol On",
            "</VirtualHost>",
            "<VirtualHost *:8081>",
            "  ServerName c.test",
            "</VirtualHost>");
    ProxyProtocolTable table = config.proxyProtocolTable();
    assertTrue(table.anyOn());
    assertTrue(table.requiresHeader(ip("127.0.0.1"), 8080, ip("127.0.0.1")));
    assertTrue(table.requiresHeader(ip("::1"), 8080, ip("::1")));
    assertFalse(table.requiresHeader(ip("127.0.0.1"), 8081, ip("127.0.0.1")));
    // No host names 10.0.0.1:8082: the main server's setting, none.
    assertFalse(table.requiresHeader(ip("10.0.0.1"), 8082, ip("127.0.0.1")));
    assertEquals(List.of(), warnings(config));
  }

  @Test
  void onAndOffOnOneAddressWarnsWithFileAndLineAndTheLastWins() throws Exception {
    ServerConfig config =
        load(
            "<VirtualHost *:8080>",
            "  ServerName a.test",
            "  RemoteIPProxyProtocol On",
            "</VirtualHost>",
            "<VirtualHost *:8080 *:8081>",
            "  ServerName b.test",
            "  RemoteIPProxyProtocol Off",
            "</VirtualHost>");
    ProxyProtocolTable table = config.proxyProtocolTable();
    assertFalse(table.requiresHeader(ip("127.0.0.1"), 8080, ip("127.0.0.1")));
    List<String> warnings = warnings(config);
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).startsWith(conf.at(8)), warnings.get(0));
    assertTrue(warnings.get(0).contains("*:8080 is On for the virtual host at "), warnings.get(0));
    assertTrue(warnings.get(0).contains("the last, Off, wins"), warnings.get(0));
  }

  @Test
  void theMainServersSettingIsInheritedAndCoversUnnamedAddresses() throws Exception {
    ServerConfig config =
        load(
            "RemoteIPProxyProtocol On",
            "RemoteIPProxyProtocolExceptions 192.0.2.0/24",
            "<VirtualHost *:8081>",
            "  ServerName c.test",
            "  RemoteIPProxyProtocol Off",
            "</VirtualHost>",
            "<VirtualHost *:8080>",
            "  ServerName a.test",
            "</VirtualHost>");
    ProxyProtocolTable table = config.proxyProtocolTable();
    assertTrue(table.requiresHeader(ip("127.0.0.1"), 8080, ip("127.0.0.1")));
    assertFalse(table.requiresHeader(ip("127.0.0.1"), 8080, ip("192.0.2.9")));
    assertFalse(table.requiresHeader(ip("127.0.0.1"), 8081, ip("127.0.0.1")));
    assertTrue(table.requiresHeader(ip("10.0.0.1"), 8082, ip("127.0.0.1")));
    assertFalse(table.requiresHeader(ip("10.0.0.1"), 8082, ip("192.0.2.200")));
    assertEquals(List.of(), warnings(config));
  }

  @Test
  void theExceptionsOfEveryHostOfTheAddressCountAndMappedClientsAreTheirIpv4() throws Exception {
    ServerConfig config =
        load(
            "<VirtualHost *:8080>",
            "  ServerName a.test",
            "  RemoteIPProxyProtocol On",
            "  RemoteIPProxyProtocolExceptions 127.0.0.2",
            "</VirtualHost>",
            "<VirtualHost *:8080>",
            "  ServerName b.test",
            "  RemoteIPProxyProtocolExceptions 10.1 2001:db8::/32",
            "</VirtualHost>");
    ProxyProtocolTable table = config.proxyProtocolTable();
    InetAddress local = ip("127.0.0.1");
    assertTrue(table.requiresHeader(local, 8080, ip("127.0.0.1")));
    assertFalse(table.requiresHeader(local, 8080, ip("127.0.0.2")));
    assertFalse(table.requiresHeader(local, 8080, ip("::ffff:127.0.0.2")));
    assertFalse(table.requiresHeader(local, 8080, ip("10.1.200.3")));
    assertFalse(table.requiresHeader(local, 8080, ip("2001:db8::7")));
    assertTrue(table.requiresHeader(local, 8080, ip("2001:db9::7")));
  }

  @Test
  void anAddressWrittenAsAnIpWinsOverTheWildcard() throws Exception {
    ServerConfig config =
        load(
            "<VirtualHost *:8082>",
            "  ServerName a.test",
            "  RemoteIPProxyProtocol Off",
            "</VirtualHost>",
            "<VirtualHost 10.0.0.1:8082>",
            "  ServerName b.test",
            "  RemoteIPProxyProtocol On",
            "</VirtualHost>",
            "<VirtualHost *:*>",
            "  ServerName c.test",
            "  RemoteIPProxyProtocol On",
            "</VirtualHost>");
    ProxyProtocolTable table = config.proxyProtocolTable();
    assertTrue(table.requiresHeader(ip("10.0.0.1"), 8082, ip("127.0.0.1")));
    assertFalse(table.requiresHeader(ip("10.0.0.2"), 8082, ip("127.0.0.1")));
    // *:* reaches the ports no host names by port.
    assertTrue(table.requiresHeader(ip("127.0.0.1"), 8080, ip("127.0.0.1")));
  }

  @Test
  void anExceptionThatIsNotAnAddressOrNetworkIsRefusedWithFileAndLine() {
    List<String> problems =
        conf.refuse(
            "Listen 8080",
            "<VirtualHost *:8080>",
            "  RemoteIPProxyProtocol On",
            "  RemoteIPProxyProtocolExceptions 10.0.0.0/8 lb.example.com",
            "</VirtualHost>");
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith(conf.at(4)), problems.get(0));
    assertTrue(problems.get(0).contains("lb.example.com"), problems.get(0));
  }
}
