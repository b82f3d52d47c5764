package org.perchild.container.logging;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.perchild.config.VirtualHost;
import org.perchild.protocol.HostTable;

/**
 * Counts, per virtual host of this child, the requests answered, the body bytes sent, the responses
 * by class (1xx to 5xx) and the requests by HTTP version, for the launcher's scoreboard: a {@link
 * RequestLog}, since only a finished exchange knows its status; and the TLS handshakes of the
 * host's connections by protocol version and those that failed ({@link #handshakes}, a listener of
 * the host's TLS factory, and {@link #handshakeFailed}). A request answered 421 belongs to no host
 * of this child and is not counted. {@link #snapshot()} is what the {@code HOSTS} report the child
 * sends every second carries, in {@link HostTable}'s order.
 */
public final class HostCounters implements RequestLog {

  private final Map<VirtualHost, LongAdder[]> counts = new LinkedHashMap<>();

  /** Counters for these hosts, the child's own. */
  public HostCounters(List<VirtualHost> hosts) {
    for (VirtualHost host : hosts) {
      LongAdder[] each = new LongAdder[HostTable.COUNTS];
      for (int i = 0; i < each.length; i++) {
        each[i] = new LongAdder();
      }
      counts.put(host, each);
    }
  }

  @Override
  public void log(Request request, Response response) {
    if (!(request.getAttribute(VirtualHostRequestLog.VIRTUAL_HOST) instanceof VirtualHost host)) {
      return;
    }
    LongAdder[] each = counts.get(host);
    if (each == null) {
      return;
    }
    each[HostTable.REQUESTS].increment();
    if (!HttpMethod.HEAD.is(request.getMethod())) {
      each[HostTable.BYTES].add(Response.getContentBytesWritten(response));
    }
    int statusClass = response.getStatus() / 100;
    if (statusClass >= 1 && statusClass <= 5) {
      each[HostTable.CLASS_1XX + statusClass - 1].increment();
    }
    HttpVersion version = request.getConnectionMetaData().getHttpVersion();
    if (version != null) {
      switch (version) {
        case HTTP_0_9, HTTP_1_0 -> each[HostTable.HTTP_1_0].increment();
        case HTTP_1_1 -> each[HostTable.HTTP_1_0 + 1].increment();
        case HTTP_2 -> each[HostTable.HTTP_1_0 + 2].increment();
        default -> {
          // HTTP/3: not served here.
        }
      }
    }
  }

  /**
   * Counts the TLS handshakes of {@code host}'s connections by the protocol version they
   * negotiated, and those that failed: a listener for the host's TLS connection factory. Null for a
   * host this child does not serve.
   */
  public SslHandshakeListener handshakes(VirtualHost host) {
    LongAdder[] each = counts.get(host);
    if (each == null) {
      return null;
    }
    return new SslHandshakeListener() {
      @Override
      public void handshakeSucceeded(Event event) {
        each[HostTable.tlsIndex(event.getSSLEngine().getSession().getProtocol())].increment();
      }

      @Override
      public void handshakeFailed(Event event, Throwable failure) {
        each[HostTable.TLS_FAILED].increment();
      }
    };
  }

  /** Counts a TLS connection of {@code host} that could not even begin its handshake. */
  public void handshakeFailed(VirtualHost host) {
    LongAdder[] each = counts.get(host);
    if (each != null) {
      each[HostTable.TLS_FAILED].increment();
    }
  }

  /**
   * Every host's counts since this child started, in the order of its hosts and of {@link
   * HostTable}'s indexes (the main server is named {@code _default_}); what the child's {@code
   * HOSTS} report ({@link org.perchild.protocol.ChildToLauncher.Hosts}) carries.
   */
  public Map<String, long[]> snapshot() {
    Map<String, long[]> snapshot = new LinkedHashMap<>();
    for (Map.Entry<VirtualHost, LongAdder[]> entry : counts.entrySet()) {
      VirtualHost host = entry.getKey();
      LongAdder[] each = entry.getValue();
      long[] row = new long[HostTable.COUNTS];
      for (int i = 0; i < row.length; i++) {
        row[i] = each[i].sum();
      }
      snapshot.put(host.isMainServer() ? "_default_" : host.serverName(), row);
    }
    return snapshot;
  }
}
