package org.perchild.protocol;

/**
 * The exit codes of every {@code main}: what the operator's shell sees from {@code bin/perchild},
 * and what the launcher reads from the processes it spawns to decide whether to spawn them again.
 */
public final class ExitCodes {

  /** The command line: done, or the server ran and stopped normally. */
  public static final int CLI_OK = 0;

  /** The command line: the configuration was refused, or the usage was wrong. */
  public static final int CLI_REFUSED = 1;

  /**
   * The command line: the server could not be started or stopped on a failure of its own (a socket
   * that would not bind, a launcher that died), after a configuration it accepted.
   */
  public static final int CLI_FAILED = 2;

  /** A spawned process: stopped as asked, or the launcher has gone. */
  public static final int NORMAL = 0;

  /**
   * A spawned process: it failed in a way a restart will not cure (bad arguments, a refused
   * configuration, a failed privilege drop); the launcher waits long before trying again, never
   * respawning in a loop.
   */
  public static final int FATAL = 2;

  /** A spawned process: an unexpected failure; the launcher respawns it with backoff. */
  public static final int CRASH = 1;

  private ExitCodes() {}

  /** Whether a spawned process's exit code means it must not be respawned in a loop. */
  public static boolean isFatal(int code) {
    return code == FATAL;
  }
}
