package org.perchild.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses the virtual host of a request as httpd 2.4 does: first by the local address and port the
 * connection arrived on (virtual hosts naming that IP exactly win over {@code *} ones), then by
 * name among those ({@code ServerName}, then {@code ServerAlias} patterns, in file order); when no
 * name matches, the first virtual host of the address is its default; when no virtual host has the
 * address, the main server answers. The acceptor routes with it; {@code -S} prints it.
 */
public final class VirtualHostTable {

  private final VirtualHost mainServer;
  private final List<VirtualHost> virtualHosts;
  // The addresses an IP-based <VirtualHost> names, resolved once here, not per request.
  private final Map<String, List<InetAddress>> resolved = new HashMap<>();

  /** A table of these virtual hosts, in file order, with the main server as the last resort. */
  public VirtualHostTable(VirtualHost mainServer, List<VirtualHost> virtualHosts) {
    this.mainServer = mainServer;
    this.virtualHosts = List.copyOf(virtualHosts);
    for (VirtualHost vhost : this.virtualHosts) {
      for (VirtualHostAddress address : vhost.addresses()) {
        if (!address.anyHost()) {
          resolved.computeIfAbsent(address.host(), VirtualHostTable::resolve);
        }
      }
    }
  }

  private static List<InetAddress> resolve(String host) {
    try {
      return List.of(InetAddress.getAllByName(host));
    } catch (UnknownHostException e) {
      return List.of();
    }
  }

  /**
   * The virtual host for a request that arrived on {@code localAddress:localPort} naming {@code
   * host} (lower case, no port), or {@code null} for a request that names none (HTTP/1.0).
   */
  public VirtualHost select(InetAddress localAddress, int localPort, String host) {
    List<VirtualHost> candidates = candidates(localAddress, localPort);
    if (candidates.isEmpty()) {
      return mainServer;
    }
    for (VirtualHost vhost : candidates) {
      if (vhost.answersTo(host)) {
        return vhost;
      }
    }
    return candidates.get(0);
  }

  /** The virtual hosts a connection on this address may reach, its default first. */
  public List<VirtualHost> candidates(InetAddress localAddress, int localPort) {
    List<VirtualHost> exact = new ArrayList<>();
    List<VirtualHost> wildcard = new ArrayList<>();
    for (VirtualHost vhost : virtualHosts) {
      for (VirtualHostAddress address : vhost.addresses()) {
        if (address.port() != 0 && address.port() != localPort) {
          continue;
        }
        if (address.anyHost()) {
          wildcard.add(vhost);
          break;
        }
        if (sameAddress(address.host(), localAddress)) {
          exact.add(vhost);
          break;
        }
      }
    }
    return exact.isEmpty() ? wildcard : exact;
  }

  /**
   * The virtual hosts grouped by the addresses written on their {@code <VirtualHost>} lines, in
   * file order; the first of each group is that address's default. This is what {@code -S} prints.
   */
  public Map<VirtualHostAddress, List<VirtualHost>> byAddress() {
    Map<VirtualHostAddress, List<VirtualHost>> groups = new LinkedHashMap<>();
    for (VirtualHost vhost : virtualHosts) {
      for (VirtualHostAddress address : vhost.addresses()) {
        VirtualHostAddress key =
            address.anyHost() ? new VirtualHostAddress("*", address.port()) : address;
        groups.computeIfAbsent(key, k -> new ArrayList<>()).add(vhost);
      }
    }
    return groups;
  }

  private boolean sameAddress(String written, InetAddress local) {
    return local != null && resolved.getOrDefault(written, List.of()).contains(local);
  }
}
