package org.perchild.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code <Location>} with SetHandler and Require: parsing, inheritance, matching, refusals. */
class StatusLocationTest {

  @TempDir Path root;
  private ConfigFixture conf;

  @BeforeEach
  void fixture() {
    conf = new ConfigFixture(root);
  }

  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal);
  }

  private static boolean allowed(String rule, String client) throws Exception {
    return new AccessRule.Ip(List.of(AccessRule.IpRange.parse(rule))).allows(ip(client));
  }

  @Test
  void ipv4AddressesAndNetworks() throws Exception {
    assertTrue(allowed("127.0.0.1", "127.0.0.1"));
    assertFalse(allowed("127.0.0.1", "127.0.0.2"));
    assertTrue(allowed("10.0.0.0/8", "10.200.3.4"));
    assertFalse(allowed("10.0.0.0/8", "11.0.0.1"));
    assertTrue(allowed("192.168.1.0/25", "192.168.1.127"));
    assertFalse(allowed("192.168.1.0/25", "192.168.1.128"));
    assertTrue(allowed("10.1", "10.1.2.3"), "httpd's partial address: the leading bytes");
    assertFalse(allowed("10.1", "10.2.2.3"));
    assertTrue(allowed("0.0.0.0/0", "203.0.113.9"));
    assertFalse(allowed("10.0.0.0/8", "::1"), "another family never matches");
  }

  @Test
  void ipv6AddressesAndNetworks() throws Exception {
    assertTrue(allowed("::1", "::1"));
    assertFalse(allowed("::1", "::2"));
    assertTrue(allowed("2001:db8::/32", "2001:db8:ffff::1"));
    assertFalse(allowed("2001:db8::/32", "2001:db9::1"));
    assertTrue(allowed("fe80::/10", "febf::1"));
    assertFalse(allowed("fe80::/10", "fec0::1"));
    assertFalse(allowed("2001:db8::/32", "10.0.0.1"));
  }

  @Test
  void mappedClientsMatchTheirIpv4Rules() throws Exception {
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    mapped[12] = 127;
    mapped[15] = 1;
    InetAddress client = java.net.Inet6Address.getByAddress(null, mapped, -1);
    assertTrue(new AccessRule.Ip(List.of(AccessRule.IpRange.parse("127.0.0.0/8"))).allows(client));
    assertTrue(new AccessRule.Local().allows(client));
  }

  @Test
  void badAddressesAreRefused() {
    for (String bad :
        List.of("example.com", "10.0.0.0/33", "256.1.1.1", "10.0/8", "::1/129", "1.2.3.4.5")) {
      assertThrows(IllegalArgumentException.class, () -> AccessRule.IpRange.parse(bad), bad);
    }
  }

  @Test
  void locationsAreParsedAndInherited() throws Exception {
    ServerConfig config =
        conf.load(
            "Listen 80",
            "<Location /server-status>",
            "  SetHandler server-status",
            "  Require ip 127.0.0.1 ::1",
            "  Require ip 10.0.0.0/8",
            "</Location>",
            "<Location /metrics/>",
            "  SetHandler metrics",
            "  Require local",
            "</Location>",
            "<VirtualHost *:80>",
            "  ServerName a.test",
            "  <Location /server-status>",
            "    SetHandler server-status",
            "    Require all denied",
            "  </Location>",
            "</VirtualHost>");
    VirtualHost main = config.mainServer();
    assertEquals(2, main.locations().size());
    StatusLocation status = main.locationFor("/server-status").orElseThrow();
    assertEquals(StatusLocation.Handler.SERVER_STATUS, status.handler());
    assertEquals(2, status.line());
    assertTrue(status.allows(ip("10.9.8.7")));
    assertTrue(status.allows(ip("::1")));
    assertFalse(status.allows(ip("192.0.2.1")));
    assertEquals("/metrics", main.locationFor("/metrics").orElseThrow().path());
    assertTrue(main.locationFor("/metrics/x").isPresent());
    assertTrue(main.locationFor("/server-statusx").isEmpty());
    assertTrue(main.locationFor("/").isEmpty());

    VirtualHost vhost = config.virtualHosts().get(0);
    StatusLocation own = vhost.locationFor("/server-status").orElseThrow();
    assertEquals(13, own.line(), "the host's own section wins over the main server's");
    assertFalse(own.allows(ip("127.0.0.1")));
    assertEquals(
        StatusLocation.Handler.METRICS, vhost.locationFor("/metrics").orElseThrow().handler());
  }

  @Test
  void noRequireIsAWarningAndLetsEveryoneIn() throws Exception {
    ServerConfig config =
        conf.load(
            "Listen 80", "<Location /server-status>", "SetHandler server-status", "</Location>");
    assertTrue(config.mainServer().locations().get(0).allows(ip("203.0.113.1")));
    assertTrue(
        config.warnings().stream().anyMatch(w -> w.message().contains("has no Require line")),
        config.warnings().toString());
  }

  @Test
  void refusalsNameFileAndLine() {
    List<String> problems =
        conf.refuse(
            "Listen 80",
            "<Location /app>",
            "  SetHandler proxy:http://backend/",
            "</Location>",
            "<Location /nothing>",
            "  Require local",
            "</Location>",
            "<Location /status>",
            "  SetHandler server-status",
            "  Require ip example.com",
            "  Require host example.com",
            "  Require all maybe",
            "  ServerName x.test",
            "</Location>",
            "SetHandler server-status",
            "Require local",
            "<Location relative>",
            "  SetHandler metrics",
            "</Location>",
            "<Location /m>",
            "  SetHandler metrics",
            "</Location>",
            "<Location /m>",
            "  SetHandler metrics",
            "</Location>");
    String all = String.join("\n", problems);
    assertTrue(
        problems.contains(
            conf.at(3)
                + "SetHandler proxy:http://backend/: not supported; perchild knows server-status"
                + " and metrics (the webapps serve everything else)"),
        all);
    assertTrue(
        problems.stream()
            .anyMatch(p -> p.startsWith(conf.at(5) + "<Location /nothing> has no SetHandler")),
        all);
    assertTrue(
        problems.stream().anyMatch(p -> p.startsWith(conf.at(10) + "Require ip 'example.com'")),
        all);
    assertTrue(
        problems.stream().anyMatch(p -> p.startsWith(conf.at(11) + "Require host: not supported")),
        all);
    assertTrue(problems.contains(conf.at(12) + "Require all takes granted or denied"), all);
    assertTrue(problems.contains(conf.at(13) + "ServerName is not allowed in <Location>"), all);
    assertTrue(problems.contains(conf.at(15) + "SetHandler is only allowed in <Location>"), all);
    assertTrue(problems.contains(conf.at(16) + "Require is only allowed in <Location>"), all);
    assertTrue(
        problems.contains(conf.at(17) + "<Location relative>: the path must start with /"), all);
    assertTrue(
        problems.stream()
            .anyMatch(p -> p.startsWith(conf.at(23) + "<Location /m> is already defined at ")),
        all);
  }
}
