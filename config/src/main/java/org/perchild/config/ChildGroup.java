package org.perchild.config;

import java.nio.file.Path;
import java.util.List;
import org.perchild.posix.Account;
import org.perchild.posix.GroupAccount;

/**
 * Children that run under one user and group: a {@code ChildPerUserID user group n} or {@code
 * ChildPerUserID user group min-max} line, or the server's own group of {@code User}/{@code Group}
 * children, which gets the {@code NumServers} left over. The launcher keeps {@link #min()}
 * processes running for it and starts more, up to {@link #max()}, while its connections wait or its
 * children are busy (an on-demand group: {@link #onDemand()}); the acceptor routes a virtual host's
 * connections to the READY children of its group.
 *
 * @param user who the children run as
 * @param group their primary group
 * @param min how many children always run for this group (0: none until a connection comes)
 * @param max how many children may run for this group at once
 * @param javaOptions JVM options for these children (the global ones, then the group's own)
 * @param serverDefault whether this is the {@code User}/{@code Group} group
 * @param file where it is declared ({@code ChildPerUserID}, or {@code User} for the default)
 * @param line its line, 0 when the default comes from no directive
 */
public record ChildGroup(
    Account user,
    GroupAccount group,
    int min,
    int max,
    List<String> javaOptions,
    boolean serverDefault,
    Path file,
    int line) {

  public ChildGroup {
    if (min < 0 || max < min) {
      throw new IllegalArgumentException("children " + min + "-" + max);
    }
    javaOptions = List.copyOf(javaOptions);
  }

  /** A group of a fixed number of children ({@code ChildPerUserID user group n}). */
  public ChildGroup(
      Account user,
      GroupAccount group,
      int children,
      List<String> javaOptions,
      boolean serverDefault,
      Path file,
      int line) {
    this(user, group, children, children, javaOptions, serverDefault, file, line);
  }

  /** Whether its children start and stop with demand, between {@link #min()} and {@link #max()}. */
  public boolean onDemand() {
    return max > min;
  }

  /** {@code 2}, or {@code 0-4} for an on-demand group: how {@code -S} and the status show it. */
  public String range() {
    return onDemand() ? min + "-" + max : Integer.toString(min);
  }

  /** Whether this group runs as these numeric ids. */
  public boolean runsAs(int uid, int gid) {
    return user.uid() == uid && group.gid() == gid;
  }

  /** {@code alice/alice}: how the log and {@code -S} name it. */
  public String label() {
    return user.name() + "/" + group.name();
  }
}
