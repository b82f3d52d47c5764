package org.perchild.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Tomcat's AppBase convention, on a real directory. */
@Timeout(10)
class AppBaseTest {

  @TempDir Path appBase;

  @Test
  void mapsRootAndNamedWarsAndDirectoriesAndPrefersTheDirectory() throws Exception {
    Files.createDirectory(appBase.resolve("ROOT"));
    Files.writeString(appBase.resolve("ROOT.war"), "packed");
    Files.writeString(appBase.resolve("shop.war"), "packed");
    Files.createDirectory(appBase.resolve("blog"));
    Files.createDirectory(appBase.resolve(".hidden"));
    Files.writeString(appBase.resolve("notes.txt"), "not a webapp");

    List<AppBase.WebApp> apps = AppBase.scan(appBase);

    assertEquals(
        List.of(
            new AppBase.WebApp("/", appBase.resolve("ROOT")),
            new AppBase.WebApp("/blog", appBase.resolve("blog")),
            new AppBase.WebApp("/shop", appBase.resolve("shop.war"))),
        apps);
    assertFalse(apps.get(0).isWar());
    assertTrue(apps.get(2).isWar());
  }
}
