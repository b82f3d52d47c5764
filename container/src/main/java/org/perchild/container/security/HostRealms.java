package org.perchild.container.security;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.LoginService;
import org.perchild.config.VirtualHost;
import org.perchild.config.WebAppRealm;

/**
 * The login realms of one virtual host ({@code WebAppRealm} lines, {@link VirtualHost#realms()}),
 * and the rule that gives each of its web applications a login service: the code that deploys a web
 * application, in whichever servlet environment, calls {@link #loginService} with the realm its
 * {@code web.xml} names and gives the result to the application's security handler.
 *
 * <p>The rule: a {@code <realm-name>} selects the {@code WebAppRealm} of exactly that name
 * (case-sensitive). A {@code <login-config>} that names no realm gets the host's realm if the host
 * has exactly one; with none or several it gets none. Without a realm, the application still
 * deploys, with a {@link RefusingLoginService}: every login fails, and the first attempt logs why.
 *
 * <p>Each call returns a new {@link HashLoginService}, even for the same file or for the same realm
 * name in two hosts of one child: the security handler it is given to manages it (returned
 * unstarted, it starts and stops with its application), so a shared one would be stopped under the
 * other applications when one of them is undeployed or redeployed. It reloads its file within a few
 * seconds of a change ({@link #RELOAD_INTERVAL_SECONDS}), so a tenant edits passwords and roles
 * without a restart. The cost: Jetty's {@code PropertyUserStore} scans the file with a {@code
 * Scanner} of its own, which runs on a scheduler of its own, so each started login service holds
 * one idle daemon thread ({@code Scanner-N}) and stats its file once a second; a child with many
 * applications that log users in has as many such threads. The thread ends when its service stops
 * ({@link RealmFileLoginService} sees to it; Jetty alone would leave it running).
 *
 * <p>A file that cannot be read when the application starts (removed, or not readable by the
 * tenant's user) makes it fail to start, as Jetty's own login services do; removed later, the users
 * last read stay valid until the application restarts.
 */
public final class HostRealms {

  /**
   * How often a realm file is looked at for changes, in seconds: Jetty's {@code setHotReload(true)}
   * is this interval (and deprecated for it). A change is taken once two looks agree, so 1 to 3
   * seconds after the edit.
   */
  public static final int RELOAD_INTERVAL_SECONDS = 1;

  private final String hostName;
  private final List<WebAppRealm> realms;

  /**
   * The realms of a host.
   *
   * @param hostName the host's {@code ServerName}, for the log
   * @param realms its {@code WebAppRealm} lines, in the order written
   */
  public HostRealms(String hostName, List<WebAppRealm> realms) {
    this.hostName = hostName;
    this.realms = List.copyOf(realms);
  }

  /** The realms of {@code host}. */
  public static HostRealms of(VirtualHost host) {
    return new HostRealms(host.serverName(), host.realms());
  }

  /**
   * The realm a {@code <login-config>} naming {@code realmName} gets, by the rule above.
   *
   * @param realmName the {@code <realm-name>}, or {@code null} (or blank) when it names none
   */
  public Optional<WebAppRealm> select(String realmName) {
    if (realmName == null || realmName.isBlank()) {
      return realms.size() == 1 ? Optional.of(realms.get(0)) : Optional.empty();
    }
    return realms.stream().filter(r -> r.name().equals(realmName)).findFirst();
  }

  /**
   * A new login service for one web application of this host.
   *
   * @param webapp the application as the log names it, e.g. {@code shop.war}
   * @param contextPath where it is served, e.g. {@code /shop}
   * @param realmName its {@code <login-config>}'s {@code <realm-name>}, or {@code null}
   * @return an unstarted {@link HashLoginService} named after the realm it checks against (the
   *     realm a DIGEST challenge names), or a {@link RefusingLoginService} when no realm matches
   */
  public LoginService loginService(String webapp, String contextPath, String realmName) {
    Optional<WebAppRealm> realm = select(realmName);
    if (realm.isPresent()) {
      return new RealmFileLoginService(
          realm.get().name(), realm.get().file(), RELOAD_INTERVAL_SECONDS);
    }
    String where = "webapp " + webapp + " at " + hostName + contextPath + ": ";
    String reason;
    if (realmName != null && !realmName.isBlank()) {
      reason =
          "<login-config> realm '"
              + realmName
              + "' has no WebAppRealm in <VirtualHost "
              + hostName
              + ">";
    } else if (realms.isEmpty()) {
      reason =
          "<login-config> names no realm and <VirtualHost " + hostName + "> has no WebAppRealm";
    } else {
      reason =
          "<login-config> names no realm and <VirtualHost "
              + hostName
              + "> has "
              + realms.size()
              + " WebAppRealms ("
              + realms.stream().map(r -> "'" + r.name() + "'").collect(Collectors.joining(", "))
              + ")";
    }
    return new RefusingLoginService(
        realmName != null ? realmName : hostName, where + reason + "; every login is refused");
  }

  @Override
  public String toString() {
    return "HostRealms[" + hostName + " " + realms + "]";
  }
}
