package org.perchild.config;

import java.nio.file.Path;

/**
 * A {@code Listen} socket: the launcher binds it, the acceptor accepts on it.
 *
 * @param host the address to bind, or {@code null} for every address (IPv4 and IPv6)
 * @param port the TCP port
 * @param protocol {@code http} or {@code https}
 * @param file where the {@code Listen} directive is
 * @param line its line
 */
public record Listener(String host, int port, String protocol, Path file, int line) {

  /** {@code *:8080}, {@code 127.0.0.1:8080}, {@code [::1]:8080}: as httpd prints it. */
  public String address() {
    if (host == null) {
      return "*:" + port;
    }
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
