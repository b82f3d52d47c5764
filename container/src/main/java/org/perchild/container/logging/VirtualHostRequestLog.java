package org.perchild.container.logging;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.perchild.config.CustomLog;
import org.perchild.config.VirtualHost;
import org.perchild.container.handoff.HandoffEndPoint;

/**
 * The child's request log: each request goes to every {@code CustomLog} of the virtual host it was
 * routed to, which {@code ChildServer} marks as the request attribute {@link #VIRTUAL_HOST} (the
 * {@link VirtualHost} itself). A request without one (answered {@code 421 Misdirected Request}: not
 * ours) goes to no tenant's log. Installed with {@code server.setRequestLog(...)}; the files are
 * its beans, opened when it starts and closed when it stops.
 *
 * <p>Virtual hosts that name the same file share one {@link AccessLogFile}, as httpd shares one
 * descriptor; lines are formatted by {@link AccessLogFormat}.
 */
public final class VirtualHostRequestLog extends ContainerLifeCycle implements RequestLog {

  /** The request attribute that holds the {@link VirtualHost} a request was routed to. */
  public static final String VIRTUAL_HOST = "org.perchild.virtualHost";

  /** One {@code CustomLog}: where and how. */
  private record Target(AccessLogFile file, AccessLogFormat format) {}

  private final Map<VirtualHost, List<Target>> targets = new HashMap<>();

  /** The logs of {@code hosts}, with {@code %t} in the server's time zone. */
  public VirtualHostRequestLog(List<VirtualHost> hosts) {
    this(hosts, ZoneId.systemDefault());
  }

  /** The logs of {@code hosts}, with {@code %t} in {@code zone}. */
  public VirtualHostRequestLog(List<VirtualHost> hosts, ZoneId zone) {
    Map<Path, AccessLogFile> files = new LinkedHashMap<>();
    for (VirtualHost host : hosts) {
      List<Target> own = new ArrayList<>();
      for (CustomLog log : host.customLogs()) {
        AccessLogFile file =
            files.computeIfAbsent(log.path().toAbsolutePath().normalize(), AccessLogFile::new);
        own.add(new Target(file, AccessLogFormat.compile(log.format(), zone)));
      }
      targets.put(host, List.copyOf(own));
    }
    // RequestLog.Collection would not start them: as beans, they open and close with this log.
    files.values().forEach(this::addBean);
  }

  /** The access-log files this child writes. */
  public List<Path> files() {
    return getBeans(AccessLogFile.class).stream().map(AccessLogFile::path).toList();
  }

  @Override
  public void log(Request request, Response response) {
    if (!(request.getAttribute(VIRTUAL_HOST) instanceof VirtualHost host)
        || response.getStatus() == HttpStatus.MISDIRECTED_REQUEST_421) {
      return;
    }
    List<Target> own = targets.get(host);
    if (own == null || own.isEmpty()) {
      return;
    }
    AccessLogEntry entry = entry(host, request, response);
    for (Target target : own) {
      target.file().append(target.format().render(entry));
    }
  }

  /** What the formats may ask of this request, read from Jetty once. */
  static AccessLogEntry entry(VirtualHost host, Request request, Response response) {
    long nanos = System.nanoTime() - request.getBeginNanoTime();
    SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
    SocketAddress local = request.getConnectionMetaData().getLocalSocketAddress();
    HttpURI uri = request.getHttpURI();
    String path;
    try {
      path = uri.getDecodedPath();
    } catch (RuntimeException e) {
      path = uri.getPath();
    }
    String rawPath = uri.getPath() == null ? "" : uri.getPath();
    String target = uri.getQuery() == null ? rawPath : rawPath + "?" + uri.getQuery();
    Request.AuthenticationState auth = Request.getAuthenticationState(request);
    Principal user = auth == null ? null : auth.getUserPrincipal();
    String requestHost = Request.getServerName(request);
    return new AccessLogEntry(
        addressOf(remote),
        remote instanceof InetSocketAddress inet ? inet.getPort() : 0,
        addressOf(local),
        local instanceof InetSocketAddress inet ? inet.getPort() : 0,
        user == null ? null : user.getName(),
        Instant.ofEpochMilli(Request.getTimeStamp(request)),
        Duration.ofNanos(Math.max(0, nanos)),
        request.getMethod(),
        target,
        path,
        uri.getQuery(),
        request.getConnectionMetaData().getProtocol(),
        response.getStatus(),
        // Jetty counts what a HEAD handler wrote, though none of it went out: httpd logs "-".
        HttpMethod.HEAD.is(request.getMethod()) ? 0 : Response.getContentBytesWritten(response),
        host.serverName(),
        requestHost == null ? null : requestHost.toLowerCase(java.util.Locale.ROOT),
        headers(request.getHeaders()),
        headers(response.getHeaders()),
        addressOf(peerOf(request, remote)));
  }

  /** The connection's own peer (%{c}a): a PROXY header's sender, not its client. */
  private static SocketAddress peerOf(Request request, SocketAddress remote) {
    org.eclipse.jetty.io.Connection connection = request.getConnectionMetaData().getConnection();
    if (connection == null || connection.getEndPoint() == null) {
      return remote;
    }
    return HandoffEndPoint.socketRemoteAddress(connection.getEndPoint());
  }

  private static InetAddress addressOf(SocketAddress address) {
    return address instanceof InetSocketAddress inet ? inet.getAddress() : null;
  }

  private static Map<String, List<String>> headers(HttpFields fields) {
    Map<String, List<String>> map = new LinkedHashMap<>();
    for (HttpField field : fields) {
      map.computeIfAbsent(field.getName(), n -> new ArrayList<>()).add(field.getValue());
    }
    return map;
  }
}
