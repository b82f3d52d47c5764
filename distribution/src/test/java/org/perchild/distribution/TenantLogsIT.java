package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.perchild.testsupport.Http;

/**
 * A tenant's own error log (its children's messages, in a file the tenant owns), and logs opened
 * anew by a graceful restart, as logrotate needs: the moved file gets nothing more, the new one is
 * the tenant's.
 */
@Timeout(300)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TenantLogsIT {

  private static LaunchedServer server;

  @BeforeAll
  static void start() throws Exception {
    LaunchedServer.requireRoot();
    server =
        LaunchedServer.startFallbackAndTenant(
            "perchild-tenantlogsit",
            "tenantlog",
            List.of(),
            List.of(
                "  ErrorLog logs/tenant.test-error_log",
                "  CustomLog logs/tenant.test-access_log common"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  private static void get(String host, String path) throws Exception {
    Http.curl(server.port, host, path, "-o", "/dev/null");
  }

  private static void assertTenantOwns(Path file) throws Exception {
    assertEquals(
        LaunchedServer.uidOf("tenantlog"),
        Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS),
        file.toString());
    assertEquals(
        "rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file + "");
  }

  @Test
  @Order(1)
  void aTenantsChildrenWriteTheirMessagesToTheTenantsOwnErrorLog() throws Exception {
    Path tenantErrors = server.root.resolve("logs/tenant.test-error_log");
    assertTenantOwns(tenantErrors);
    String tenantLog = Files.readString(tenantErrors);
    assertTrue(tenantLog.contains("org.perchild.container.ChildMain - child 1 ready"), tenantLog);
    String mainLog = Files.readString(server.log);
    assertTrue(
        mainLog.lines().noneMatch(l -> l.contains("ChildMain") && l.contains("user tenantlog")),
        "the tenant's child wrote to the main error log");
    assertTrue(mainLog.contains("ChildMain - child 2 ready"), "the User/Group child writes here");
  }

  @Test
  @Order(2)
  void aGracefulRestartOpensTheLogsAnewForLogrotate() throws Exception {
    Path access = server.root.resolve("logs/tenant.test-access_log");
    Path errors = server.root.resolve("logs/tenant.test-error_log");
    get("tenant.test", "/before-rotation");
    await().atMost(10, SECONDS).until(() -> Files.readString(access).contains("/before-rotation"));
    Path rotatedAccess = server.root.resolve("logs/tenant.test-access_log.1");
    Path rotatedErrors = server.root.resolve("logs/tenant.test-error_log.1");
    Files.move(access, rotatedAccess);
    Files.move(errors, rotatedErrors);
    LaunchedServer.run("kill", "-USR1", Long.toString(server.launcher().pid()));
    await().atMost(60, SECONDS).until(() -> server.count("generation 2 serves") == 1);
    get("tenant.test", "/after-rotation");
    await()
        .atMost(10, SECONDS)
        .until(() -> Files.exists(access) && Files.readString(access).contains("/after-rotation"));
    assertTenantOwns(access);
    assertTenantOwns(errors);
    assertTrue(!Files.readString(rotatedAccess).contains("/after-rotation"));
    assertTrue(Files.readString(errors).contains("ChildMain - child"), Files.readString(errors));
    assertEquals(List.of(), server.unexpectedErrors());
  }
}
