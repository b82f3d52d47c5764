package org.perchild.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one way a test says it needs root: on a developer's laptop it is skipped with the reason; in
 * CI ({@code CI=true}), where every root test must run, a test that cannot is a failure, never a
 * skip that would prove nothing.
 */
public final class RootRequirement {

  private RootRequirement() {}

  /** Whether this JVM's effective user is root. */
  public static boolean isRoot() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (UnsupportedOperationException e) {
      return false; // no /proc and no unix attributes: not the Linux this project runs on
    }
  }

  /**
   * Returns if this JVM is root; else skips the test, or fails it under {@code CI=true}.
   *
   * @param why what the test needs root for, e.g. "spawning children as other users"
   */
  public static void require(String why) {
    if (isRoot()) {
      return;
    }
    String reason = why + " needs root; this test runs as " + System.getProperty("user.name");
    if ("true".equals(System.getenv("CI"))) {
      Assertions.fail(reason + " (CI=true: a root test must run in CI, never be skipped)");
    }
    Assumptions.abort(reason);
  }
}
