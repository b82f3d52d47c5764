package org.perchild.supervisor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.perchild.config.ChildGroup;
import org.perchild.config.ConnectionSettings;
import org.perchild.config.CustomLog;
import org.perchild.config.Listener;
import org.perchild.config.ServerConfig;
import org.perchild.config.StatusLocation;
import org.perchild.config.TlsSettings;
import org.perchild.config.VirtualHost;
import org.perchild.config.WebAppRealm;
import org.perchild.protocol.ConfigCodec;
import org.perchild.protocol.ConfigViews;

/**
 * What a graceful restart compares, group by group, so that only the groups whose children would
 * run something else get new children (issue 15: adding one vhost to one tenant restarts only that
 * tenant). A group's {@link Fingerprint} is what its children start from: its own part of {@link
 * ConfigViews#forChild} (its virtual hosts in full, and every global setting a child uses), its JVM
 * options, its number of children, and the metadata of the files its children read at start
 * (certificates, keys, realm files: size, times, inode, by stat and lstat, never their contents;
 * its logs: which file, by device and inode, so that a rotated log restarts the group that writes
 * it). {@link GracefulRestart} plans a restart with {@link #plan}; {@link Generations} keeps the
 * fingerprints of the groups that run.
 *
 * <p>Left out on purpose: where things are written (file and line: a line added above a tenant's
 * {@code <VirtualHost>} changes nothing its children do) and the routing skeletons of other
 * tenants' hosts. Those change whenever any host is added; a kept child is given the new ones
 * instead, with the acceptor's RELOAD ({@link Generations}).
 */
final class GroupChanges {

  /**
   * A group across generations: who its children run as, which is also how the acceptor routes, and
   * whether it is the {@code User}/{@code Group} one (a {@code ChildPerUserID} line may name the
   * same ids).
   */
  record Key(int uid, int gid, boolean serverDefault) {
    static Key of(ChildGroup group) {
      return new Key(group.user().uid(), group.group().gid(), group.serverDefault());
    }
  }

  /**
   * What one group's children start from.
   *
   * @param globals the SHA-256 of the global settings of its view (to say why every group restarts)
   * @param view the SHA-256 of its own part of the child view, file and line left out
   * @param javaOptions its JVM options
   * @param children how many children it runs
   * @param files per file its children read at start, its metadata as text
   */
  record Fingerprint(
      String globals,
      String view,
      List<String> javaOptions,
      int children,
      Map<Path, String> files) {

    /** Why a group that started from this one would start from {@code fresh}, or null if not. */
    String changeTo(Fingerprint fresh) {
      if (!globals.equals(fresh.globals)) {
        return "a global setting changed";
      }
      if (!view.equals(fresh.view)) {
        return "its virtual hosts changed";
      }
      if (!javaOptions.equals(fresh.javaOptions)) {
        return "its JVM options changed";
      }
      if (children != fresh.children) {
        return "its number of children changed";
      }
      for (Map.Entry<Path, String> file : fresh.files.entrySet()) {
        if (!file.getValue().equals(files.get(file.getKey()))) {
          return file.getKey() + " changed";
        }
      }
      return null;
    }
  }

  /**
   * A graceful restart's plan.
   *
   * @param kept the groups of the new configuration whose running children go on as they are
   * @param restarting the groups that get new children, each with why
   * @param removed the running groups that the new configuration no longer has
   */
  record Plan(List<ChildGroup> kept, Map<ChildGroup, String> restarting, List<Key> removed) {

    /** The group of the new configuration that a kept running group becomes, or null. */
    ChildGroup keptAs(ChildGroup running) {
      Key key = Key.of(running);
      return kept.stream().filter(g -> Key.of(g).equals(key)).findFirst().orElse(null);
    }
  }

  /** The main server of a group that does not own it: the same for every such group. */
  private static final VirtualHost UNPLACED_MAIN =
      new VirtualHost(
          null,
          List.of(),
          List.of(),
          ConfigViews.OTHER_TENANT,
          null,
          null,
          null,
          null,
          List.of(),
          ConnectionSettings.DEFAULTS,
          null,
          0,
          List.of(),
          List.of());

  private GroupChanges() {}

  /** Every group's fingerprint in {@code config}, by key. */
  static Map<Key, Fingerprint> fingerprints(ServerConfig config) {
    Map<Key, Fingerprint> prints = new LinkedHashMap<>();
    for (ChildGroup group : config.childGroups()) {
      prints.put(Key.of(group), fingerprint(config, group));
    }
    return prints;
  }

  /**
   * Which groups of {@code fresh} keep their running children and which restart.
   *
   * @param running the fingerprints of the groups that run now
   * @param fresh the new configuration
   * @param freshPrints its fingerprints ({@link #fingerprints})
   * @param everyGroup why every group restarts whatever changed (a restart, HUP), or null
   */
  static Plan plan(
      Map<Key, Fingerprint> running,
      ServerConfig fresh,
      Map<Key, Fingerprint> freshPrints,
      String everyGroup) {
    List<ChildGroup> kept = new ArrayList<>();
    Map<ChildGroup, String> restarting = new LinkedHashMap<>();
    for (ChildGroup group : fresh.childGroups()) {
      Key key = Key.of(group);
      Fingerprint before = running.get(key);
      String why;
      if (everyGroup != null) {
        why = everyGroup;
      } else if (before == null) {
        why = "it is new";
      } else {
        why = before.changeTo(freshPrints.get(key));
      }
      // A group without children (User/Group when the tenants take every NumServers) has nothing
      // to keep or start: it counts as restarting, which starts none.
      if (why == null) {
        kept.add(group);
      } else {
        restarting.put(group, why);
      }
    }
    List<Key> removed = new ArrayList<>();
    for (Key key : running.keySet()) {
      if (!freshPrints.containsKey(key)) {
        removed.add(key);
      }
    }
    return new Plan(kept, restarting, removed);
  }

  /** {@code group}'s fingerprint in {@code config}. */
  static Fingerprint fingerprint(ServerConfig config, ChildGroup group) {
    ServerConfig view = ConfigViews.forChild(config, group);
    List<VirtualHost> own = new ArrayList<>();
    for (VirtualHost host : view.virtualHosts()) {
      if (!host.group().equals(ConfigViews.OTHER_TENANT)) {
        own.add(host);
      }
    }
    boolean ownsMain = !view.mainServer().group().equals(ConfigViews.OTHER_TENANT);
    if (ownsMain) {
      own.add(view.mainServer());
    }
    Map<Path, String> files = new LinkedHashMap<>();
    for (VirtualHost host : own) {
      TlsSettings tls = host.tls();
      if (tls != null) {
        put(files, tls.certificateFile(), true);
        put(files, tls.keyFile(), true);
      }
      for (WebAppRealm realm : host.realms()) {
        put(files, realm.file(), true);
      }
      for (CustomLog log : host.customLogs()) {
        put(files, log.path(), false);
      }
    }
    // The launcher opens it for the children's standard output and error.
    put(files, config.childErrorLog(group), false);
    return new Fingerprint(
        globals(view),
        sha256(ConfigCodec.encode(ownPart(view, own, ownsMain))),
        group.javaOptions(),
        children(group),
        files);
  }

  /**
   * How many children {@code group} starts with (its fixed count or its minimum; an on-demand
   * group's others come on demand): the one place a restart reads it, for {@link GracefulRestart}'s
   * spawns.
   */
  static int children(ChildGroup group) {
    return group.min();
  }

  /**
   * The global settings a child is given, hashed, file and line left out: what every group's
   * children share, so that a change of it says why every group restarts.
   */
  private static String globals(ServerConfig view) {
    return sha256(
        ConfigCodec.encode(
            settings(view, List.of(ConfigViews.OTHER_TENANT), UNPLACED_MAIN, List.of())));
  }

  /** {@code view} with its own hosts only, and no file or line anywhere. */
  private static ServerConfig ownPart(ServerConfig view, List<VirtualHost> own, boolean ownsMain) {
    List<VirtualHost> hosts =
        own.stream()
            .filter(h -> !(ownsMain && h == view.mainServer()))
            .map(GroupChanges::unplaced)
            .toList();
    return settings(
        view,
        view.childGroups().stream().map(GroupChanges::unplaced).toList(),
        ownsMain ? unplaced(view.mainServer()) : UNPLACED_MAIN,
        hosts);
  }

  /**
   * {@code view}'s global settings, without file and line, with these groups and hosts; not
   * NumServers, ServerLimit or ChildWaitTimeout, which no child uses (NumServers grows with every
   * tenant added: each group's own count is compared instead).
   */
  private static ServerConfig settings(
      ServerConfig view, List<ChildGroup> groups, VirtualHost main, List<VirtualHost> hosts) {
    return new ServerConfig(
        view.serverRoot(),
        view.configFile(),
        view.listeners().stream().map(GroupChanges::unplaced).toList(),
        view.user(),
        view.group(),
        0,
        0,
        view.maxRequestsPerChild(),
        view.threads(),
        groups,
        main,
        hosts,
        null,
        view.sessionDirectory(),
        Map.of(),
        view.gracefulShutdownTimeout(),
        // The acceptor's alone: it holds connections, no child reads it.
        java.time.Duration.ZERO,
        // The launcher's alone: it stops idle children of on-demand groups.
        java.time.Duration.ZERO,
        // The launcher's alone: a child started from a spare is the child it would have spawned.
        0,
        List.of());
  }

  private static Listener unplaced(Listener listener) {
    return new Listener(listener.host(), listener.port(), listener.protocol(), null, 0);
  }

  private static ChildGroup unplaced(ChildGroup group) {
    return new ChildGroup(
        group.user(),
        group.group(),
        group.min(),
        group.max(),
        group.javaOptions(),
        group.serverDefault(),
        null,
        0);
  }

  private static VirtualHost unplaced(VirtualHost host) {
    return new VirtualHost(
        host.serverName(),
        host.aliases(),
        host.addresses(),
        unplaced(host.group()),
        host.appBase(),
        host.documentRoot(),
        host.errorLog(),
        host.logLevel(),
        host.customLogs().stream()
            .map(log -> new CustomLog(log.path(), log.format(), null, 0))
            .toList(),
        host.connection(),
        null,
        0,
        host.locations().stream()
            .map(l -> new StatusLocation(l.path(), l.handler(), l.require(), null, 0))
            .toList(),
        host.realms(),
        host.tls(),
        host.protocols(),
        host.proxyProtocol(),
        host.proxyProtocolExceptions());
  }

  /**
   * Records {@code file}'s metadata: with {@code contents}, what changes when it is written or
   * replaced (size, modification and change times, device and inode), else only which file it is.
   * Both the link itself (lstat) and what it names (stat): a certificate renewed by pointing a link
   * at a new file changes the one, one rewritten in place the other. Never opened.
   */
  private static void put(Map<Path, String> files, Path file, boolean contents) {
    if (file == null) {
      return;
    }
    String attributes = contents ? "unix:dev,ino,size,lastModifiedTime,ctime" : "unix:dev,ino";
    files.put(
        file, stat(file, attributes, LinkOption.NOFOLLOW_LINKS) + " -> " + stat(file, attributes));
  }

  private static String stat(Path file, String attributes, LinkOption... options) {
    try {
      return new java.util.TreeMap<>(Files.readAttributes(file, attributes, options)).toString();
    } catch (IOException | UnsupportedOperationException e) {
      // Missing or unreadable: a child that starts now fails on it, so the change counts.
      return "(" + e.getClass().getSimpleName() + ")";
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
