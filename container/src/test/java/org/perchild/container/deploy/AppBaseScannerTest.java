package org.perchild.container.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scanner's decisions, poll by poll, on a real directory (no clock: each call is a poll). */
class AppBaseScannerTest {

  @TempDir Path appBase;

  private static List<String> decisions(List<AppBaseScanner.Change> changes) {
    return changes.stream()
        .map(c -> c.action() + " " + c.app().contextPath() + " " + c.app().source().getFileName())
        .toList();
  }

  private List<String> scan(AppBaseScanner scanner) throws Exception {
    return decisions(scanner.scan());
  }

  @Test
  void whatIsThereAtStartIsDeployedAtOnce() throws Exception {
    Files.write(appBase.resolve("ROOT.war"), new byte[10]);
    Files.createDirectories(appBase.resolve("shop/WEB-INF"));
    Files.write(appBase.resolve(".hidden.war"), new byte[10]);
    AppBaseScanner scanner = new AppBaseScanner(appBase);
    assertEquals(List.of("DEPLOY / ROOT.war", "DEPLOY /shop shop"), decisions(scanner.initial()));
    assertEquals(List.of(), scan(scanner));
  }

  @Test
  void anAddedWarIsDeployedOnceItHoldsStillForTwoScans() throws Exception {
    AppBaseScanner scanner = new AppBaseScanner(appBase);
    assertEquals(List.of(), decisions(scanner.initial()));
    Files.write(appBase.resolve("shop.war"), new byte[100]);
    assertEquals(List.of(), scan(scanner));
    assertEquals(List.of("DEPLOY /shop shop.war"), scan(scanner));
    assertEquals(List.of(), scan(scanner));
  }

  @Test
  void aWarCopiedInSlowlyIsDeployedOnceComplete() throws Exception {
    AppBaseScanner scanner = new AppBaseScanner(appBase);
    scanner.initial();
    Path war = appBase.resolve("shop.war");
    for (int chunk = 0; chunk < 5; chunk++) {
      Files.write(war, new byte[1000], StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      assertEquals(List.of(), scan(scanner), "after chunk " + chunk);
    }
    assertEquals(List.of("DEPLOY /shop shop.war"), scan(scanner));
    assertEquals(5000, Files.size(war));
    assertEquals(List.of(), scan(scanner));
  }

  @Test
  void aReplacedWarIsRedeployedEvenWithTheSameSize() throws Exception {
    Path war = appBase.resolve("shop.war");
    Files.write(war, new byte[100]);
    Files.setLastModifiedTime(war, FileTime.fromMillis(1_000_000_000_000L));
    AppBaseScanner scanner = new AppBaseScanner(appBase);
    scanner.initial();
    Files.write(war, new byte[100]);
    Files.setLastModifiedTime(war, FileTime.fromMillis(1_000_000_005_000L));
    assertEquals(List.of(), scan(scanner));
    assertEquals(List.of("REDEPLOY /shop shop.war"), scan(scanner));
    assertEquals(List.of(), scan(scanner));
  }

  @Test
  void aRemovedWarIsUndeployedAtTheFirstScanThatMissesIt() throws Exception {
    Files.write(appBase.resolve("shop.war"), new byte[100]);
    Files.write(appBase.resolve("ROOT.war"), new byte[100]);
    AppBaseScanner scanner = new AppBaseScanner(appBase);
    scanner.initial();
    Files.delete(appBase.resolve("shop.war"));
    assertEquals(List.of("UNDEPLOY /shop shop.war"), scan(scanner));
    assertEquals(List.of(), scan(scanner));
  }

  @Test
  void aWarThatAppearsAndVanishesBeforeSettlingIsNeverDeployed() throws Exception {
    AppBaseScanner scanner = new AppBaseScanner(appBase);
    scanner.initial();
    Files.write(appBase.resolve("shop.war"), new byte[100]);
    assertEquals(List.of(), scan(scanner));
    Files.delete(appBase.resolve("shop.war"));
    assertEquals(List.of(), scan(scanner));
    assertEquals(List.of(), scan(scanner));
  }

  @Test
  void anExplodedDirectoryIsRedeployedWhenItsWebXmlChanges() throws Exception {
    Path webXml = appBase.resolve("shop/WEB-INF/web.xml");
    Files.createDirectories(webXml.getParent());
    Files.writeString(webXml, "<web-app/>");
    Files.setLastModifiedTime(webXml, FileTime.fromMillis(1_000_000_000_000L));
    AppBaseScanner scanner = new AppBaseScanner(appBase);
    assertEquals(List.of("DEPLOY /shop shop"), decisions(scanner.initial()));
    // A static file is served live, not a reason to redeploy.
    Files.writeString(appBase.resolve("shop/index.html"), "hello");
    assertEquals(List.of(), scan(scanner));
    assertEquals(List.of(), scan(scanner));
    Files.setLastModifiedTime(webXml, FileTime.fromMillis(1_000_000_009_000L));
    assertEquals(List.of(), scan(scanner));
    assertEquals(List.of("REDEPLOY /shop shop"), scan(scanner));
  }

  @Test
  void aDirectoryReplacingAWarOfTheSameNameIsARedeploy() throws Exception {
    Files.write(appBase.resolve("shop.war"), new byte[100]);
    AppBaseScanner scanner = new AppBaseScanner(appBase);
    scanner.initial();
    Files.createDirectories(appBase.resolve("shop/WEB-INF"));
    assertEquals(List.of(), scan(scanner));
    assertEquals(List.of("REDEPLOY /shop shop"), scan(scanner));
  }
}
