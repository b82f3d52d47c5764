package org.perchild.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The httpd syntax: comments, continuation lines, quotes, includes, defaults. */
class SyntaxTest {

  @TempDir Path root;

  @Test
  void defaultsArePerchilds() throws ConfigException {
    ServerConfig config = new ConfigFixture(root).load("Listen 8080");

    assertEquals(2, config.numServers());
    assertEquals(new ThreadSettings(5, 5, 10, 64, 64), config.threads());
    assertEquals(8, config.serverLimit());
    assertEquals(10000, config.maxRequestsPerChild());
    assertEquals(65534, config.user().uid());
    assertEquals(65534, config.group().gid());
    assertEquals(2, config.defaultGroup().min());
    assertEquals(ConnectionSettings.DEFAULTS, config.mainServer().connection());
    assertEquals(root.resolve("logs/perchild.pid"), config.pidFile());
    assertEquals(root.resolve("sessions"), config.sessionDirectory());
    assertEquals(root.resolve("sessions/40001"), config.sessionDirectory(40001));
    assertEquals(root.resolve("logs/error_log"), config.mainServer().errorLog());
    assertEquals(
        List.of(
            "-Xms8m",
            "-Xmx256m",
            "-XX:+UseSerialGC",
            "-Xss512k",
            "-XX:TrimNativeHeapInterval=30000",
            "-XX:-ShrinkHeapInSteps"),
        config.defaultGroup().javaOptions());
    assertTrue(config.warnings().isEmpty(), config.warnings().toString());
  }

  @Test
  void aRangedChildPerUserIdRunsOnDemandAndItsMinimumCountsTowardNumServers()
      throws ConfigException {
    ServerConfig config =
        new ConfigFixture(root)
            .load(
                "Listen 8080",
                "NumServers 3",
                "ServerLimit 10",
                "ChildIdleTimeout 60",
                "ChildPerUserID user1 group1 1-4",
                "ChildPerUserID user2 group2 0-2",
                "ChildPerUserID alice alice 1");
    List<ChildGroup> groups = config.childGroups();
    assertEquals(List.of(1, 0, 1, 1), groups.stream().map(ChildGroup::min).toList());
    assertEquals(List.of(4, 2, 1, 1), groups.stream().map(ChildGroup::max).toList());
    assertEquals(
        List.of(true, true, false, false), groups.stream().map(ChildGroup::onDemand).toList());
    assertEquals(List.of("1-4", "0-2", "1", "1"), groups.stream().map(ChildGroup::range).toList());
    assertEquals(Duration.ofSeconds(60), config.childIdleTimeout());
    assertTrue(config.warnings().isEmpty(), config.warnings().toString());
    assertEquals(
        Duration.ofSeconds(300), new ConfigFixture(root).load("Listen 8080").childIdleTimeout());
  }

  @Test
  void childSparesIsOneWithAnOnDemandGroupAndNoneWithoutUnlessWritten() throws ConfigException {
    assertEquals(0, new ConfigFixture(root).load("Listen 8080").childSpares());
    // The default with on-demand groups; NumServers 2 leaves one child for User/Group.
    assertEquals(
        0,
        new ConfigFixture(root)
            .load("Listen 8080", "NumServers 3", "ChildPerUserID user1 group1 2")
            .childSpares());
    assertEquals(
        1,
        new ConfigFixture(root)
            .load("Listen 8080", "ChildPerUserID user1 group1 0-2")
            .childSpares());
    assertEquals(
        0,
        new ConfigFixture(root)
            .load("Listen 8080", "ChildSpares 0", "ChildPerUserID user1 group1 0-2")
            .childSpares());
    assertEquals(3, new ConfigFixture(root).load("Listen 8080", "ChildSpares 3").childSpares());
  }

  @Test
  void onDemandGroupsWithoutRoomBelowServerLimitAreWarnedAbout() throws ConfigException {
    ServerConfig config =
        new ConfigFixture(root)
            .load(
                "Listen 8080", "NumServers 2", "ServerLimit 2", "ChildPerUserID user1 group1 0-4");
    assertEquals(1, config.warnings().size(), config.warnings().toString());
    assertTrue(
        config
            .warnings()
            .get(0)
            .message()
            .contains("NumServers 2 takes all of ServerLimit 2, so no child above the minimum"),
        config.warnings().toString());
    ServerConfig capped =
        new ConfigFixture(root)
            .load(
                "Listen 8080", "NumServers 1", "ServerLimit 3", "ChildPerUserID user1 group1 0-4");
    assertTrue(
        capped.warnings().get(0).message().contains("ServerLimit 3 caps it below its maximum"),
        capped.warnings().toString());
  }

  @Test
  void commentsContinuationsAndQuotes() throws ConfigException {
    ServerConfig config =
        new ConfigFixture(root)
            .load(
                "# a comment line",
                "   # an indented comment line",
                "",
                "Listen \\",
                "   8080",
                "User #4242",
                "ChildJavaOptions \"-Dgreeting=hello world\" '-Dquote=say \\'hi\\'' -Xmx128m",
                "<VirtualHost *:8080>",
                "  ServerName a.example",
                "  ServerAlias b.example \\",
                "              c.example",
                "</VirtualHost>");

    assertEquals(8080, config.listeners().get(0).port());
    assertEquals(4, config.listeners().get(0).line());
    assertEquals(4242, config.user().uid());
    assertEquals("#4242", config.user().name());
    assertEquals(
        List.of("-Dgreeting=hello world", "-Dquote=say 'hi'", "-Xmx128m"),
        config.defaultGroup().javaOptions());
    VirtualHost vhost = config.virtualHosts().get(0);
    assertEquals(List.of("b.example", "c.example"), vhost.aliases());
    assertEquals(8, vhost.line());
  }

  @Test
  void directiveNamesAreCaseInsensitive() throws ConfigException {
    ServerConfig config = new ConfigFixture(root).load("listen 8080", "NUMSERVERS 3");
    assertEquals(3, config.numServers());
  }

  @Test
  void includeWithGlobsReadsMatchesInOrderAndKeepsTheirLines() throws ConfigException {
    ConfigFixture fixture = new ConfigFixture(root);
    fixture.write(
        "conf/sites/20-b.conf", "<VirtualHost *:80>", "  ServerName b.example", "</VirtualHost>");
    fixture.write(
        "conf/sites/10-a.conf",
        "# first",
        "<VirtualHost *:80>",
        "  ServerName a.example",
        "  Include conf/vhost-common/*.inc",
        "</VirtualHost>");
    fixture.write("conf/sites/ignored.txt", "Bogus directive");
    fixture.write("conf/vhost-common/alias.inc", "ServerAlias *.a.example");

    ServerConfig config =
        fixture.load(
            "Listen 80", "Include conf/sites/*.conf", "IncludeOptional conf/nothing/*.conf");

    List<VirtualHost> hosts = config.virtualHosts();
    assertEquals("a.example", hosts.get(0).serverName());
    assertEquals(root.resolve("conf/sites/10-a.conf"), hosts.get(0).file());
    assertEquals(2, hosts.get(0).line());
    assertEquals(List.of("*.a.example"), hosts.get(0).aliases());
    assertTrue(hosts.get(0).answersTo("shop.a.example"));
    assertEquals("b.example", hosts.get(1).serverName());
  }

  @Test
  void includeOfADirectoryReadsAllItsFiles() throws ConfigException {
    ConfigFixture fixture = new ConfigFixture(root);
    fixture.write("conf/extra/one.conf", "NumServers 4");
    fixture.write("conf/extra/two/two.conf", "ServerLimit 9");
    ServerConfig config = fixture.load("Listen 80", "Include conf/extra");
    assertEquals(4, config.numServers());
    assertEquals(9, config.serverLimit());
  }

  @Test
  void serverRootMovesRelativePaths() throws ConfigException {
    ConfigFixture fixture = new ConfigFixture(root);
    Path other = fixture.dir("elsewhere");
    fixture.write("elsewhere/conf/more.conf", "NumServers 5");
    fixture.dir("elsewhere/apps");
    ServerConfig config =
        fixture.load(
            "ServerRoot " + other,
            "Listen 80",
            "Include conf/more.conf",
            "AppBase apps",
            "PidFile run/p.pid",
            "SessionDirectory state/sessions");
    assertEquals(5, config.numServers());
    assertEquals(other.resolve("apps"), config.mainServer().appBase());
    assertEquals(other.resolve("run/p.pid"), config.pidFile());
    assertEquals(other.resolve("state/sessions"), config.sessionDirectory());
  }

  @Test
  void virtualHostsInheritAndOverrideTheMainServer() throws ConfigException {
    ConfigFixture fixture = new ConfigFixture(root);
    fixture.dir("apps/a");
    ServerConfig config =
        fixture.load(
            "Listen 80",
            "ServerName main.example",
            "Timeout 30",
            "KeepAliveTimeout 1500ms",
            "CustomLog logs/access_log combined",
            "<VirtualHost *:80>",
            "  KeepAlive Off",
            "  LimitRequestBody 1024",
            "  AppBase apps/a",
            "</VirtualHost>",
            "<VirtualHost *:80>",
            "  ServerName b.example",
            "  LogFormat \"%h %>s\" tiny",
            "  CustomLog logs/b_log tiny",
            "</VirtualHost>");

    VirtualHost a = config.virtualHosts().get(0);
    assertEquals("main.example", a.serverName());
    assertEquals(Duration.ofSeconds(30), a.connection().timeout());
    assertEquals(Duration.ofMillis(1500), a.connection().keepAliveTimeout());
    assertEquals(false, a.connection().keepAlive());
    assertEquals(1024, a.connection().limitRequestBody());
    assertEquals(root.resolve("apps/a"), a.appBase());
    assertEquals(root.resolve("logs/access_log"), a.customLogs().get(0).path());
    assertEquals(
        "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"",
        a.customLogs().get(0).format());

    VirtualHost b = config.virtualHosts().get(1);
    assertEquals(true, b.connection().keepAlive());
    assertEquals(null, b.appBase());
    assertEquals(
        List.of(
            new CustomLog(root.resolve("logs/b_log"), "%h %>s", b.customLogs().get(0).file(), 14)),
        b.customLogs());
  }

  @Test
  void aTenantsVirtualHostDoesNotInheritTheMainServersAccessLog() throws ConfigException {
    ServerConfig config =
        new ConfigFixture(root)
            .load(
                "Listen 80",
                "NumServers 2",
                "ChildPerUserID #40001 #40001 1",
                "CustomLog logs/access_log common",
                "<VirtualHost *:80>",
                "  ServerName a.example",
                "  AssignUserID #40001 #40001",
                "</VirtualHost>",
                "<VirtualHost *:80>",
                "  ServerName main.example",
                "</VirtualHost>");
    assertEquals(List.of(), config.virtualHosts().get(0).customLogs());
    assertEquals(
        root.resolve("logs/access_log"), config.virtualHosts().get(1).customLogs().get(0).path());
  }

  @Test
  void listenForms() throws ConfigException {
    ServerConfig config =
        new ConfigFixture(root)
            .load("Listen 80", "Listen 127.0.0.1:8080", "Listen [::1]:8443 https", "Listen 443");
    List<Listener> listeners = config.listeners();
    assertEquals("*:80", listeners.get(0).address());
    assertEquals("http", listeners.get(0).protocol());
    assertEquals("127.0.0.1:8080", listeners.get(1).address());
    assertEquals("[::1]:8443", listeners.get(2).address());
    assertEquals("https", listeners.get(2).protocol());
    assertEquals("https", listeners.get(3).protocol());
  }

  @Test
  void wildcardAliases() {
    assertTrue(HostPatterns.matches("*.example.com", "www.Example.COM"));
    assertTrue(HostPatterns.matches("*.example.com", "a.b.example.com"));
    assertTrue(HostPatterns.matches("www?.example.com", "www1.example.com"));
    assertTrue(!HostPatterns.matches("*.example.com", "example.com"));
    assertTrue(!HostPatterns.matches("www?.example.com", "www12.example.com"));
  }

  @Test
  void childPerUserJavaOptionsFollowTheGlobalOnes() throws ConfigException {
    ServerConfig config =
        new ConfigFixture(root)
            .load(
                "Listen 80",
                "NumServers 3",
                "ChildJavaOptions -Xmx100m",
                "ChildPerUserID alice alice 1",
                "ChildPerUserJavaOptions alice alice -Xmx300m -Dtenant=alice");
    assertEquals(
        List.of("-Xmx100m", "-Xmx300m", "-Dtenant=alice"),
        config.childGroups().get(0).javaOptions());
    assertEquals(List.of("-Xmx100m"), config.defaultGroup().javaOptions());
    assertEquals(2, config.defaultGroup().min());
  }

  @Test
  void maxConnectionsPerChildIsMaxRequestsPerChild() throws ConfigException {
    assertEquals(
        50,
        new ConfigFixture(root)
            .load("Listen 80", "MaxConnectionsPerChild 50")
            .maxRequestsPerChild());
  }
}
