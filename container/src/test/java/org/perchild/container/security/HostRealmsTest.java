package org.perchild.container.security;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.LoginService;
import org.eclipse.jetty.security.UserIdentity;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.security.Password;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.config.WebAppRealm;

/**
 * Which login service each web application gets from its host's realms, checked with BASIC's and
 * FORM's call ({@code login(user, password, null, null)}) against real realm files.
 */
@Timeout(30)
class HostRealmsTest {

  /** A realm file with every password form HashLoginService knows, each for "secret". */
  static final List<String> EVERY_FORM =
      List.of(
          "# user: password[, role ...]",
          "plain: secret, user, admin",
          "obfuscated: " + Password.obfuscate("secret") + ", user",
          // md5sum of "secret": the password alone, which is what BASIC and FORM compare.
          "hashed: MD5:5ebe2294ecd0e0f08eab7690d2a6ee69, user",
          // crypt(3) of "secret" with salt "ab", as perl -e 'print crypt("secret","ab")' prints.
          "crypted: CRYPT:abNANd1rDfiNc, user",
          // sha256sum of "secret": Jetty 12.1's MD: form takes any JDK digest of the password.
          "sha: MD:SHA-256:2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b, user");

  @TempDir Path dir;
  private final List<LifeCycle> started = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (LifeCycle service : started) {
      service.stop();
    }
  }

  private Path realmFile(String name, List<String> lines) throws Exception {
    return Files.write(dir.resolve(name), lines);
  }

  private <T extends LoginService> T start(T service) throws Exception {
    if (service instanceof LifeCycle lifeCycle) {
      lifeCycle.start();
      started.add(lifeCycle);
    }
    return service;
  }

  private static UserIdentity basic(LoginService service, String user, String password) {
    return service.login(user, password, null, null);
  }

  @Test
  void basicChecksPlainObfuscatedMd5CryptAndShaPasswords() throws Exception {
    Path file = realmFile("alice.properties", EVERY_FORM);
    HostRealms realms =
        new HostRealms("alice.example", List.of(new WebAppRealm("Test Realm", file)));

    LoginService service = start(realms.loginService("shop.war", "/shop", "Test Realm"));

    assertInstanceOf(HashLoginService.class, service);
    assertEquals("Test Realm", service.getName());
    for (String user : List.of("plain", "obfuscated", "hashed", "crypted", "sha")) {
      UserIdentity identity = basic(service, user, "secret");
      assertNotNull(identity, user);
      assertEquals(user, identity.getUserPrincipal().getName());
      assertTrue(identity.isUserInRole("user"), user);
      assertNull(basic(service, user, "Secret"), user);
      assertNull(basic(service, user, ""), user);
    }
    assertTrue(basic(service, "plain", "secret").isUserInRole("admin"));
    assertNull(basic(service, "nobody", "secret"));
    // The stored forms are not passwords: knowing the file's line is not knowing the password.
    assertNull(basic(service, "hashed", "MD5:5ebe2294ecd0e0f08eab7690d2a6ee69"));
    assertNull(basic(service, "crypted", "CRYPT:abNANd1rDfiNc"));
    assertNull(basic(service, "obfuscated", Password.obfuscate("secret")));
  }

  @Test
  void aRealmNameSelectsTheRealmOfExactlyThatName() throws Exception {
    Path a = realmFile("a.properties", List.of("ann: a-secret"));
    Path b = realmFile("b.properties", List.of("bob: b-secret"));
    HostRealms realms =
        new HostRealms(
            "alice.example",
            List.of(new WebAppRealm("Test Realm", a), new WebAppRealm("admin", b)));

    LoginService admin = start(realms.loginService("admin.war", "/admin", "admin"));

    assertEquals("admin", admin.getName());
    assertNotNull(basic(admin, "bob", "b-secret"));
    assertNull(basic(admin, "ann", "a-secret"));
    assertEquals(List.of(), realms.select("Admin").stream().toList());
    assertEquals(List.of(), realms.select("test realm").stream().toList());
  }

  @Test
  void withoutARealmNameTheHostsOnlyRealmServes() throws Exception {
    Path a = realmFile("a.properties", List.of("ann: a-secret"));
    HostRealms realms = new HostRealms("alice.example", List.of(new WebAppRealm("Only", a)));

    LoginService service = start(realms.loginService("ROOT.war", "/", null));

    // Named after the realm it checks against: what a DIGEST challenge names.
    assertEquals("Only", service.getName());
    assertNotNull(basic(service, "ann", "a-secret"));
    assertEquals("Only", realms.select("  ").orElseThrow().name());
  }

  @Test
  void everyCallIsALoginServiceOfItsOwnEvenForOneFile() throws Exception {
    Path file = realmFile("shared.properties", List.of("ann: a-secret"));
    HostRealms a = new HostRealms("a.example", List.of(new WebAppRealm("Test Realm", file)));
    HostRealms b = new HostRealms("b.example", List.of(new WebAppRealm("Test Realm", file)));

    LoginService first = a.loginService("one.war", "/one", "Test Realm");
    LoginService second = a.loginService("two.war", "/two", "Test Realm");
    LoginService other = b.loginService("one.war", "/one", "Test Realm");

    assertNotSame(first, second);
    assertNotSame(first, other);
    assertNotSame(first.getIdentityService(), second.getIdentityService());
    // Stopping one (its application undeployed) leaves the others checking logins.
    start(first);
    start(second);
    ((LifeCycle) first).stop();
    assertNotNull(basic(second, "ann", "a-secret"));
  }

  @Test
  void hotReloadTakesAChangedPasswordWithoutARestart() throws Exception {
    Path file = realmFile("alice.properties", List.of("ann: old-secret, user", "bob: b, user"));
    HashLoginService service =
        start(
            (HashLoginService)
                new HostRealms("alice.example", List.of(new WebAppRealm("R", file)))
                    .loginService("shop.war", "/shop", "R"));
    assertEquals(HostRealms.RELOAD_INTERVAL_SECONDS, service.getReloadInterval());
    assertNotNull(basic(service, "ann", "old-secret"));

    Files.write(file, List.of("ann: the-new-secret, user"));
    // Whatever the file system's timestamp resolution, the scanner sees a new modification time.
    Files.setLastModifiedTime(
        file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2000));

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> basic(service, "ann", "the-new-secret") != null);
    assertNull(basic(service, "ann", "old-secret"));
    // A user taken out of the file can no longer log in.
    assertNull(basic(service, "bob", "b"));
  }

  @Test
  void eachStartedServiceWatchesItsFileOnAThreadThatEndsWhenItStops() throws Exception {
    Path file = realmFile("alice.properties", List.of("ann: a-secret"));
    HostRealms realms = new HostRealms("alice.example", List.of(new WebAppRealm("R", file)));
    long before = scannerThreads();

    // As three deploys and redeploys of applications would: Jetty alone leaves a thread each time.
    for (int i = 0; i < 3; i++) {
      LifeCycle service = (LifeCycle) realms.loginService("shop.war", "/shop", "R");
      service.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> scannerThreads() == before + 1);
      service.stop();
      await().atMost(Duration.ofSeconds(5)).until(() -> scannerThreads() == before);
    }
  }

  /** The threads of Jetty's file scanners, which PropertyUserStore's hot reload runs on. */
  private static long scannerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("Scanner-") && t.isAlive())
        .count();
  }

  @Test
  void aFileThatIsGoneWhenTheApplicationStartsFailsItsStart() {
    LoginService service =
        new HostRealms(
                "alice.example",
                List.of(new WebAppRealm("R", dir.resolve("removed-after-t.properties"))))
            .loginService("shop.war", "/shop", "R");
    assertThrows(IllegalStateException.class, () -> ((LifeCycle) service).start());
  }

  @Test
  void aRealmNameWithoutAWebAppRealmRefusesEveryLoginAndLogsOnce() throws Exception {
    Path a = realmFile("a.properties", List.of("ann: a-secret"));
    HostRealms realms = new HostRealms("alice.example", List.of(new WebAppRealm("admin", a)));

    LoginService service = start(realms.loginService("shop.war", "/shop", "Test Realm"));

    RefusingLoginService refusing = assertInstanceOf(RefusingLoginService.class, service);
    String expected =
        "webapp shop.war at alice.example/shop: <login-config> realm 'Test Realm' has no"
            + " WebAppRealm in <VirtualHost alice.example>; every login is refused";
    assertEquals(expected, refusing.reason());
    assertEquals("Test Realm", service.getName());
    List<String> logged =
        errorLines(
            () -> {
              assertNull(basic(service, "ann", "a-secret"));
              assertNull(basic(service, "ann", "a-secret"));
              assertNull(basic(service, "someone", "else"));
              assertNull(service.getUserIdentity(null, () -> "ann", true));
            });
    assertEquals(1, logged.size(), logged.toString());
    assertTrue(logged.get(0).contains("ERROR"), logged.get(0));
    assertTrue(logged.get(0).endsWith(expected), logged.get(0));
  }

  @Test
  void noRealmNameAndNoneOrSeveralRealmsRefuse() throws Exception {
    Path a = realmFile("a.properties", List.of("ann: a-secret"));
    Path b = realmFile("b.properties", List.of("bob: b-secret"));
    HostRealms two =
        new HostRealms(
            "alice.example", List.of(new WebAppRealm("one", a), new WebAppRealm("two", b)));
    HostRealms none = new HostRealms("bob.example", List.of());

    RefusingLoginService several =
        assertInstanceOf(RefusingLoginService.class, two.loginService("ROOT.war", "/", null));
    RefusingLoginService nothing =
        assertInstanceOf(RefusingLoginService.class, none.loginService("ROOT.war", "/", null));

    assertEquals(
        "webapp ROOT.war at alice.example/: <login-config> names no realm and <VirtualHost"
            + " alice.example> has 2 WebAppRealms ('one', 'two'); every login is refused",
        several.reason());
    assertEquals(
        "webapp ROOT.war at bob.example/: <login-config> names no realm and <VirtualHost"
            + " bob.example> has no WebAppRealm; every login is refused",
        nothing.reason());
    assertNull(basic(several, "ann", "a-secret"));
    assertNull(basic(several, "bob", "b-secret"));
  }

  /** The lines written to standard error, where slf4j-simple logs, while {@code action} runs. */
  private static List<String> errorLines(Runnable action) {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      action.run();
    } finally {
      System.setErr(original);
    }
    String text = captured.toString(StandardCharsets.UTF_8);
    return Arrays.stream(text.split("\n")).filter(line -> !line.isBlank()).toList();
  }
}
