package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.perchild.testsupport.Http;

/**
 * A graceful restart (SIGUSR1) under load: the new configuration (a virtual host added, a tenant's
 * child count changed) takes effect without a failed request, by new children of that tenant only;
 * a broken configuration is refused with its file and line while the running generation keeps
 * serving.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GracefulRestartIT {

  private static final Pattern PID = Pattern.compile("\"pid\":(\\d+)");
  private static final Pattern VHOST = Pattern.compile("\"vhost\":\"([^\"]*)\"");
  private static final Pattern UID = Pattern.compile("\"uid\":(\\d+)");
  private static LaunchedServer server;

  private static String conf(int port, int tenantChildren, boolean withNewHost) {
    List<String> lines =
        new ArrayList<>(
            List.of(
                "Listen 127.0.0.1:" + port,
                "User #65534",
                "Group #65534",
                "NumServers " + (1 + tenantChildren),
                "MaxRequestsPerChild 0",
                "ChildPerUserID restarted restarted " + tenantChildren,
                "ChildJavaOptions -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
                "<VirtualHost *:" + port + ">",
                "  ServerName fallback.test",
                "  AppBase webapps/fallback",
                "</VirtualHost>",
                "<VirtualHost *:" + port + ">",
                "  ServerName tenant.test",
                "  AssignUserID restarted restarted",
                "  AppBase webapps/tenant",
                "</VirtualHost>"));
    if (withNewHost) {
      lines.addAll(
          List.of(
              "<VirtualHost *:" + port + ">",
              "  ServerName added.test",
              "  AssignUserID restarted restarted",
              "  AppBase webapps/tenant",
              "</VirtualHost>"));
    }
    return String.join("\n", lines) + "\n";
  }

  @BeforeAll
  static void start() throws Exception {
    LaunchedServer.requireRoot();
    LaunchedServer.ensureAccount("restarted", "restarted");
    Path whoami = LaunchedServer.TREE.resolve("webapps/localhost/whoami.war");
    server =
        LaunchedServer.start(
            "perchild-graceful",
            Map.of("fallback", whoami, "tenant", whoami),
            port -> conf(port, 1, false),
            2);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  private static String get(String host) throws Exception {
    return Http.curl(server.port, host, "/");
  }

  private static String field(Pattern pattern, String json) {
    Matcher m = pattern.matcher(json);
    assertTrue(m.find(), pattern + " in " + json);
    return m.group(1);
  }

  private static void usr1() throws Exception {
    LaunchedServer.run("kill", "-USR1", Long.toString(server.launcher().pid()));
  }

  @Test
  @Order(1)
  void aNewConfigurationTakesEffectWithoutAFailedRequest() throws Exception {
    Path conf = server.root.resolve("conf/perchild.conf");
    List<String> failures;
    try (LoadLoop tenant = new LoadLoop(server.port, "tenant.test", 2);
        LoadLoop fallback = new LoadLoop(server.port, "fallback.test", 1)) {
      await().atMost(10, SECONDS).until(() -> tenant.succeeded() > 20);
      Files.writeString(conf, conf(server.port, 2, true));
      usr1();
      await().atMost(60, SECONDS).until(() -> server.count("generation 2 serves") == 1);
      await()
          .atMost(30, SECONDS)
          .until(() -> server.count("perchild - child \\d+ \\(retired\\) exited") == 1);
      // Only the tenant's group changed (a host, a child more): the fallback's child is kept.
      assertEquals(1, server.count("group #?\\w+/#?\\w+ kept: its children run on"));
      int before = tenant.succeeded();
      await().atMost(10, SECONDS).until(() -> tenant.succeeded() > before + 20);
      tenant.close();
      fallback.close();
      failures = new ArrayList<>(tenant.failures());
      failures.addAll(fallback.failures());
    }
    assertEquals(List.of(), failures, "requests failed during the graceful restart");

    String added = get("added.test");
    assertEquals("added.test", field(VHOST, added), added);
    assertEquals(Integer.toString(LaunchedServer.uidOf("restarted")), field(UID, added), added);
    Set<String> tenantPids = new HashSet<>();
    for (int i = 0; i < 12; i++) {
      tenantPids.add(field(PID, get("tenant.test")));
    }
    assertEquals(2, tenantPids.size(), "the tenant has two children now: " + tenantPids);
    assertEquals(List.of(), server.unexpectedErrors());
  }

  @Test
  @Order(2)
  void aBrokenConfigurationIsRefusedAndTheRunningOneServes() throws Exception {
    Path conf = server.root.resolve("conf/perchild.conf");
    String good = Files.readString(conf);
    Files.writeString(conf, good + "NumServers lots\n");
    long lines = good.lines().count();
    usr1();
    await()
        .atMost(20, SECONDS)
        .until(
            () ->
                server.count(
                        "graceful restart refused, still serving the running configuration: "
                            + Pattern.quote(conf + ":" + (lines + 1) + ":"))
                    == 1);
    assertEquals("tenant.test", field(VHOST, get("tenant.test")));
    assertEquals("added.test", field(VHOST, get("added.test")));
    Files.writeString(conf, good);
  }

  @Test
  @Order(3)
  void threadLimitChangesOnlyOnAFullStart() throws Exception {
    Path conf = server.root.resolve("conf/perchild.conf");
    String good = Files.readString(conf);
    // A higher ThreadLimit is warned about and the restart goes on under the running one.
    Files.writeString(conf, good + "ThreadLimit 128\n");
    usr1();
    await().atMost(60, SECONDS).until(() -> server.count("generation 3 serves") == 1);
    assertEquals(
        1,
        server.count(
            "ThreadLimit changed from 64 to 128: it changes only on a full start; 64 stays in"
                + " force"));
    // Asking for more threads than the running ThreadLimit allows is refused.
    Files.writeString(conf, good + "ThreadLimit 128\nMaxThreadsPerChild 100\n");
    usr1();
    await()
        .atMost(20, SECONDS)
        .until(
            () ->
                server.count(
                        "graceful restart refused, still serving the running configuration:"
                            + " MaxThreadsPerChild 100 is above the running ThreadLimit 64")
                    == 1);
    assertEquals(0, server.count("generation 4 serves"));
    assertEquals("tenant.test", field(VHOST, get("tenant.test")));
    Files.writeString(conf, good);
  }
}
