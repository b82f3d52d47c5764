package org.perchild.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.perchild.posix.Account;
import org.perchild.posix.Accounts;
import org.perchild.posix.GroupAccount;

/**
 * A user database in memory, so that parser tests can name the perchild manual's user1/group1
 * without creating accounts on the machine. The real lookup is tested through SystemAccounts. The
 * launcher's tests use it too, from this module's test jar.
 */
public final class FakeAccounts implements Accounts {

  private final Map<String, Account> users = new HashMap<>();
  private final Map<String, GroupAccount> groups = new HashMap<>();

  FakeAccounts user(String name, int uid) {
    users.put(name, new Account(name, uid, uid, "/home/" + name));
    return this;
  }

  FakeAccounts group(String name, int gid) {
    groups.put(name, new GroupAccount(name, gid));
    return this;
  }

  public static FakeAccounts standard() {
    return new FakeAccounts()
        .user("root", 0)
        .group("root", 0)
        .user("daemon", 1)
        .group("daemon", 1)
        .user("nobody", 65534)
        .group("nogroup", 65534)
        .user("user1", 1001)
        .group("group1", 1001)
        .user("user2", 1002)
        .group("group2", 1002)
        .user("alice", 2001)
        .group("alice", 2001);
  }

  @Override
  public Optional<Account> userByName(String name) {
    return Optional.ofNullable(users.get(name));
  }

  @Override
  public Optional<Account> userById(int uid) {
    return users.values().stream().filter(a -> a.uid() == uid).findFirst();
  }

  @Override
  public Optional<GroupAccount> groupByName(String name) {
    return Optional.ofNullable(groups.get(name));
  }

  @Override
  public Optional<GroupAccount> groupById(int gid) {
    return groups.values().stream().filter(g -> g.gid() == gid).findFirst();
  }
}
