package org.perchild.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The assembled distribution, run as an operator runs it: {@code bin/perchild} is a real process
 * started from the unpacked tree, and the tarball holds the same tree under one top folder.
 */
@Timeout(120)
class DistributionIT {

  private static final Path TARGET = Path.of("target").toAbsolutePath();
  private static final Path TREE = ReadableTree.TREE;

  /** What one run of a command printed and returned. */
  private record Result(int code, String out, String err) {}

  private static Result run(Path directory, String... command)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
    builder.environment().remove("PERCHILD_LAUNCHER_OPTS");
    Process process = builder.start();
    process.getOutputStream().close();
    byte[] out;
    byte[] err;
    try (InputStream stdout = process.getInputStream();
        InputStream stderr = process.getErrorStream()) {
      out = stdout.readAllBytes();
      err = stderr.readAllBytes();
    }
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "still running: " + List.of(command));
    return new Result(
        process.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void treeIsReadyToRun() {
    for (String path :
        List.of(
            "bin/perchild",
            "bin/start.sh",
            "bench/bench.sh",
            "bench/common.sh",
            "bench/webapps.sh",
            "bench/memory.sh",
            "bench/tls.sh",
            "bench/density.sh",
            "systemd/perchild.service",
            "conf/perchild.conf",
            "webapps/localhost/whoami.war",
            "webapps/alice/whoami.war",
            "webapps/bob/whoami.war",
            "webapps/localhost/ROOT.war",
            "webapps/alice/ROOT.war",
            "webapps/bob/ROOT.war",
            "README.md")) {
      assertTrue(Files.isRegularFile(TREE.resolve(path)), path);
    }
    assertTrue(Files.isDirectory(TREE.resolve("logs")));
    assertTrue(Files.isExecutable(TREE.resolve("bin/perchild")));
    assertTrue(Files.isExecutable(TREE.resolve("bin/start.sh")));
    assertTrue(Files.isExecutable(TREE.resolve("bench/bench.sh")));
    assertTrue(Files.isExecutable(TREE.resolve("bench/webapps.sh")));
    assertTrue(Files.isExecutable(TREE.resolve("bench/memory.sh")));
    assertTrue(Files.isExecutable(TREE.resolve("bench/tls.sh")));
    assertTrue(Files.isRegularFile(jar("perchild-launcher-")));
    assertTrue(Files.isRegularFile(jar("perchild-container-")));
    assertTrue(Files.isRegularFile(jar("jetty-server-12.1.8")));
    // Each servlet environment in a directory of its own, none of it on the child's class path.
    for (String environment : List.of("ee8", "ee9", "ee10")) {
      assertTrue(Files.isDirectory(TREE.resolve("lib").resolve(environment)), environment);
    }
    assertTrue(Files.isRegularFile(TREE.resolve("lib/ee10/jakarta.servlet-api-6.0.0.jar")));
    assertFalse(Files.exists(TREE.resolve("lib/jakarta.servlet-api-6.0.0.jar")));
  }

  @Test
  void dispatchBenchmarkRunsFromTheTreeWithJmhOutsideTheServersClassPath() throws Exception {
    assertTrue(Files.isExecutable(TREE.resolve("bench/dispatch.sh")));
    try (var files = Files.list(TREE.resolve("lib"))) {
      List<String> benchmarkJars =
          files
              .map(p -> p.getFileName().toString())
              .filter(name -> name.startsWith("jmh-") || name.startsWith("perchild-benchmarks"))
              .toList();
      assertEquals(List.of(), benchmarkJars, "in lib/, the server's class path");
    }
    // One short iteration of each pool in this JVM (-f 0): that the shipped script finds JMH, the
    // benchmarks and the pools, not a measurement.
    Result result =
        run(
            TREE,
            "bench/dispatch.sh",
            "DispatchBenchmark.roundTrip",
            "-f",
            "0",
            "-wi",
            "0",
            "-i",
            "1",
            "-r",
            "200ms",
            "-p",
            "pool=spare,queued");
    assertEquals(0, result.code(), result.out() + result.err());
    List<String> rows =
        result
            .out()
            .lines()
            .filter(line -> line.startsWith("DispatchBenchmark.roundTrip "))
            .toList();
    assertEquals(2, rows.size(), result.out());
    assertTrue(rows.stream().anyMatch(row -> row.contains(" spare ")), rows.toString());
    assertTrue(rows.stream().anyMatch(row -> row.contains(" queued ")), rows.toString());
  }

  @Test
  void systemdUnitRunsTheLauncherInFrontAndReloadsGracefully() throws IOException {
    List<String> unit = Files.readAllLines(TREE.resolve("systemd/perchild.service"));
    for (String line :
        List.of(
            "Type=simple",
            "ExecStart=/opt/perchild/bin/perchild -D FOREGROUND",
            "ExecReload=/opt/perchild/bin/perchild -k graceful",
            "ExecStop=/opt/perchild/bin/perchild -k graceful-stop",
            "Restart=on-failure",
            "WantedBy=multi-user.target")) {
      assertTrue(unit.contains(line), line + " in " + unit);
    }
  }

  private static Path jar(String prefix) {
    try (var files = Files.list(TREE.resolve("lib"))) {
      return files
          .filter(p -> p.getFileName().toString().startsWith(prefix))
          .findFirst()
          .orElse(TREE.resolve("lib/missing-" + prefix));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void shippedConfigurationPassesTheConfigTestFromAnyDirectory() throws Exception {
    Result result = run(Path.of("/"), TREE.resolve("bin/perchild").toString(), "-t");
    assertEquals(0, result.code(), result.err());
    assertEquals("Syntax OK\n", result.out());
    assertEquals("", result.err());
  }

  @Test
  void layoutOfTheShippedConfiguration() throws Exception {
    Result result = run(TREE, "bin/perchild", "-S");
    assertEquals(0, result.code(), result.err());
    assertTrue(result.out().contains("port 8080 namevhost alice.localhost"), result.out());
    assertTrue(
        result.out().contains("user #40002 group #40002, AppBase " + TREE.resolve("webapps/bob")),
        result.out());
  }

  @Test
  void aBrokenConfigurationFailsWithFileAndLine() throws Exception {
    Path broken = Files.createTempFile(TARGET, "broken", ".conf");
    Files.writeString(broken, "Listen 8080\nNumServers lots\n");
    Result result = run(TREE, "bin/perchild", "-f", broken.toString(), "-t");
    assertEquals(1, result.code());
    assertTrue(
        result
            .err()
            .startsWith(
                broken + ":2: NumServers takes a whole number from 1 to 20000, not 'lots'\n"),
        result.err());
  }

  @Test
  void tarballHoldsTheSameTreeUnderOneTopFolder() throws Exception {
    Path tarball;
    try (var files = Files.list(TARGET)) {
      tarball =
          files
              .filter(p -> p.getFileName().toString().matches("perchild-.+\\.tar\\.gz"))
              .findFirst()
              .orElseThrow();
    }
    String top = tarball.getFileName().toString().replace(".tar.gz", "");
    Result listing = run(TARGET, "tar", "tzf", tarball.toString());
    assertEquals(0, listing.code(), listing.err());
    List<String> entries = new ArrayList<>(listing.out().lines().toList());
    assertTrue(entries.stream().allMatch(e -> e.startsWith(top + "/")), entries.toString());
    for (String path :
        List.of(
            "bin/perchild",
            "bin/start.sh",
            "bench/bench.sh",
            "bench/common.sh",
            "bench/webapps.sh",
            "bench/memory.sh",
            "systemd/perchild.service",
            "conf/perchild.conf",
            "logs/",
            "webapps/alice/whoami.war",
            "webapps/alice/ROOT.war")) {
      assertTrue(entries.contains(top + "/" + path), path + " in " + entries);
    }
  }
}
