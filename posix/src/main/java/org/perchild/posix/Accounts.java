package org.perchild.posix;

import java.util.Optional;

/**
 * Looks up users and groups by name or number. The configuration resolves every {@code User},
 * {@code Group}, {@code ChildPerUserID} and {@code AssignUserID} through it; {@link SystemAccounts}
 * asks the C library (so NSS sources such as LDAP count too).
 */
public interface Accounts {

  /** The user with this login name, if the user database has one. */
  Optional<Account> userByName(String name);

  /** The user with this uid, if the user database has one. */
  Optional<Account> userById(int uid);

  /** The group with this name, if the group database has one. */
  Optional<GroupAccount> groupByName(String name);

  /** The group with this gid, if the group database has one. */
  Optional<GroupAccount> groupById(int gid);
}
