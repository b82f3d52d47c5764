package org.perchild.supervisor;

import org.perchild.config.ChildGroup;
import org.perchild.config.ServerConfig;
import org.perchild.posix.Account;

/**
 * Who a spawned process runs as: the configured user and group, or in single-user mode (a launcher
 * started without root) the launcher's own user for every process. The argv of {@link
 * ProcessLaunch}, the "started" log lines and the scoreboard's rows all name it from here.
 *
 * @param user the account the process runs as
 * @param gid its group id
 * @param groupName the group as the log lines and the scoreboard show it: its name, or {@code #gid}
 *     in single-user mode
 */
record RunAs(Account user, int gid, String groupName) {

  /** The acceptor: the main server's {@code User} and {@code Group}. */
  static RunAs acceptor(ServerConfig config, Account singleUser) {
    if (singleUser != null) {
      return single(singleUser);
    }
    return new RunAs(config.user(), config.group().gid(), config.group().name());
  }

  /** A child of {@code group}: the group's user and group. */
  static RunAs child(ChildGroup group, Account singleUser) {
    if (singleUser != null) {
      return single(singleUser);
    }
    return new RunAs(group.user(), group.group().gid(), group.group().name());
  }

  private static RunAs single(Account singleUser) {
    return new RunAs(singleUser, singleUser.primaryGid(), "#" + singleUser.primaryGid());
  }
}
