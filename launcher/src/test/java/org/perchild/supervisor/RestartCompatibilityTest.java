package org.perchild.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.perchild.config.ConfigLoader;
import org.perchild.config.FakeAccounts;
import org.perchild.config.ServerConfig;

/** What a graceful restart refuses and what it only warns about, with no process involved. */
class RestartCompatibilityTest {

  @TempDir Path root;

  private ServerConfig load(String... lines) throws Exception {
    List<String> all = new ArrayList<>(List.of("User nobody", "Group nogroup"));
    all.addAll(List.of(lines));
    Files.createDirectories(root.resolve("conf"));
    Files.writeString(root.resolve("conf/perchild.conf"), String.join("\n", all) + "\n");
    return new ConfigLoader(FakeAccounts.standard()).load(root, Path.of("conf/perchild.conf"));
  }

  private RestartCompatibility.Verdict check(ServerConfig running, ServerConfig fresh) {
    return RestartCompatibility.check(
        running, fresh, running.serverLimit(), running.threads().threadLimit());
  }

  @Test
  void theSameListenersAndLimitsPassWithoutAWord() throws Exception {
    ServerConfig running = load("Listen 127.0.0.1:8080", "NumServers 2");
    RestartCompatibility.Verdict verdict =
        check(running, load("Listen 127.0.0.1:8080", "NumServers 4"));
    assertTrue(verdict.accepted());
    assertEquals(List.of(), verdict.warnings());
  }

  @Test
  void changedListenersTakeAFullRestart() throws Exception {
    ServerConfig running = load("Listen 127.0.0.1:8080");
    RestartCompatibility.Verdict verdict = check(running, load("Listen 127.0.0.1:8081"));
    assertEquals(1, verdict.refusals().size());
    String refusal = verdict.refusals().get(0);
    assertTrue(refusal.startsWith("the Listen directives changed ("), refusal);
    assertTrue(refusal.endsWith("): that takes a full restart"), refusal);
    assertTrue(refusal.contains("8080") && refusal.contains("8081"), refusal);
  }

  @Test
  void aNewServerLimitIsWarnedAboutAndOnlyRefusedWhenNumServersNeedsMore() throws Exception {
    ServerConfig running = load("Listen 127.0.0.1:8080", "ServerLimit 8", "NumServers 4");
    RestartCompatibility.Verdict within =
        check(running, load("Listen 127.0.0.1:8080", "ServerLimit 16", "NumServers 8"));
    assertTrue(within.accepted());
    assertEquals(
        List.of(
            "ServerLimit changed from 8 to 16: it changes only on a full start; 8 stays in force"),
        within.warnings());

    RestartCompatibility.Verdict above =
        check(running, load("Listen 127.0.0.1:8080", "ServerLimit 16", "NumServers 9"));
    assertEquals(List.of("NumServers 9 is above the running ServerLimit 8"), above.refusals());
    assertEquals(1, above.warnings().size());
  }

  @Test
  void aNewThreadLimitIsWarnedAboutAndOnlyRefusedWhenMaxThreadsPerChildNeedsMore()
      throws Exception {
    ServerConfig running = load("Listen 127.0.0.1:8080", "ThreadLimit 64", "MaxThreadsPerChild 32");
    RestartCompatibility.Verdict above =
        check(running, load("Listen 127.0.0.1:8080", "ThreadLimit 128", "MaxThreadsPerChild 100"));
    assertEquals(
        List.of("MaxThreadsPerChild 100 is above the running ThreadLimit 64"), above.refusals());
    assertEquals(
        List.of(
            "ThreadLimit changed from 64 to 128: it changes only on a full start; 64 stays in force"),
        above.warnings());
  }

  @Test
  void theLimitsInForceAreTheFirstStartsNotTheRunningConfigurations() throws Exception {
    // After a restart that raised ServerLimit in the file, the first start's limit still holds.
    ServerConfig running = load("Listen 127.0.0.1:8080", "ServerLimit 16", "NumServers 4");
    RestartCompatibility.Verdict verdict =
        RestartCompatibility.check(
            running,
            load("Listen 127.0.0.1:8080", "ServerLimit 16", "NumServers 12"),
            8,
            running.threads().threadLimit());
    assertEquals(List.of("NumServers 12 is above the running ServerLimit 8"), verdict.refusals());
  }
}
