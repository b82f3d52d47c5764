package org.perchild.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/perchild}'s flags, run in-process against configurations in a temporary root. */
class CommandLineTest {

  @TempDir Path root;

  /** What one run printed and returned. */
  private record Run(int code, String out, String err) {}

  private Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        Perchild.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Path conf(String... lines) throws IOException {
    Path file = root.resolve("conf/perchild.conf");
    Files.createDirectories(file.getParent());
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  @Test
  void configTestSaysSyntaxOk() throws IOException {
    conf("Listen 8080", "User #40000", "Group #40000");
    Run run = run("-d", root.toString(), "-t");
    assertEquals(0, run.code(), run.err());
    assertEquals("Syntax OK\n", run.out());
    assertEquals("", run.err());
  }

  @Test
  void configTestPrintsEveryErrorWithFileAndLineAndFails() throws IOException {
    Path file = conf("Listen 8080", "Lissen 8081", "NumServers 100");
    Run run = run("-d", root.toString(), "-t");
    assertEquals(1, run.code());
    assertEquals("", run.out());
    assertEquals(
        List.of(
            file + ":2: unknown directive 'Lissen' (did you mean Listen?)",
            file + ":3: NumServers 100 is above ServerLimit 8",
            "2 errors in the configuration"),
        run.err().lines().toList());
  }

  @Test
  void warningsGoToStandardErrorAndTheConfigurationPasses() throws IOException {
    Path file = conf("Listen 8080", "NameVirtualHost *:8080");
    Run run = run("-d", root.toString(), "-t");
    assertEquals(0, run.code());
    assertEquals(
        file
            + ":2: warning: NameVirtualHost has no effect and will be removed in the next release\n",
        run.err());
  }

  @Test
  void alternateConfigFile() throws IOException {
    Path other = root.resolve("other.conf");
    Files.writeString(other, "Listen 9090\n");
    assertEquals(0, run("-d", root.toString(), "-f", "other.conf", "-t").code());
    assertEquals(1, run("-d", root.toString(), "-f", "absent.conf", "-t").code());
  }

  @Test
  void layoutShowsHostsUsersAndChildren() throws IOException {
    Files.createDirectories(root.resolve("webapps/alice"));
    Path file =
        conf(
            "Listen 8080",
            "User #40000",
            "Group #40000",
            "NumServers 3",
            "ChildPerUserID #40001 #40001 2",
            "<VirtualHost *:8080>",
            "  ServerName localhost",
            "</VirtualHost>",
            "<VirtualHost *:8080>",
            "  ServerName alice.localhost",
            "  ServerAlias *.alice.localhost",
            "  AssignUserID #40001 #40001",
            "  AppBase webapps/alice",
            "</VirtualHost>");
    Run run = run("-d", root.toString(), "-S");
    assertEquals(0, run.code(), run.err());
    String out = run.out();
    assertContains(out, "*:8080                 is a NameVirtualHost");
    assertContains(out, "         default server localhost (" + file + ":6)");
    assertContains(out, "         port 8080 namevhost alice.localhost (" + file + ":9)");
    assertContains(out, "                 alias *.alice.localhost");
    assertContains(
        out, "                 user #40001 group #40001, AppBase " + root.resolve("webapps/alice"));
    assertContains(out, "         *:8080 http (" + file + ":1)");
    assertContains(
        out, "         2 x user #40001 group #40001 (uid 40001, gid 40001) (" + file + ":5)");
    assertContains(
        out, "         1 x user #40000 group #40000 (uid 40000, gid 40000) [User/Group]");
    assertContains(out, "ServerRoot: \"" + root + "\"");
    assertTrue(out.endsWith("Syntax OK\n"), out);
  }

  @Test
  void layoutShowsEachHostsTlsAndProtocols() throws IOException {
    Files.createDirectories(root.resolve("tls"));
    for (String name : List.of("a.crt", "a.key")) {
      Files.setPosixFilePermissions(
          Files.writeString(root.resolve("tls").resolve(name), "looked at, not read\n"),
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }
    conf(
        "Listen 8443 https",
        "User #40000",
        "Group #40000",
        "<VirtualHost *:8443>",
        "  ServerName a.test",
        "  SSLEngine on",
        "  SSLCertificateFile tls/a.crt",
        "  SSLCertificateKeyFile tls/a.key",
        "  SSLProtocol -all +TLSv1.3",
        "  SSLCipherSuite TLS_AES_256_GCM_SHA384",
        "  Protocols http/1.1",
        "</VirtualHost>");
    Run run = run("-d", root.toString(), "-S");
    assertEquals(0, run.code(), run.err());
    String out = run.out();
    assertContains(out, "                 protocols http/1.1");
    assertContains(
        out,
        "                 TLS TLSv1.3, certificate "
            + root.resolve("tls/a.crt")
            + ", key "
            + root.resolve("tls/a.key"));
    assertContains(
        out, "                 cipher suites TLS_AES_256_GCM_SHA384 (TLS_AES_256_GCM_SHA384)");
    // One of TLS 1.3's suites alone: BoringSSL would offer all three, so the JDK serves it.
    assertContains(
        out,
        "                 SSLProvider JDK (SSLCipherSuite chooses among TLS 1.3's suites, which"
            + " BoringSSL cannot)");
    // The main server: no TLS, the default protocols.
    assertContains(out, "                 protocols h2 http/1.1");
  }

  @Test
  void dumpVhostsDefineIsTheSameAsLayout() throws IOException {
    conf("Listen 8080", "User #40000", "Group #40000");
    Run run = run("-d", root.toString(), "-t", "-D", "DUMP_VHOSTS");
    assertContains(run.out(), "Listeners:");
  }

  @Test
  void helpVersionAndDirectives() {
    Run help = run("-h");
    assertEquals(0, help.code());
    assertContains(help.out(), "-t                 : run syntax check for config files");
    Run version = run("-v");
    assertEquals(0, version.code());
    assertTrue(version.out().startsWith("Server version: Perchild/"), version.out());
    Run list = run("-L");
    assertContains(list.out(), "ChildPerUserID user group number|min-max\n");
    assertContains(list.out(), "\tContext: virtual host; default: User Group\n");
  }

  @Test
  void usageErrors() {
    Run unknown = run("-Q");
    assertEquals(1, unknown.code());
    assertTrue(
        unknown.err().startsWith("perchild: unknown option -Q\nUsage: perchild"), unknown.err());
    Run missing = run("-f");
    assertEquals(1, missing.code());
    assertTrue(missing.err().startsWith("perchild: -f needs an argument\n"), missing.err());
    Run badSignal = run("-k", "reload");
    assertEquals(1, badSignal.code());
    assertTrue(
        badSignal
            .err()
            .startsWith(
                "perchild: -k reload: not one of start, stop, restart, graceful, graceful-stop"),
        badSignal.err());
    assertEquals(1, run("-t", "-S").code());
  }

  @Test
  void runningFlagsAreAcceptedAndCheckTheConfigurationFirst() throws IOException {
    conf("Listen 8080", "Bogus");
    for (String[] args :
        List.of(
            new String[] {"-D", "FOREGROUND"},
            new String[] {"-X"},
            new String[] {"-k", "start"},
            new String[] {"-k", "graceful"})) {
      String[] full = new String[args.length + 2];
      full[0] = "-d";
      full[1] = root.toString();
      System.arraycopy(args, 0, full, 2, args.length);
      Run run = run(full);
      assertEquals(1, run.code());
      assertContains(run.err(), ":2: unknown directive 'Bogus'");
    }
  }

  @Test
  void statusIsASubcommandWordWithJson() {
    CommandLine plain = CommandLine.parse(new String[] {"-d", "/srv", "status"});
    assertEquals(CommandLine.Action.STATUS, plain.action());
    assertEquals(false, plain.json());
    assertTrue(CommandLine.parse(new String[] {"status", "--json"}).json());
    assertEquals(1, run("--json").code());
    assertContains(run("-t", "status").err(), "give only one of");
  }

  @Test
  void dumpIsASubcommandWordWithASlot() {
    CommandLine dump = CommandLine.parse(new String[] {"-d", "/srv", "dump", "2"});
    assertEquals(CommandLine.Action.DUMP, dump.action());
    assertEquals(2, dump.slot());
    for (String slot : new String[] {"0", "x", "-1"}) {
      assertContains(run("dump", slot).err(), "dump " + slot + ": the slot is a number from 1");
    }
    assertEquals(1, run("dump").code());
    assertContains(run("status", "dump", "1").err(), "give only one of");
  }

  @Test
  void withoutALauncherTheControlCommandsSayNoServerIsRunning() throws IOException {
    conf("Listen 8080", "User #40000", "Group #40000");
    Path socket = root.resolve("logs/perchild.sock");
    for (String[] args :
        List.of(
            new String[] {"-k", "graceful"},
            new String[] {"-k", "stop"},
            new String[] {"-k", "restart"},
            new String[] {"-k", "graceful-stop"},
            new String[] {"status"},
            new String[] {"status", "--json"})) {
      String[] full = new String[args.length + 2];
      full[0] = "-d";
      full[1] = root.toString();
      System.arraycopy(args, 0, full, 2, args.length);
      Run run = run(full);
      assertEquals(1, run.code(), List.of(args).toString());
      assertEquals("", run.out());
      assertEquals(
          "perchild: no server is running (no control socket at " + socket + ")\n", run.err());
    }
  }

  @Test
  void daemonArgumentsTradeStartForForeground() {
    assertEquals(
        List.of("-d", "/srv", "-f", "x.conf", "-D", "FOREGROUND"),
        Daemon.foregroundArguments(new String[] {"-d", "/srv", "-k", "start", "-f", "x.conf"}));
    assertEquals(List.of("-D", "FOREGROUND"), Daemon.foregroundArguments(new String[0]));
  }

  private static void assertContains(String text, String expected) {
    assertTrue(text.contains(expected), "expected\n" + expected + "\nin\n" + text);
  }
}
