package org.perchild.distribution;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The children's class archive, with real processes as root: the launcher's first start spawns a
 * training run as {@code User} (uid 65534), installs its archive root-owned and read-only in a
 * directory of root's, and a child started afterwards maps it ({@code /proc/PID/maps}); an archive
 * the JVM cannot use (here: garbage in its place) costs only speed, the child still serves.
 */
@Timeout(400)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClassArchiveIT {

  private static final Pattern TRAINING =
      Pattern.compile("class archive (\\S+): training run started: pid (\\d+), user ([^,\\s]+)");

  private static LaunchedServer server;

  @BeforeAll
  static void start() throws Exception {
    LaunchedServer.requireRoot();
    server =
        LaunchedServer.startFallbackAndTenant(
            "perchild-classarchiveit", "archived", List.of("LogLevel info"), List.of());
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  @Order(1)
  void madeByUserInstalledReadOnlyAndMappedByANewChild() throws Exception {
    // The training run: its uid while it runs (it lasts seconds; the log is read every 50 ms).
    Matcher training =
        await()
            .atMost(60, SECONDS)
            .pollInterval(50, MILLISECONDS)
            .until(() -> TRAINING.matcher(Files.readString(server.log)), Matcher::find);
    Path archive = Path.of(training.group(1));
    String uids = LaunchedServer.status(Long.parseLong(training.group(2)), "Uid");
    assertEquals(
        List.of("65534", "65534", "65534", "65534"),
        List.of(uids.split("\\s+")),
        "the training run's real, effective, saved and file uids");
    assertEquals("nobody", training.group(3));

    await()
        .atMost(240, SECONDS)
        .until(
            () ->
                server.count("class archive \\S+ installed: .* made by a training run as nobody")
                    == 1);
    Map<String, Object> file =
        Files.readAttributes(archive, "unix:uid,gid,mode", LinkOption.NOFOLLOW_LINKS);
    assertEquals(0, file.get("uid"));
    assertEquals(0, file.get("gid"));
    assertEquals(0100444, file.get("mode"), "a regular file, read-only for everyone");
    Map<String, Object> directory =
        Files.readAttributes(archive.getParent(), "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
    assertEquals(0, directory.get("uid"));
    assertEquals(040755, directory.get("mode"), "root's directory: no tenant can replace the file");
    try (var left = Files.list(archive.getParent())) {
      assertEquals(List.of(archive), left.toList(), "the training's own directory is gone");
    }

    long child = replaceTenantChild();
    String maps = Files.readString(Path.of("/proc/" + child + "/maps"));
    assertTrue(maps.contains(archive.toString()), "the new child maps " + archive + ":\n" + maps);
    // Mapped where it was made for: its read-only part is the file's pages, shared by every child.
    assertTrue(
        maps.lines()
            .anyMatch(l -> l.endsWith(archive.toString()) && l.split("\\s+")[1].startsWith("r--")),
        maps);
    assertEquals("200", tenantStatus());
    assertEquals(List.of(), server.unexpectedErrors());
  }

  @Test
  @Order(2)
  void anArchiveTheJvmCannotUseCostsOnlySpeed() throws Exception {
    Matcher training = TRAINING.matcher(Files.readString(server.log));
    assertTrue(training.find());
    Path archive = Path.of(training.group(1));
    // Root's, read-only, as the launcher would accept it; but not an archive.
    Path garbage = archive.resolveSibling(".garbage");
    Files.writeString(garbage, "not a class archive\n".repeat(1000), StandardOpenOption.CREATE_NEW);
    Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("r--r--r--"));
    Files.move(garbage, archive, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    replaceTenantChild();
    assertEquals("200", tenantStatus());
  }

  /** Kills the tenant's child; returns the pid of its replacement once it is READY. */
  private static long replaceTenantChild() throws Exception {
    int uid = LaunchedServer.uidOf("archived");
    long old = tenantChild(uid);
    long readyBefore = server.count("perchild - child \\d+ ready");
    LaunchedServer.run("kill", "-9", Long.toString(old));
    await()
        .atMost(120, SECONDS)
        .until(() -> server.count("perchild - child \\d+ ready") > readyBefore);
    return tenantChild(uid);
  }

  private static long tenantChild(int uid) throws Exception {
    for (long pid : server.pidsOf("org.perchild.container.ChildMain")) {
      if (LaunchedServer.status(pid, "Uid").split("\\s+")[0].equals(Integer.toString(uid))) {
        return pid;
      }
    }
    throw new AssertionError("no child of uid " + uid);
  }

  private static String tenantStatus() throws Exception {
    return LaunchedServer.run(
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "20",
            "-H",
            "Host: tenant.test",
            "http://127.0.0.1:" + server.port + "/")
        .trim();
  }
}
