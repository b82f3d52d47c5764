package org.perchild.container.logging;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one request and its response leave for the access log: the values an httpd {@code LogFormat}
 * can ask for, taken from Jetty by {@link VirtualHostRequestLog} once the response is complete, or
 * written by hand in a test. Header names are looked up case-insensitively; a header received more
 * than once keeps every value, in order.
 *
 * @param remoteAddress the client's address ({@code %h}, {@code %a})
 * @param remotePort the client's port ({@code %{remote}p})
 * @param localAddress the address the connection arrived on ({@code %A})
 * @param localPort the port it arrived on ({@code %p})
 * @param remoteUser the authenticated user ({@code %u}), or {@code null}
 * @param start when the request began ({@code %t})
 * @param duration how long it took ({@code %D}, {@code %T})
 * @param method the request method ({@code %m})
 * @param target the request target as received, e.g. {@code /a%20b?x=1} ({@code %r})
 * @param path the decoded URL path ({@code %U})
 * @param query the query string without {@code ?}, or {@code null} for none ({@code %q})
 * @param protocol the protocol, e.g. {@code HTTP/1.1} ({@code %H})
 * @param status the response status ({@code %s}, {@code %>s})
 * @param bodyBytes bytes of response body sent ({@code %b}, {@code %B})
 * @param serverName the virtual host's {@code ServerName} ({@code %v})
 * @param requestHost the host the request named ({@code %V})
 * @param requestHeaders the request's headers ({@code %{Name}i})
 * @param responseHeaders the response's headers ({@code %{Name}o})
 * @param peerAddress the address of the connection's peer ({@code %{c}a}): the client, or the proxy
 *     that sent a PROXY header, as mod_remoteip's {@code %{c}a}
 */
public record AccessLogEntry(
    InetAddress remoteAddress,
    int remotePort,
    InetAddress localAddress,
    int localPort,
    String remoteUser,
    Instant start,
    Duration duration,
    String method,
    String target,
    String path,
    String query,
    String protocol,
    int status,
    long bodyBytes,
    String serverName,
    String requestHost,
    Map<String, List<String>> requestHeaders,
    Map<String, List<String>> responseHeaders,
    InetAddress peerAddress) {

  /** An entry of a connection without a PROXY header: its peer is the client. */
  public AccessLogEntry(
      InetAddress remoteAddress,
      int remotePort,
      InetAddress localAddress,
      int localPort,
      String remoteUser,
      Instant start,
      Duration duration,
      String method,
      String target,
      String path,
      String query,
      String protocol,
      int status,
      long bodyBytes,
      String serverName,
      String requestHost,
      Map<String, List<String>> requestHeaders,
      Map<String, List<String>> responseHeaders) {
    this(
        remoteAddress,
        remotePort,
        localAddress,
        localPort,
        remoteUser,
        start,
        duration,
        method,
        target,
        path,
        query,
        protocol,
        status,
        bodyBytes,
        serverName,
        requestHost,
        requestHeaders,
        responseHeaders,
        remoteAddress);
  }

  public AccessLogEntry {
    requestHeaders = caseInsensitive(requestHeaders);
    responseHeaders = caseInsensitive(responseHeaders);
  }

  private static Map<String, List<String>> caseInsensitive(Map<String, List<String>> headers) {
    Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.forEach(
        (name, values) -> copy.merge(name, List.copyOf(values), AccessLogEntry::concat));
    return copy;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }

  /** The request line as received: {@code GET /apache_pb.gif HTTP/1.0} ({@code %r}). */
  public String requestLine() {
    return method + " " + target + " " + protocol;
  }
}
