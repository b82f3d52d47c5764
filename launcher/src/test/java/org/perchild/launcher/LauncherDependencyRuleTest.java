package org.perchild.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build refuses a Jetty dependency in the launcher (docs/ARCHITECTURE.md, invariant 2): the
 * launcher's own pom, with its enforcer rule as written, is validated twice by Maven — once with
 * its dependencies on the other Perchild modules left out (which passes, so the harness works), and
 * once with {@code jetty-http} added (which the rule must refuse).
 */
class LauncherDependencyRuleTest {

  private static final Path MODULE = Path.of("").toAbsolutePath();

  @TempDir Path dir;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aJettyDependencyFailsTheBuild() throws Exception {
    String pom = Files.readString(MODULE.resolve("pom.xml"));
    // Only external dependencies: the Perchild modules are not installed anywhere Maven looks.
    String alone =
        pom.replaceAll(
                "(?s)\\s*<dependency>\\s*<groupId>org\\.perchild</groupId>.*?</dependency>", "")
            .replace(
                "<version>0.1.0-SNAPSHOT</version>\n  </parent>",
                "<version>0.1.0-SNAPSHOT</version>\n    <relativePath>"
                    // relative: Maven resolves it against the project's directory
                    + dir.relativize(MODULE.resolve("../pom.xml").normalize())
                    + "</relativePath>\n  </parent>");
    assertNotEquals(pom, alone);

    Result clean = validate(alone);
    assertEquals(0, clean.exit(), clean.output());

    Matcher first = Pattern.compile("<dependencies>").matcher(alone);
    assertTrue(first.find());
    String withJetty =
        alone.substring(0, first.end())
            + "\n    <dependency>\n      <groupId>org.eclipse.jetty</groupId>\n"
            + "      <artifactId>jetty-http</artifactId>\n    </dependency>"
            + alone.substring(first.end());
    Result refused = validate(withJetty);
    assertNotEquals(0, refused.exit(), refused.output());
    assertTrue(refused.output().contains("BannedDependencies"), refused.output());
    assertTrue(refused.output().contains("org.eclipse.jetty:jetty-http"), refused.output());
  }

  private record Result(int exit, String output) {}

  private Result validate(String pom) throws Exception {
    Path file = dir.resolve("pom.xml");
    Files.writeString(file, pom);
    Process maven =
        new ProcessBuilder(
                MODULE.resolve("../mvnw").normalize().toString(),
                "-B",
                "-o",
                "-f",
                file.toString(),
                "validate")
            .redirectErrorStream(true)
            .start();
    String output = new String(maven.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(maven.waitFor(4, TimeUnit.MINUTES), output);
    return new Result(maven.exitValue(), output);
  }
}
