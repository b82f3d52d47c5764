package org.perchild.container;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.perchild.config.VirtualHost;

/**
 * The names of a virtual host as Jetty's {@code ContextHandler.setVirtualHosts} takes them. Jetty
 * knows exact names and one wildcard form, a leading {@code *.} ({@code *.example.com}); a {@code
 * ServerAlias} pattern it cannot express (a {@code ?}, or a {@code *} elsewhere) is left out and
 * reported, so the operator learns that requests for those names get a 404 from this child.
 */
final class JettyVirtualHosts {

  private JettyVirtualHosts() {}

  /**
   * The Jetty virtual hosts of {@code host}: its {@code ServerName}, then each alias Jetty can
   * match; {@code skipped} hears about each alias left out.
   */
  static List<String> of(VirtualHost host, Consumer<String> skipped) {
    List<String> names = new ArrayList<>();
    if (host.serverName() != null && !host.serverName().isBlank()) {
      add(names, host.serverName(), skipped);
    }
    for (String alias : host.aliases()) {
      add(names, alias, skipped);
    }
    return names;
  }

  private static void add(List<String> names, String name, Consumer<String> skipped) {
    String lower = name.toLowerCase(Locale.ROOT);
    String rest = lower.startsWith("*.") ? lower.substring(2) : lower;
    if (rest.isEmpty() || rest.indexOf('*') >= 0 || rest.indexOf('?') >= 0) {
      skipped.accept(name);
      return;
    }
    if (!names.contains(lower)) {
      names.add(lower);
    }
  }
}
