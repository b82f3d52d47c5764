package org.perchild.container.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.security.Authenticator;
import org.eclipse.jetty.security.Constraint;
import org.eclipse.jetty.security.SecurityHandler;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.security.authentication.DigestAuthenticator;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.config.WebAppRealm;

/**
 * Which password forms of a realm file each authentication method can check, on Jetty's own
 * authenticators in a Jetty server (in memory): what the README's "Login realms" section says.
 * Every user's password is "secret".
 */
@Timeout(30)
class PasswordFormsTest {

  private static final String REALM = "Test Realm";
  private static final Pattern PARAMETER = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]+))");

  @TempDir Path dir;
  private Server server;
  private LocalConnector connector;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  /** A realm with every form, and "digested": MD5 of user:realm:password, DIGEST's own form. */
  private Path realmFile() throws Exception {
    List<String> lines = new ArrayList<>(HostRealmsTest.EVERY_FORM);
    lines.add("digested: MD5:" + hex("MD5", "digested:" + REALM + ":secret") + ", user");
    return Files.write(dir.resolve("alice.properties"), lines);
  }

  /** A server whose every path needs a login, checked by {@code authenticator}. */
  private void start(Authenticator authenticator) throws Exception {
    server = new Server();
    connector = new LocalConnector(server);
    server.addConnector(connector);
    SecurityHandler.PathMapped security = new SecurityHandler.PathMapped();
    security.put("/*", Constraint.ANY_USER);
    security.setAuthenticator(authenticator);
    security.setLoginService(
        new HostRealms("alice.example", List.of(new WebAppRealm(REALM, realmFile())))
            .loginService("shop.war", "/", REALM));
    security.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            response.setStatus(200);
            callback.succeeded();
            return true;
          }
        });
    server.setHandler(security);
    server.start();
  }

  private HttpTester.Response get(String authorization) throws Exception {
    String request =
        "GET /private HTTP/1.1\r\nHost: alice.example\r\n"
            + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
            + "Connection: close\r\n\r\n";
    return HttpTester.parseResponse(connector.getResponse(request));
  }

  /** The status each user gets with the password "secret". */
  private Map<String, Integer> statuses(java.util.function.Function<String, Integer> login) {
    Map<String, Integer> statuses = new LinkedHashMap<>();
    for (String user : List.of("plain", "obfuscated", "hashed", "digested", "crypted", "sha")) {
      statuses.put(user, login.apply(user));
    }
    return statuses;
  }

  private int basic(String user) {
    try {
      String token =
          Base64.getEncoder().encodeToString((user + ":secret").getBytes(StandardCharsets.UTF_8));
      return get("Basic " + token).getStatus();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** A DIGEST login as RFC 7616 says a client computes it, from a fresh challenge. */
  private int digest(String user) {
    try {
      HttpTester.Response challenge = get(null);
      assertEquals(401, challenge.getStatus());
      Map<String, String> c = parameters(challenge.get(HttpHeader.WWW_AUTHENTICATE));
      assertEquals(REALM, c.get("realm"));
      String algorithm = c.get("algorithm");
      String cnonce = "0a4f113b";
      String nc = "00000001";
      String ha1 = hex(algorithm, user + ":" + c.get("realm") + ":secret");
      String ha2 = hex(algorithm, "GET:/private");
      String response =
          hex(algorithm, ha1 + ":" + c.get("nonce") + ":" + nc + ":" + cnonce + ":auth:" + ha2);
      return get(String.format(
              "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"/private\","
                  + " algorithm=%s, qop=auth, nc=%s, cnonce=\"%s\", response=\"%s\","
                  + " opaque=\"%s\"",
              user,
              c.get("realm"),
              c.get("nonce"),
              algorithm,
              nc,
              cnonce,
              response,
              c.get("opaque")))
          .getStatus();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Map<String, String> parameters(String header) {
    Map<String, String> parameters = new LinkedHashMap<>();
    Matcher m = PARAMETER.matcher(header.substring(header.indexOf(' ') + 1));
    while (m.find()) {
      parameters.put(m.group(1), m.group(2) != null ? m.group(2) : m.group(3));
    }
    return parameters;
  }

  private static String hex(String algorithm, String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance(algorithm).digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void basicChecksEveryFormButDigestsOwn() throws Exception {
    start(new BasicAuthenticator());
    assertEquals(401, get(null).getStatus());
    assertEquals(
        Map.of(
            "plain", 200,
            "obfuscated", 200,
            "hashed", 200,
            "digested", 401,
            "crypted", 200,
            "sha", 200),
        statuses(this::basic));
  }

  @Test
  void digestAsAWebXmlGetsItChecksPlainObfuscatedAndTheMd5OfUserRealmAndPassword()
      throws Exception {
    DigestAuthenticator digest = new DigestAuthenticator();
    // Jetty 12.1.8's default, and what a web.xml's DIGEST gets (RFC 2617's MD5).
    assertEquals("MD5", digest.getAlgorithm());
    start(digest);
    assertEquals(
        Map.of(
            "plain", 200,
            "obfuscated", 200,
            "hashed", 401,
            "digested", 200,
            "crypted", 401,
            "sha", 401),
        statuses(this::digest));
  }
}
