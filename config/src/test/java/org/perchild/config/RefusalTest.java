package org.perchild.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every refusal names its file and line, and all of them are reported at once. */
class RefusalTest {

  @TempDir Path root;
  private ConfigFixture conf;

  @BeforeEach
  void fixture() {
    conf = new ConfigFixture(root);
  }

  private void assertRefused(List<String> problems, String expected) {
    assertTrue(
        problems.contains(expected),
        "expected\n  " + expected + "\namong\n  " + String.join("\n  ", problems));
  }

  @Test
  void unknownDirectiveSuggestsTheNearestName() {
    List<String> problems = conf.refuse("Listen 80", "Listn 8080", "FrobnicateEverything on");
    assertRefused(problems, conf.at(2) + "unknown directive 'Listn' (did you mean Listen?)");
    assertRefused(problems, conf.at(3) + "unknown directive 'FrobnicateEverything'");
  }

  @Test
  void unknownLogFormatDirectiveIsRefusedWhereItIsWritten() {
    List<String> problems =
        conf.refuse(
            "Listen 80",
            "LogFormat \"%h %Q\" odd",
            "CustomLog logs/x_log \"%h %{Referer}\"",
            "CustomLog logs/y_log \"%h %>s %b %{Referer}i %D\"");
    assertRefused(
        problems,
        conf.at(2)
            + "LogFormat \"%h %Q\": unknown directive '%Q' in '%Q' (perchild knows"
            + " %% %a %A %b %B %D %h %H %i %l %m %o %p %q %r %s %t %T %u %U %v %V)");
    assertTrue(
        problems.stream().anyMatch(p -> p.startsWith(conf.at(3) + "CustomLog \"%h %{Referer}\": ")),
        String.join("\n", problems));
    assertTrue(
        problems.stream().noneMatch(p -> p.startsWith(conf.at(4))), String.join("\n", problems));
  }

  @Test
  void unknownSection() {
    assertRefused(
        conf.refuse("Listen 80", "<VirtualHostt *:80>", "</VirtualHostt>"),
        conf.at(2) + "unknown section <VirtualHostt> (did you mean VirtualHost?)");
  }

  @Test
  void wrongNumberOfArguments() {
    List<String> problems =
        conf.refuse("Listen 80", "NumServers", "NumServers 1 2", "AssignUserID");
    assertRefused(problems, conf.at(2) + "NumServers takes 1 argument, not 0: NumServers number");
    assertRefused(problems, conf.at(3) + "NumServers takes 1 argument, not 2: NumServers number");
  }

  @Test
  void wrongTypeOfArguments() {
    List<String> problems =
        conf.refuse(
            "Listen eighty",
            "NumServers two",
            "KeepAlive maybe",
            "Timeout 5minutes",
            "LogLevel loud",
            "Listen 8080 gopher",
            "LimitRequestBody -1",
            "ChildSpares 17");
    assertRefused(problems, conf.at(1) + "'eighty': the port must be a number from 1 to 65535");
    assertRefused(
        problems, conf.at(2) + "NumServers takes a whole number from 1 to 20000, not 'two'");
    assertRefused(problems, conf.at(3) + "KeepAlive takes On or Off, not 'maybe'");
    assertRefused(
        problems, conf.at(4) + "Timeout takes seconds (or milliseconds with 'ms'), not '5minutes'");
    assertRefused(
        problems,
        conf.at(5)
            + "LogLevel loud: not a level (emerg, alert, crit, error, warn, notice, info, debug, trace1 to trace8)");
    assertRefused(problems, conf.at(6) + "Listen 8080 gopher: the protocol is http or https");
    assertRefused(
        problems,
        conf.at(7) + "LimitRequestBody takes a number of bytes (0 for no limit), not '-1'");
    assertRefused(problems, conf.at(8) + "ChildSpares takes a whole number from 0 to 16, not '17'");
  }

  @Test
  void directiveInTheWrongContext() {
    List<String> problems =
        conf.refuse(
            "Listen 80",
            "AssignUserID alice alice",
            "ServerAlias www.example",
            "<VirtualHost *:80>",
            "  NumServers 3",
            "  Listen 81",
            "  <VirtualHost *:81>",
            "  </VirtualHost>",
            "</VirtualHost>");
    assertRefused(problems, conf.at(2) + "AssignUserID is only allowed in <VirtualHost>");
    assertRefused(problems, conf.at(3) + "ServerAlias is only allowed in <VirtualHost>");
    assertRefused(problems, conf.at(5) + "NumServers is not allowed in <VirtualHost>");
    assertRefused(problems, conf.at(6) + "Listen is not allowed in <VirtualHost>");
    assertRefused(problems, conf.at(7) + "<VirtualHost> is not allowed in <VirtualHost>");
  }

  @Test
  void sectionWrittenAsDirectiveAndTheOtherWayRound() {
    List<String> problems =
        conf.refuse("Listen 80", "VirtualHost *:80", "<Listen 80>", "</Listen>");
    assertRefused(
        problems,
        conf.at(2) + "VirtualHost is a section: write <VirtualHost ...> ... </VirtualHost>");
    assertRefused(
        problems, conf.at(3) + "Listen is a directive, not a section: write it without < >");
  }

  @Test
  void unclosedAndStraySections() {
    List<String> problems =
        conf.refuse("Listen 80", "</VirtualHost>", "<VirtualHost *:80>", "  ServerName a.example");
    assertRefused(problems, conf.at(2) + "</VirtualHost> without matching <VirtualHost> section");
    assertRefused(problems, conf.at(3) + "<VirtualHost> was not closed (expected </VirtualHost>)");
  }

  @Test
  void sectionMissingItsClosingBracket() {
    assertRefused(
        conf.refuse("Listen 80", "<VirtualHost *:80", "</VirtualHost>"),
        conf.at(2) + "<VirtualHost> directive missing closing '>'");
  }

  @Test
  void unterminatedQuote() {
    assertRefused(
        conf.refuse("Listen 80", "ChildJavaOptions \"-Dx=y"),
        conf.at(2) + "unterminated quoted argument: \"-Dx=y");
  }

  @Test
  void unknownUserAndGroup() {
    List<String> problems =
        conf.refuse(
            "Listen 80", "User mallory", "Group wheel-of-fortune", "ChildPerUserID ghost alice 1");
    assertRefused(
        problems,
        conf.at(2) + "unknown user 'mallory' (write #number for a uid without an account)");
    assertRefused(
        problems,
        conf.at(3) + "unknown group 'wheel-of-fortune' (write #number for a gid without an entry)");
    assertRefused(
        problems, conf.at(4) + "unknown user 'ghost' (write #number for a uid without an account)");
  }

  @Test
  void rootInChildPerUserIdIsRefused() {
    List<String> problems =
        conf.refuse(
            "Listen 80",
            "NumServers 4",
            "ChildPerUserID root alice 1",
            "ChildPerUserID alice #0 1",
            "ChildPerUserID #0 alice 1");
    assertRefused(
        problems,
        conf.at(3)
            + "ChildPerUserID root: uid 0 (root) is refused: web applications never run as root");
    assertRefused(
        problems,
        conf.at(4) + "ChildPerUserID #0: gid 0 is refused: web applications never run with gid 0");
    assertRefused(
        problems,
        conf.at(5)
            + "ChildPerUserID #0: uid 0 (root) is refused: web applications never run as root");
  }

  @Test
  void rootAsUserOrGroupIsRefused() {
    List<String> problems = conf.refuse("Listen 80", "User root", "Group #0");
    assertRefused(
        problems,
        conf.at(2) + "User root: the acceptor and the server's children never run as root (uid 0)");
    assertRefused(
        problems,
        conf.at(3) + "Group #0: the acceptor and the server's children never run as gid 0");
  }

  @Test
  void assignUserIdWithoutChildPerUserId() {
    assertRefused(
        conf.refuse(
            "Listen 80",
            "NumServers 2",
            "<VirtualHost *:80>",
            "  ServerName a.example",
            "  AssignUserID alice alice",
            "</VirtualHost>"),
        conf.at(5) + "AssignUserID alice alice: no ChildPerUserID for this user and group");
  }

  @Test
  void childPerUserIdMoreThanNumServers() {
    assertRefused(
        conf.refuse(
            "Listen 80",
            "NumServers 5",
            "ChildPerUserID user1 group1 2",
            "ChildPerUserID user2 group2 4"),
        conf.at(4)
            + "ChildPerUserID children (fixed counts and minimums) add up to 6, more than NumServers 5");
  }

  @Test
  void childPerUserIdRangesCountTheirMinimumAndMustBeARange() {
    assertRefused(
        conf.refuse(
            "Listen 80",
            "NumServers 3",
            "ChildPerUserID user1 group1 2-4",
            "ChildPerUserID user2 group2 2-3"),
        conf.at(4)
            + "ChildPerUserID children (fixed counts and minimums) add up to 4, more than NumServers 3");
    List<String> problems =
        conf.refuse(
            "Listen 80",
            "NumServers 3",
            "ChildPerUserID user1 group1 3-1",
            "ChildPerUserID user2 group2 0-0",
            "ChildPerUserID alice alice x-2",
            "ChildPerUserID daemon daemon 0");
    assertRefused(
        problems, conf.at(3) + "ChildPerUserID user1 group1 3-1: the minimum is above the maximum");
    assertRefused(
        problems, conf.at(4) + "ChildPerUserID takes a whole number from 1 to 20000, not '0'");
    assertRefused(
        problems, conf.at(5) + "ChildPerUserID takes a whole number from 0 to 20000, not 'x'");
    assertRefused(
        problems, conf.at(6) + "ChildPerUserID takes a whole number from 1 to 20000, not '0'");
  }

  @Test
  void duplicateChildPerUserId() {
    assertRefused(
        conf.refuse(
            "Listen 80",
            "NumServers 5",
            "ChildPerUserID user1 group1 2",
            "ChildPerUserID user1 #1001 1"),
        conf.at(4) + "ChildPerUserID user1 #1001 is already declared at " + conf.main() + ":3");
  }

  @Test
  void numServersAboveServerLimit() {
    assertRefused(
        conf.refuse("Listen 80", "ServerLimit 4", "NumServers 5"),
        conf.at(3) + "NumServers 5 is above ServerLimit 4");
    assertRefused(
        conf.refuse("Listen 80", "NumServers 9"),
        conf.at(2) + "NumServers 9 is above ServerLimit 8");
  }

  @Test
  void maxThreadsPerChildAboveThreadLimit() {
    assertRefused(
        conf.refuse("Listen 80", "MaxThreadsPerChild 100"),
        conf.at(2) + "MaxThreadsPerChild 100 is above ThreadLimit 64");
  }

  @Test
  void minSpareAboveMaxSpare() {
    assertRefused(
        conf.refuse("Listen 80", "MinSpareThreads 20", "MaxSpareThreads 10"),
        conf.at(2) + "MinSpareThreads 20 is above MaxSpareThreads 10");
  }

  @Test
  void virtualHostWithoutAssignUserIdWhenNoChildIsLeft() {
    assertRefused(
        conf.refuse(
            "Listen 80",
            "NumServers 2",
            "ChildPerUserID user1 group1 2",
            "<VirtualHost *:80>",
            "  ServerName a.example",
            "  AssignUserID user1 group1",
            "</VirtualHost>",
            "<VirtualHost *:80>",
            "  ServerName orphan.example",
            "</VirtualHost>"),
        conf.at(8)
            + "virtual host orphan.example has no AssignUserID, and no child is left for User/Group"
            + " (ChildPerUserID takes all 2 of NumServers)");
  }

  @Test
  void listenWithoutVirtualHostNeedsTheServerChildren() {
    assertRefused(
        conf.refuse(
            "Listen 80",
            "Listen 8081",
            "NumServers 1",
            "ChildPerUserID user1 group1 1",
            "<VirtualHost *:80>",
            "  AssignUserID user1 group1",
            "</VirtualHost>"),
        conf.at(2)
            + "Listen *:8081 has no <VirtualHost>, so the main server answers it, but no child is left for"
            + " User/Group");
  }

  @Test
  void missingAppBase() {
    assertRefused(
        conf.refuse(
            "Listen 80", "<VirtualHost *:80>", "  AppBase webapps/nowhere", "</VirtualHost>"),
        conf.at(3)
            + "AppBase webapps/nowhere: no such directory "
            + root.resolve("webapps/nowhere"));
  }

  @Test
  void aSessionDirectoryInsideWhatAHostServesIsRefused() {
    conf.dir("htdocs/a");
    conf.dir("webapps/b");
    List<String> problems =
        conf.refuse(
            "Listen 80",
            "SessionDirectory htdocs/a/sessions",
            "<VirtualHost *:80>",
            "  ServerName a.test",
            "  DocumentRoot htdocs/a",
            "</VirtualHost>");
    assertRefused(
        problems,
        conf.at(2)
            + "SessionDirectory "
            + root.resolve("htdocs/a/sessions")
            + " is inside the DocumentRoot "
            + root.resolve("htdocs/a")
            + " of a.test: its sessions could be fetched by URL; keep it outside what any host"
            + " serves");
    // The default, sessions under ServerRoot, is refused too when a host serves ServerRoot.
    assertRefused(
        conf.refuse("Listen 80", "AppBase ."),
        conf.at(0)
            + "SessionDirectory "
            + root.resolve("sessions")
            + " is inside the AppBase "
            + root
            + " of the main server: its sessions could be fetched by URL; keep it outside what"
            + " any host serves");
  }

  @Test
  void includeThatMatchesNothing() {
    List<String> problems =
        conf.refuse("Listen 80", "Include conf.d/*.conf", "Include conf/missing.conf");
    assertRefused(
        problems,
        conf.at(2)
            + "Include conf.d/*.conf: no file matches "
            + root.resolve("conf.d/*.conf")
            + " (IncludeOptional would allow it)");
    assertRefused(
        problems,
        conf.at(3)
            + "Include conf/missing.conf: no such file "
            + root.resolve("conf/missing.conf")
            + " (IncludeOptional would allow it)");
  }

  @Test
  void includeLoop() {
    conf.write("conf/loop.conf", "Include conf/loop.conf");
    List<String> problems = conf.refuse("Listen 80", "Include conf/loop.conf");
    assertRefused(
        problems,
        root.resolve("conf/loop.conf")
            + ":1: Include conf/loop.conf: "
            + root.resolve("conf/loop.conf")
            + " includes itself");
  }

  @Test
  void errorsInIncludedFilesNameThatFile() {
    conf.write(
        "conf.d/tenant.conf",
        "",
        "<VirtualHost *:80>",
        "  AssignUserID nobody-here alice",
        "</VirtualHost>");
    assertRefused(
        conf.refuse("Listen 80", "Include conf.d/*.conf"),
        root.resolve("conf.d/tenant.conf")
            + ":3: unknown user 'nobody-here' (write #number for a uid without an account)");
  }

  @Test
  void duplicateListen() {
    assertRefused(
        conf.refuse("Listen 80", "Listen 127.0.0.1:80"),
        conf.at(2) + "Listen 127.0.0.1:80 overlaps Listen *:80 at " + conf.main() + ":1");
  }

  @Test
  void noListen() {
    assertRefused(
        conf.refuse("NumServers 2"),
        conf.at(0) + "no Listen directive: the server would accept no connection");
  }

  @Test
  void missingConfigurationFile() {
    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class,
            () ->
                new ConfigLoader(FakeAccounts.standard()).load(root, Path.of("conf/absent.conf")));
    assertEquals(
        List.of("perchild: could not open configuration file " + root.resolve("conf/absent.conf")),
        e.problems().stream().map(ConfigProblem::toString).toList());
  }

  @Test
  void everyErrorIsReportedInFileOrder() {
    List<String> problems =
        conf.refuse(
            "Listen 80",
            "Bogus 1",
            "NumServers zero",
            "<VirtualHost *:80>",
            "  Listen 81",
            "</VirtualHost>");
    assertEquals(
        List.of(
            conf.at(2) + "unknown directive 'Bogus'",
            conf.at(3) + "NumServers takes a whole number from 1 to 20000, not 'zero'",
            conf.at(5) + "Listen is not allowed in <VirtualHost>"),
        problems);
  }

  @Test
  void sameServerNameTwiceOnOneAddressIsOnlyAWarning() throws ConfigException {
    ServerConfig config =
        conf.load(
            "Listen 80",
            "NameVirtualHost *:80",
            "<VirtualHost *:80>",
            "  ServerName a.example",
            "</VirtualHost>",
            "<VirtualHost *:80>",
            "  ServerName a.example",
            "</VirtualHost>",
            "<VirtualHost *:9999>",
            "  ServerName b.example",
            "</VirtualHost>");
    List<String> warnings = config.warnings().stream().map(ConfigProblem::toString).toList();
    assertEquals(
        List.of(
            conf.main()
                + ":2: warning: NameVirtualHost has no effect and will be removed in the next release",
            conf.main()
                + ":6: warning: ServerName a.example on *:80 is also the name of the virtual host at "
                + conf.main()
                + ":3; requests for it go to the first",
            conf.main()
                + ":9: warning: <VirtualHost *:9999>: no Listen on port 9999, so this virtual host is never reached"),
        warnings);
  }

  @Test
  void startThreadsAboveMaxThreadsIsClampedWithAWarning() throws ConfigException {
    ServerConfig config = conf.load("Listen 80", "StartThreads 20", "MaxThreadsPerChild 8");
    assertEquals(8, config.threads().startThreads());
    assertEquals(
        conf.main() + ":2: warning: StartThreads 20 is above MaxThreadsPerChild 8: starting 8",
        config.warnings().get(0).toString());
  }
}
