package org.perchild.posix;

import java.util.Optional;
import jnr.posix.Group;
import jnr.posix.POSIX;
import jnr.posix.Passwd;

/**
 * {@link Accounts} backed by the C library's {@code getpwnam}, {@code getpwuid}, {@code getgrnam}
 * and {@code getgrgid}, so that every source configured in {@code /etc/nsswitch.conf} is asked.
 */
public final class SystemAccounts implements Accounts {

  private final POSIX posix;

  /** Uses the native POSIX layer; fails if it cannot be loaded rather than guessing in Java. */
  public SystemAccounts() {
    this(Native.posix());
  }

  SystemAccounts(POSIX posix) {
    this.posix = posix;
  }

  @Override
  public Optional<Account> userByName(String name) {
    return account(posix.getpwnam(name));
  }

  @Override
  public Optional<Account> userById(int uid) {
    return account(posix.getpwuid(uid));
  }

  @Override
  public Optional<GroupAccount> groupByName(String name) {
    return group(posix.getgrnam(name));
  }

  @Override
  public Optional<GroupAccount> groupById(int gid) {
    return group(posix.getgrgid(gid));
  }

  private static Optional<Account> account(Passwd passwd) {
    if (passwd == null) {
      return Optional.empty();
    }
    return Optional.of(
        new Account(
            passwd.getLoginName(),
            (int) passwd.getUID(),
            (int) passwd.getGID(),
            passwd.getHome() == null ? "/" : passwd.getHome()));
  }

  private static Optional<GroupAccount> group(Group group) {
    if (group == null) {
      return Optional.empty();
    }
    return Optional.of(new GroupAccount(group.getName(), (int) group.getGID()));
  }
}
