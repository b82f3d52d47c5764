package org.perchild.config;

import java.nio.file.Path;
import java.util.List;
import org.perchild.posix.Account;
import org.perchild.posix.GroupAccount;

/**
 * Children that run under one user and group: a {@code ChildPerUserID user group n} line, or the
 * server's own group of {@code User}/{@code Group} children, which gets the {@code NumServers} left
 * over. The launcher spawns {@link #children()} processes for it; the acceptor routes a virtual
 * host's connections to the READY children of its group.
 *
 * @param user who the children run as
 * @param group their primary group
 * @param children how many children run for this group
 * @param javaOptions JVM options for these children (the global ones, then the group's own)
 * @param serverDefault whether this is the {@code User}/{@code Group} group
 * @param file where it is declared ({@code ChildPerUserID}, or {@code User} for the default)
 * @param line its line, 0 when the default comes from no directive
 */
public record ChildGroup(
    Account user,
    GroupAccount group,
    int children,
    List<String> javaOptions,
    boolean serverDefault,
    Path file,
    int line) {

  public ChildGroup {
    javaOptions = List.copyOf(javaOptions);
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
