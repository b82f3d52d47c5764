package org.perchild.supervisor;

import java.util.ArrayList;
import java.util.List;
import org.perchild.config.ServerConfig;

/**
 * Whether a graceful restart may move from the running configuration to a new one, as a pure
 * function: what it refuses (the running generation then keeps serving) and what it only warns
 * about. {@link GracefulRestart} asks it once the new configuration has parsed; no process, file or
 * socket is involved.
 *
 * <p>As httpd: {@code Listen} changes only on a full start (the launcher binds once), and so do
 * {@code ServerLimit} and {@code ThreadLimit}. A new limit is warned about and the running one
 * stays the ceiling; only a configuration that needs more than the running ceiling is refused.
 */
final class RestartCompatibility {

  /**
   * The answer: the restart goes ahead when {@code refusals} is empty.
   *
   * @param refusals why the restart is refused, one operator-facing sentence each
   * @param warnings what the operator should know though the restart goes ahead
   */
  record Verdict(List<String> refusals, List<String> warnings) {

    Verdict {
      refusals = List.copyOf(refusals);
      warnings = List.copyOf(warnings);
    }

    /** Whether the restart may go ahead. */
    boolean accepted() {
      return refusals.isEmpty();
    }
  }

  private RestartCompatibility() {}

  /**
   * Checks {@code fresh} against {@code running}.
   *
   * @param serverLimitInForce the ServerLimit of the first start
   * @param threadLimitInForce the ThreadLimit of the first start
   */
  static Verdict check(
      ServerConfig running, ServerConfig fresh, int serverLimitInForce, int threadLimitInForce) {
    List<String> refusals = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    if (!addresses(fresh).equals(addresses(running))) {
      refusals.add(
          "the Listen directives changed ("
              + addresses(running)
              + " to "
              + addresses(fresh)
              + "): that takes a full restart");
    }
    if (fresh.serverLimit() != serverLimitInForce) {
      warnings.add(
          "ServerLimit changed from "
              + serverLimitInForce
              + " to "
              + fresh.serverLimit()
              + ": it changes only on a full start; "
              + serverLimitInForce
              + " stays in force");
      if (fresh.numServers() > serverLimitInForce) {
        refusals.add(
            "NumServers "
                + fresh.numServers()
                + " is above the running ServerLimit "
                + serverLimitInForce);
      }
    }
    if (fresh.threads().threadLimit() != threadLimitInForce) {
      warnings.add(
          "ThreadLimit changed from "
              + threadLimitInForce
              + " to "
              + fresh.threads().threadLimit()
              + ": it changes only on a full start; "
              + threadLimitInForce
              + " stays in force");
      if (fresh.threads().maxThreadsPerChild() > threadLimitInForce) {
        refusals.add(
            "MaxThreadsPerChild "
                + fresh.threads().maxThreadsPerChild()
                + " is above the running ThreadLimit "
                + threadLimitInForce);
      }
    }
    return new Verdict(refusals, warnings);
  }

  private static List<String> addresses(ServerConfig config) {
    return config.listeners().stream().map(l -> l.address() + " " + l.protocol()).toList();
  }
}
