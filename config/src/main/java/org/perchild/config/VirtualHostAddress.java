package org.perchild.config;

/**
 * One address of a {@code <VirtualHost>}: the local address and port a connection must arrive on
 * for the virtual host to be considered.
 *
 * @param host an IP address, {@code *} or {@code _default_} for any address
 * @param port the port, or 0 for any port ({@code *})
 */
public record VirtualHostAddress(String host, int port) {

  /** Whether this address stands for every local address. */
  public boolean anyHost() {
    return host.equals("*") || host.equalsIgnoreCase("_default_");
  }

  /** As written in httpd's {@code -S} output: {@code *:8080}, {@code 10.0.0.1:80}. */
  @Override
  public String toString() {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return h + ":" + (port == 0 ? "*" : Integer.toString(port));
  }
}
