package org.perchild.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directive table is the one place a directive's default lives: the README prints it, {@code
 * -L} prints it, and the configuration takes it. These tests hold the three together.
 */
class DirectiveTableTest {

  private static final Path README = Path.of("../README.md").toAbsolutePath().normalize();

  @TempDir Path root;

  @Test
  void theReadmeRowOfEveryDirectiveIsItsTableRow() throws IOException {
    String readme = Files.readString(README);
    for (DirectiveSpec spec : DirectiveTable.all()) {
      String row =
          "| `"
              + cell(spec.syntax())
              + "` | "
              + (spec.defaultValue().isEmpty() ? "" : "`" + cell(spec.defaultValue()) + "`")
              + " | "
              + spec.contextWords()
              + " | "
              + cell(spec.help())
              + " |";
      assertTrue(readme.contains(row + "\n"), "README.md lacks the row " + row);
    }
  }

  private static String cell(String text) {
    return text.replace("|", "\\|");
  }

  @Test
  void everyDefaultIsPrintedFromItsTypedValue() {
    for (DirectiveSpec spec : DirectiveTable.all()) {
      assertEquals(spec.typedDefault().words(), spec.defaultValue(), spec.name());
    }
  }

  @Test
  void onlyBehavioursAreDefaultsWithoutAValue() {
    Set<String> described =
        DirectiveTable.all().stream()
            .filter(s -> !s.defaultValue().isEmpty() && s.typedDefault().value() == null)
            .map(DirectiveSpec::name)
            .collect(Collectors.toSet());

    assertEquals(Set.of("AssignUserID", "ServerRoot", "Require", "ChildSpares"), described);
  }

  @Test
  void writingEveryDefaultChangesNothing() throws ConfigException {
    List<String> lines = new ArrayList<>(List.of("Listen 8080"));
    for (DirectiveSpec spec : DirectiveTable.all()) {
      if (spec.typedDefault().value() != null) {
        lines.add(spec.name() + " " + spec.defaultValue());
      }
    }
    ServerConfig implicit = new ConfigFixture(root).load("Listen 8080");
    ServerConfig written = new ConfigFixture(root).load(lines.toArray(String[]::new));

    assertTrue(written.warnings().isEmpty(), written.warnings().toString());
    assertEquals(implicit.numServers(), written.numServers());
    assertEquals(implicit.serverLimit(), written.serverLimit());
    assertEquals(implicit.maxRequestsPerChild(), written.maxRequestsPerChild());
    assertEquals(implicit.threads(), written.threads());
    assertEquals(implicit.user(), written.user());
    assertEquals(implicit.group(), written.group());
    assertEquals(implicit.defaultGroup().min(), written.defaultGroup().min());
    assertEquals(implicit.defaultGroup().javaOptions(), written.defaultGroup().javaOptions());
    assertEquals(implicit.pidFile(), written.pidFile());
    assertEquals(implicit.sessionDirectory(), written.sessionDirectory());
    assertEquals(implicit.gracefulShutdownTimeout(), written.gracefulShutdownTimeout());
    VirtualHost before = implicit.mainServer();
    VirtualHost after = written.mainServer();
    assertEquals(before.serverName(), after.serverName());
    assertEquals(before.errorLog(), after.errorLog());
    assertEquals(before.logLevel(), after.logLevel());
    assertEquals(before.connection(), after.connection());
  }

  @Test
  void aDefaultDurationIsWholeSecondsAsTheDirectiveIsWritten() {
    assertEquals("60", DirectiveDefault.seconds(Duration.ofMinutes(1)).words());
    assertThrows(
        IllegalArgumentException.class, () -> DirectiveDefault.seconds(Duration.ofMillis(1500)));
  }

  @Test
  void rowsTakeTheirNameAndSectionFromTheirSyntax() {
    DirectiveSpec vhost = DirectiveTable.find("virtualhost").orElseThrow();
    assertEquals("VirtualHost", vhost.name());
    assertTrue(vhost.section());
    DirectiveSpec listen = DirectiveTable.find("Listen").orElseThrow();
    assertEquals("Listen", listen.name());
    assertEquals(List.of(1, 2), List.of(listen.minArgs(), listen.maxArgs()));
    assertNull(DirectiveTable.find("Listen").orElseThrow().typedDefault().value());
  }
}
