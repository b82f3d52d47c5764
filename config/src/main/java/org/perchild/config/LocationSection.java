package org.perchild.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One {@code <Location>} section while its {@code SetHandler} and {@code Require} lines are read,
 * and the checks that turn it into a {@link StatusLocation} of its host. The {@link DirectiveTable}
 * applies {@code <Location>} through {@link #read}, and the lines inside it through {@link
 * #setHandler} and {@link #require}.
 */
final class LocationSection {

  private final ConfigProblems problems;
  private StatusLocation.Handler handler;
  private final List<AccessRule> require = new ArrayList<>();

  private LocationSection(ConfigProblems problems) {
    this.problems = problems;
  }

  /** {@code <Location path>}: walks its lines, then adds the location to {@code scope}'s. */
  static void read(ConfigBuilder builder, HostScope scope, Directive d) {
    ConfigProblems problems = builder.problems();
    String path = d.args().get(0);
    if (!path.startsWith("/")) {
      problems.error(d, "<Location " + path + ">: the path must start with /");
      return;
    }
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    for (StatusLocation other : scope.locations) {
      if (other.path().equals(path)) {
        problems.error(
            d,
            "<Location "
                + path
                + "> is already defined at "
                + other.file()
                + ":"
                + other.line()
                + " in the same host");
        return;
      }
    }
    LocationSection section = new LocationSection(problems);
    int mark = problems.mark();
    builder.walkLocation(d.children(), scope, section);
    if (problems.errorsSince(mark)) {
      return; // already reported
    }
    if (section.handler == null) {
      problems.error(
          d,
          "<Location "
              + path
              + "> has no SetHandler: perchild answers a Location only with SetHandler"
              + " server-status or metrics (everything else is the webapps')");
      return;
    }
    if (section.require.isEmpty()) {
      problems.warning(
          d,
          "<Location "
              + path
              + "> has no Require line: every client may read it (write Require ip or Require"
              + " local to limit it)");
    }
    scope.locations.add(
        new StatusLocation(path, section.handler, section.require, d.file(), d.line()));
  }

  /** A host's own locations, then the main server's whose path it does not define itself. */
  static List<StatusLocation> withInherited(HostScope scope, HostScope main) {
    List<StatusLocation> all = new ArrayList<>(scope.locations);
    for (StatusLocation inherited : main.locations) {
      if (scope.locations.stream().noneMatch(l -> l.path().equals(inherited.path()))) {
        all.add(inherited);
      }
    }
    return all;
  }

  void setHandler(Directive d) {
    String name = d.args().get(0).toLowerCase(Locale.ROOT);
    for (StatusLocation.Handler known : StatusLocation.Handler.values()) {
      if (known.word().equals(name)) {
        if (handler != null) {
          problems.error(d, "SetHandler given twice in this <Location>");
        }
        handler = known;
        return;
      }
    }
    problems.error(
        d,
        "SetHandler "
            + d.args().get(0)
            + ": not supported; perchild knows server-status and metrics (the webapps serve"
            + " everything else)");
  }

  void require(Directive d) {
    List<String> a = d.args();
    String kind = a.get(0).toLowerCase(Locale.ROOT);
    switch (kind) {
      case "all" -> {
        if (a.size() != 2
            || !List.of("granted", "denied").contains(a.get(1).toLowerCase(Locale.ROOT))) {
          problems.error(d, "Require all takes granted or denied");
          return;
        }
        require.add(new AccessRule.All(a.get(1).equalsIgnoreCase("granted")));
      }
      case "local" -> {
        if (a.size() != 1) {
          problems.error(d, "Require local takes no argument");
          return;
        }
        require.add(new AccessRule.Local());
      }
      case "ip" -> {
        if (a.size() < 2) {
          problems.error(d, "Require ip takes at least one address or network");
          return;
        }
        List<AccessRule.IpRange> ranges = new ArrayList<>();
        for (String each : a.subList(1, a.size())) {
          try {
            ranges.add(AccessRule.IpRange.parse(each));
          } catch (IllegalArgumentException e) {
            problems.error(d, "Require ip " + e.getMessage());
            return;
          }
        }
        require.add(new AccessRule.Ip(ranges));
      }
      default ->
          problems.error(
              d,
              "Require "
                  + a.get(0)
                  + ": not supported; perchild knows Require all granted|denied, Require local"
                  + " and Require ip");
    }
  }
}
