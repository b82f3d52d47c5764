package org.perchild.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration was refused. Carries every problem found, not only the first, so that an operator
 * fixes a file in one pass; {@link #getMessage()} is the problems one per line.
 */
public final class ConfigException extends Exception {

  private static final long serialVersionUID = 1L;

  private final transient List<ConfigProblem> problems;

  /** Refuses a configuration for these problems (errors and the warnings found beside them). */
  public ConfigException(List<ConfigProblem> problems) {
    super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  /** Every problem found, errors and warnings, in the order of the files. */
  public List<ConfigProblem> problems() {
    return problems;
  }

  /** Only the errors, the reasons for the refusal. */
  public List<ConfigProblem> errors() {
    return problems.stream().filter(ConfigProblem::isError).toList();
  }
}
