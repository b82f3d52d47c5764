package org.perchild.config;

import java.nio.file.Path;
import java.util.List;

/**
 * The problems found so far, in the order they were found: every step of giving the tree meaning
 * reports into the one list {@link ConfigLoader} sorts and shows, so that nothing stops at the
 * first problem.
 */
final class ConfigProblems {

  private final List<ConfigProblem> found;

  ConfigProblems(List<ConfigProblem> found) {
    this.found = found;
  }

  void error(Directive d, String message) {
    found.add(ConfigProblem.error(d.file(), d.line(), message));
  }

  void warning(Directive d, String message) {
    found.add(ConfigProblem.warning(d.file(), d.line(), message));
  }

  /** An error of the whole file (line 0) or of a place no directive stands for. */
  void error(Path file, int line, String message) {
    found.add(ConfigProblem.error(file, line, message));
  }

  void warning(Path file, int line, String message) {
    found.add(ConfigProblem.warning(file, line, message));
  }

  /** A mark to pass to {@link #errorsSince}. */
  int mark() {
    return found.size();
  }

  /** Whether an error was found after {@code mark}: a section with one is not built. */
  boolean errorsSince(int mark) {
    return found.subList(mark, found.size()).stream().anyMatch(ConfigProblem::isError);
  }

  boolean anyError() {
    return errorsSince(0);
  }

  List<ConfigProblem> warnings() {
    return found.stream().filter(p -> !p.isError()).toList();
  }
}
