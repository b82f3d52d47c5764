package org.perchild.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The readers of directive values, each reporting what it cannot read at the directive. */
class DirectiveValuesTest {

  private static final Path FILE = Path.of("/srv/conf/perchild.conf");

  private final List<ConfigProblem> found = new ArrayList<>();
  private final DirectiveValues values =
      new DirectiveValues(FakeAccounts.standard(), new ConfigProblems(found), Path.of("/srv"));

  private static Directive line(String name, String... args) {
    return new Directive(name, List.of(args), FILE, 7);
  }

  private List<String> problems() {
    return found.stream().map(ConfigProblem::toString).toList();
  }

  @Test
  void durationsAreSecondsUnlessMilliseconds() {
    assertEquals(Duration.ofSeconds(5), values.duration(line("Timeout", "5")));
    assertEquals(Duration.ofMillis(250), values.duration(line("Timeout", "250ms")));
    assertNull(values.duration(line("Timeout", "5m")));
    assertEquals(
        List.of(FILE + ":7: Timeout takes seconds (or milliseconds with 'ms'), not '5m'"),
        problems());
  }

  @Test
  void numbersOutsideTheirRangeAreRefusedWithTheRange() {
    assertEquals(3, values.integer(line("NumServers", "3"), 1, 10));
    assertNull(values.integer(line("NumServers", "0"), 1, 10));
    assertNull(values.integer(line("MaxKeepAliveRequests", "x"), 0, Integer.MAX_VALUE));
    assertEquals(
        List.of(
            FILE + ":7: NumServers takes a whole number from 1 to 10, not '0'",
            FILE + ":7: MaxKeepAliveRequests takes a whole number 0 or more, not 'x'"),
        problems());
  }

  @Test
  void onOffIgnoresCase() {
    assertEquals(true, values.onOff(line("KeepAlive", "ON")));
    assertEquals(false, values.onOff(line("KeepAlive", "off")));
    assertNull(values.onOff(line("KeepAlive", "yes")));
    assertEquals(1, found.size());
  }

  @Test
  void pathsStartFromTheServerRootItWasLastGiven() {
    assertEquals(Path.of("/srv/logs/error_log"), values.path("logs/error_log"));
    values.serverRoot(Path.of("/opt/perchild"));
    assertEquals(Path.of("/opt/perchild/logs/x"), values.path("logs/../logs/x"));
  }

  @Test
  void addressesOfListenAndVirtualHost() {
    assertEquals(
        new DirectiveValues.HostPort("::1", 8080),
        values.hostPort(line("Listen", "[::1]:8080"), "[::1]:8080", false));
    assertEquals(
        new DirectiveValues.HostPort(null, 80), values.hostPort(line("Listen", "80"), "80", false));
    assertEquals(
        new DirectiveValues.HostPort("*", 0),
        values.hostPort(line("VirtualHost", "*:*"), "*:*", true));
    assertNull(values.hostPort(line("Listen", "70000"), "70000", false));
    assertEquals(
        List.of(FILE + ":7: '70000': the port must be a number from 1 to 65535"), problems());
  }

  @Test
  void serverNamesLoseSchemeAndPort() {
    assertEquals("example.com", values.serverName(line("ServerName", "https://Example.COM:8443")));
    assertEquals("::1", values.serverName(line("ServerName", "[::1]:80")));
  }

  @Test
  void usersAndGroupsByNameOrNumber() {
    assertEquals(65534, values.user(line("User", "nobody"), "nobody").uid());
    assertEquals("#40123", values.user(line("User", "#40123"), "#40123").name());
    assertEquals(65534, values.group(line("Group", "#65534"), "#65534").gid());
    assertNull(values.user(line("User", "#-1"), "#-1"));
    assertEquals(List.of(FILE + ":7: '#-1' is not a user id (#number, 0 or more)"), problems());
  }
}
