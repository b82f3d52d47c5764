package org.perchild.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.perchild.posix.Account;
import org.perchild.posix.GroupAccount;

/**
 * How the {@code NumServers} children are shared among users: the {@code ChildPerUserID} lines in
 * order, each with its JVM options, then what is left for {@code User}/{@code Group}. The {@link
 * DirectiveTable} feeds it the child directives while the tree is walked; {@link ConfigBuilder}
 * plans the groups once the whole file is known, and {@link VirtualHostAssembly} gives each host
 * the group that serves it.
 */
final class ChildGroupPlan {

  /** A {@code ChildPerUserID} line before the whole file is known. */
  private record PendingGroup(
      Directive directive, Account user, GroupAccount group, int min, int max) {}

  /** A {@code ChildPerUserJavaOptions} line, matched to its group at the end. */
  private record PendingOptions(
      Directive directive, Account user, GroupAccount group, List<String> options) {}

  private final DirectiveValues values;
  private final ConfigProblems problems;
  private final List<PendingGroup> childPerUser = new ArrayList<>();
  private final List<PendingOptions> perUserOptions = new ArrayList<>();
  private List<String> javaOptions = DirectiveTable.CHILD_JAVA_OPTIONS.value();

  private final List<ChildGroup> groups = new ArrayList<>();
  private ChildGroup serverChildren;
  private int numServers;
  private int left;

  ChildGroupPlan(DirectiveValues values, ConfigProblems problems) {
    this.values = values;
    this.problems = problems;
  }

  // ---------------------------------------------------------------- the directives

  void childPerUserId(Directive d) {
    List<String> a = d.args();
    Account u = values.user(d, a.get(0));
    GroupAccount g = values.group(d, a.get(1));
    int[] range = range(d, a.get(2));
    if (u != null && u.uid() == 0) {
      problems.error(
          d,
          "ChildPerUserID "
              + a.get(0)
              + ": uid 0 (root) is refused: web applications never run as root");
    }
    if (g != null && g.gid() == 0) {
      problems.error(
          d,
          "ChildPerUserID "
              + a.get(1)
              + ": gid 0 is refused: web applications never run with gid 0");
    }
    if (u == null || g == null || range == null || u.uid() == 0 || g.gid() == 0) {
      return;
    }
    for (PendingGroup other : childPerUser) {
      if (other.user().uid() == u.uid() && other.group().gid() == g.gid()) {
        problems.error(
            d,
            "ChildPerUserID "
                + a.get(0)
                + " "
                + a.get(1)
                + " is already declared at "
                + other.directive().where());
        return;
      }
    }
    childPerUser.add(new PendingGroup(d, u, g, range[0], range[1]));
  }

  /**
   * {@code n} (n to n, at least 1) or {@code min-max} (0 to max, max at least 1 and not below min);
   * null, reported, if it is neither.
   */
  private int[] range(Directive d, String text) {
    int dash = text.indexOf('-');
    if (dash < 0) {
      Integer n = values.integer(d, text, 1, DirectiveTable.HARD_SERVER_LIMIT);
      return n == null ? null : new int[] {n, n};
    }
    Integer min = values.integer(d, text.substring(0, dash), 0, DirectiveTable.HARD_SERVER_LIMIT);
    Integer max =
        min == null
            ? null
            : values.integer(d, text.substring(dash + 1), 1, DirectiveTable.HARD_SERVER_LIMIT);
    if (min == null || max == null) {
      return null;
    }
    if (min > max) {
      problems.error(
          d,
          "ChildPerUserID "
              + d.args().get(0)
              + " "
              + d.args().get(1)
              + " "
              + text
              + ": the minimum is above the maximum");
      return null;
    }
    return new int[] {min, max};
  }

  void childJavaOptions(Directive d) {
    javaOptions = List.copyOf(d.args());
  }

  void childPerUserJavaOptions(Directive d) {
    List<String> a = d.args();
    Account u = values.user(d, a.get(0));
    GroupAccount g = values.group(d, a.get(1));
    if (u != null && g != null) {
      perUserOptions.add(new PendingOptions(d, u, g, List.copyOf(a.subList(2, a.size()))));
    }
  }

  // ---------------------------------------------------------------- the plan

  /**
   * Shares {@code numServers} children: the {@code ChildPerUserID} groups in order, then the rest
   * for the server's own user and group, a group written at {@code origin} ({@code User} or {@code
   * Group}), or at line 0 of {@code configFile} when neither is written.
   */
  void plan(int numServers, Account user, GroupAccount group, Directive origin, Path configFile) {
    this.numServers = numServers;
    int claimed = 0;
    for (PendingGroup pending : childPerUser) {
      claimed += pending.min();
      if (claimed > numServers) {
        problems.error(
            pending.directive(),
            "ChildPerUserID children (fixed counts and minimums) add up to "
                + claimed
                + ", more than NumServers "
                + numServers);
      }
      List<String> options = new ArrayList<>(javaOptions);
      for (PendingOptions extra : perUserOptions) {
        if (extra.user().uid() == pending.user().uid()
            && extra.group().gid() == pending.group().gid()) {
          options.addAll(extra.options());
        }
      }
      groups.add(
          new ChildGroup(
              pending.user(),
              pending.group(),
              pending.min(),
              pending.max(),
              options,
              false,
              pending.directive().file(),
              pending.directive().line()));
    }
    for (PendingOptions extra : perUserOptions) {
      if (find(groups, extra.user(), extra.group()) == null) {
        problems.error(
            extra.directive(),
            "ChildPerUserJavaOptions "
                + extra.directive().args().get(0)
                + " "
                + extra.directive().args().get(1)
                + ": no ChildPerUserID for this user and group");
      }
    }
    left = Math.max(0, numServers - claimed);
    serverChildren =
        new ChildGroup(
            user,
            group,
            left,
            javaOptions,
            true,
            origin == null ? configFile : origin.file(),
            origin == null ? 0 : origin.line());
    groups.add(serverChildren);
  }

  /** Every group, the {@code ChildPerUserID} ones in order, the server's own last. */
  List<ChildGroup> groups() {
    return groups;
  }

  /** The children of {@code User}/{@code Group}: the main server's, and any host's without one. */
  ChildGroup serverChildren() {
    return serverChildren;
  }

  /** How many children {@code ChildPerUserID} leaves to {@code User}/{@code Group}. */
  int left() {
    return left;
  }

  int numServers() {
    return numServers;
  }

  /** The {@code ChildPerUserID} group of this user and group, or {@code null}. */
  ChildGroup perUser(Account u, GroupAccount g) {
    return find(groups.subList(0, groups.size() - 1), u, g);
  }

  private static ChildGroup find(List<ChildGroup> groups, Account u, GroupAccount g) {
    for (ChildGroup candidate : groups) {
      if (candidate.runsAs(u.uid(), g.gid())) {
        return candidate;
      }
    }
    return null;
  }
}
