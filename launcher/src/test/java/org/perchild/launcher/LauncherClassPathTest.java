package org.perchild.launcher;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The launcher runs as root, so nothing that parses network input may be on its class path
 * (ARCHITECTURE.md, invariant 2). The enforcer's {@code bannedDependencies} refuses such a
 * dependency at build time; this test fails too if one arrives by any other way.
 */
class LauncherClassPathTest {

  @Test
  void noJettyNoHttpParserNoServletApiNoAcceptorNoContainer() {
    for (String name :
        new String[] {
          "org.eclipse.jetty.http.HttpParser",
          "org.eclipse.jetty.server.Server",
          "jakarta.servlet.Servlet",
          "io.prometheus.metrics.core.metrics.Counter",
          "org.perchild.acceptor.AcceptorMain",
          "org.perchild.container.ChildMain"
        }) {
      assertThrows(
          ClassNotFoundException.class,
          () -> Class.forName(name, false, getClass().getClassLoader()),
          name + " is on the launcher's class path");
    }
  }
}
