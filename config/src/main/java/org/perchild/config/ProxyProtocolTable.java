package org.perchild.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the acceptor must read a PROXY protocol header first: mod_remoteip's {@code
 * RemoteIPProxyProtocol} applies per address:port, not per virtual host, because the header comes
 * before anything that names a host. A virtual host's setting ({@code On} or {@code Off}, its own
 * or the main server's that it inherits) applies to every address on its {@code <VirtualHost>}
 * line, and so to every other host on those addresses; the last one in the file wins, and {@code
 * -t} warns when one address:port is given both ({@link #conflicts()}). The main server's setting
 * applies to every address that no virtual host names.
 *
 * <p>A connection on such an address must begin with a header, unless it comes from an address in
 * the {@code RemoteIPProxyProtocolExceptions} of a host on that address (those of every host there
 * count): then it is served as a direct connection.
 *
 * <p>A connection's local address and port choose the setting as they choose a virtual host: an
 * address written as an IP wins over {@code *}, a port wins over {@code :*}. {@link
 * ServerConfig#proxyProtocolTable()} builds it; the acceptor asks it for each new connection.
 */
public final class ProxyProtocolTable {

  /**
   * One address:port's setting.
   *
   * @param address the address as the {@code <VirtualHost>} line wrote it ({@code *} for any)
   * @param on whether a header is required there
   * @param exceptions the clients that may connect there without a header
   * @param file where the setting that won is written (the virtual host's section)
   * @param line its line
   */
  public record Setting(
      VirtualHostAddress address,
      boolean on,
      List<AccessRule.IpRange> exceptions,
      Path file,
      int line) {
    public Setting {
      exceptions = List.copyOf(exceptions);
    }

    /** Whether a connection from {@code peer} must begin with a PROXY header. */
    public boolean requiresHeaderFrom(InetAddress peer) {
      if (!on) {
        return false;
      }
      InetAddress client = AccessRule.unmapped(peer);
      return exceptions.stream().noneMatch(range -> range.contains(client));
    }
  }

  /**
   * What one host says: its value ({@code null}: nothing) and its exceptions, for its addresses.
   *
   * @param host the host, for its addresses, file and line
   * @param on its {@code RemoteIPProxyProtocol}, or null when it sets none of its own
   * @param exceptions its {@code RemoteIPProxyProtocolExceptions}, parsed
   */
  record HostSetting(VirtualHost host, Boolean on, List<AccessRule.IpRange> exceptions) {}

  private final Setting mainServer;
  private final Map<VirtualHostAddress, Setting> byAddress;
  private final List<ConfigProblem> conflicts;
  private final Map<String, List<InetAddress>> resolved = new HashMap<>();

  /** The table of a configuration's hosts: each one's own setting or the main server's. */
  public static ProxyProtocolTable of(VirtualHost mainServer, List<VirtualHost> virtualHosts) {
    return new ProxyProtocolTable(
        setting(mainServer), virtualHosts.stream().map(ProxyProtocolTable::setting).toList());
  }

  private static HostSetting setting(VirtualHost host) {
    // Validated at configuration time (file and line): what arrives here parses.
    List<AccessRule.IpRange> exceptions =
        host.proxyProtocolExceptions().stream().map(AccessRule.IpRange::parse).toList();
    return new HostSetting(host, host.proxyProtocol(), exceptions);
  }

  /**
   * The table of these hosts' settings, the virtual hosts in file order.
   *
   * @param main what the main server says; its value applies where no virtual host sets one
   */
  ProxyProtocolTable(HostSetting main, List<HostSetting> virtualHosts) {
    Map<VirtualHostAddress, Setting> settings = new LinkedHashMap<>();
    Map<VirtualHostAddress, List<AccessRule.IpRange>> exceptions = new LinkedHashMap<>();
    List<ConfigProblem> found = new ArrayList<>();
    for (HostSetting each : virtualHosts) {
      for (VirtualHostAddress written : each.host().addresses()) {
        VirtualHostAddress address = normal(written);
        exceptions.computeIfAbsent(address, a -> new ArrayList<>()).addAll(each.exceptions());
        if (each.on() == null) {
          continue;
        }
        Setting before = settings.get(address);
        if (before != null && before.on() != each.on()) {
          found.add(
              ConfigProblem.warning(
                  each.host().file(),
                  each.host().line(),
                  "RemoteIPProxyProtocol: "
                      + address
                      + " is "
                      + onOff(before.on())
                      + " for the virtual host at "
                      + where(before.file(), before.line())
                      + " and "
                      + onOff(each.on())
                      + " for the one at "
                      + where(each.host().file(), each.host().line())
                      + " (their own setting or the main server's): it applies to every virtual host"
                      + " of the address, and the last, "
                      + onOff(each.on())
                      + ", wins"));
        }
        settings.put(
            address,
            new Setting(address, each.on(), List.of(), each.host().file(), each.host().line()));
      }
    }
    // Every address a virtual host names gets its setting: the last written there, else the main
    // server's; with the exceptions of every host there.
    boolean mainOn = Boolean.TRUE.equals(main.on());
    Map<VirtualHostAddress, Setting> complete = new LinkedHashMap<>();
    for (Map.Entry<VirtualHostAddress, List<AccessRule.IpRange>> entry : exceptions.entrySet()) {
      Setting written = settings.get(entry.getKey());
      List<AccessRule.IpRange> all = entry.getValue();
      complete.put(
          entry.getKey(),
          written != null
              ? new Setting(
                  entry.getKey(), written.on(), dedupe(all), written.file(), written.line())
              : new Setting(
                  entry.getKey(), mainOn, dedupe(all), main.host().file(), main.host().line()));
    }
    this.byAddress = complete;
    this.mainServer =
        new Setting(
            new VirtualHostAddress("*", 0),
            mainOn,
            main.exceptions(),
            main.host().file(),
            main.host().line());
    this.conflicts = List.copyOf(found);
    for (VirtualHostAddress address : byAddress.keySet()) {
      if (!address.anyHost()) {
        resolved.computeIfAbsent(address.host(), ProxyProtocolTable::resolve);
      }
    }
  }

  private static List<AccessRule.IpRange> dedupe(List<AccessRule.IpRange> ranges) {
    return List.copyOf(new java.util.LinkedHashSet<>(ranges));
  }

  private static VirtualHostAddress normal(VirtualHostAddress address) {
    return address.anyHost() ? new VirtualHostAddress("*", address.port()) : address;
  }

  private static String onOff(boolean on) {
    return on ? "On" : "Off";
  }

  private static String where(Path file, int line) {
    return (file == null ? "?" : file.toString()) + ":" + line;
  }

  private static List<InetAddress> resolve(String host) {
    try {
      return List.of(InetAddress.getAllByName(host));
    } catch (UnknownHostException e) {
      return List.of();
    }
  }

  /**
   * The setting of a connection that arrived on {@code local}:{@code port}: that of the most
   * specific address written for it (IP and port, IP and {@code *}, {@code *} and port, {@code
   * *:*}), else the main server's.
   */
  public Setting settingFor(InetAddress local, int port) {
    Setting best = null;
    int bestRank = -1;
    InetAddress unmapped = local == null ? null : AccessRule.unmapped(local);
    for (Setting setting : byAddress.values()) {
      VirtualHostAddress address = setting.address();
      if (address.port() != 0 && address.port() != port) {
        continue;
      }
      boolean exact = !address.anyHost();
      if (exact
          && (unmapped == null
              || !resolved.getOrDefault(address.host(), List.of()).contains(unmapped))) {
        continue;
      }
      int rank = (exact ? 2 : 0) + (address.port() != 0 ? 1 : 0);
      if (rank > bestRank) {
        best = setting;
        bestRank = rank;
      }
    }
    return best != null ? best : mainServer;
  }

  /** Whether a connection from {@code peer} to {@code local}:{@code port} must send a header. */
  public boolean requiresHeader(InetAddress local, int port, InetAddress peer) {
    return settingFor(local, port).requiresHeaderFrom(peer);
  }

  /** Whether any address requires a header at all. */
  public boolean anyOn() {
    return mainServer.on() || byAddress.values().stream().anyMatch(Setting::on);
  }

  /** The address:port settings written by virtual hosts, in file order of their first mention. */
  public List<Setting> settings() {
    return List.copyOf(byAddress.values());
  }

  /** What {@code -t} warns about: an address:port set both On and Off, at the later host. */
  List<ConfigProblem> conflicts() {
    return conflicts;
  }
}
