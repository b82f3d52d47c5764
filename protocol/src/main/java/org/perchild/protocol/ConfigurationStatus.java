package org.perchild.protocol;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Which configuration each child group runs, for {@code perchild status}: the launcher renders it
 * beside the {@link Scoreboard} (text and {@code --json}), so that after a graceful restart an
 * operator sees the file, the time it was read and its hash switch to the new one, and can compare
 * them with what {@code perchild -S} validated.
 *
 * @param groups one row per child group, in the order of the configuration
 */
public record ConfigurationStatus(List<Group> groups) {

  public ConfigurationStatus {
    groups = List.copyOf(groups);
  }

  /**
   * One child group and the configuration its current children run.
   *
   * @param group {@code user/group}
   * @param generation the generation its children belong to
   * @param file the main configuration file
   * @param readAt when the launcher read it
   * @param sha256 hex SHA-256 of every file read (see {@code perchild -S})
   */
  public record Group(String group, int generation, String file, Instant readAt, String sha256) {}

  /** Lines for an operator's terminal, after the scoreboard's. */
  public String text() {
    StringBuilder out = new StringBuilder("Configuration by child group:\n");
    for (Group g : groups) {
      out.append(
          String.format(
              "  %-24s gen %d  %s  read %s  sha256 %s%n",
              g.group(),
              g.generation(),
              g.file(),
              g.readAt().truncatedTo(ChronoUnit.SECONDS),
              g.sha256()));
    }
    return out.toString();
  }

  /**
   * A JSON array with one row per group, each an array {@code [group, generation, file, readAt,
   * sha256]}: rows, not objects, because it is a member of the scoreboard's {@code launcher} object
   * (the launcher is what read them), which status consumers read as flat.
   */
  public String json() {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < groups.size(); i++) {
      Group g = groups.get(i);
      out.append(i == 0 ? "[" : ",[")
          .append(Scoreboard.string(g.group()))
          .append(',')
          .append(g.generation())
          .append(',')
          .append(Scoreboard.string(g.file()))
          .append(',')
          .append(Scoreboard.string(g.readAt().toString()))
          .append(',')
          .append(Scoreboard.string(g.sha256()))
          .append(']');
    }
    return out.append(']').toString();
  }
}
