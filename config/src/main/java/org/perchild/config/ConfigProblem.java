package org.perchild.config;

import java.nio.file.Path;

/**
 * One thing wrong (or doubtful) in a configuration, with the file and line it comes from. Printed
 * as {@code file:line: message} for errors and {@code file:line: warning: message} for warnings,
 * the form editors and CI logs link to.
 *
 * @param file the file the directive is in, or {@code null} when the problem has no place (a
 *     missing main configuration file, say)
 * @param line the 1-based line of the directive, or 0 when it has none
 * @param severity whether the configuration is refused ({@link Severity#ERROR}) or only questioned
 * @param message what is wrong, in the operator's words
 */
public record ConfigProblem(Path file, int line, Severity severity, String message) {

  /** Whether a problem refuses the configuration or only warns about it. */
  public enum Severity {
    /** The configuration is refused. */
    ERROR,
    /** The configuration is accepted, but the operator should look. */
    WARNING
  }

  static ConfigProblem error(Path file, int line, String message) {
    return new ConfigProblem(file, line, Severity.ERROR, message);
  }

  static ConfigProblem warning(Path file, int line, String message) {
    return new ConfigProblem(file, line, Severity.WARNING, message);
  }

  /** Whether this problem refuses the configuration. */
  public boolean isError() {
    return severity == Severity.ERROR;
  }

  @Override
  public String toString() {
    String where = file == null ? "perchild" : file + ":" + line;
    return severity == Severity.ERROR ? where + ": " + message : where + ": warning: " + message;
  }
}
