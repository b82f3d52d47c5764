package org.perchild.container.logging;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.perchild.config.VirtualHost;

/**
 * Counts, per virtual host of this child, the requests answered, the body bytes sent and the
 * responses by class (1xx to 5xx), for the launcher's scoreboard: a {@link RequestLog}, since only
 * a finished exchange knows its status. A request answered 421 belongs to no host of this child and
 * is not counted. {@link #snapshot()} is what the {@code HOSTS} report the child sends every second
 * carries.
 */
public final class HostCounters implements RequestLog {

  /** One host's counts since this child started. */
  private static final class Counts {
    final LongAdder requests = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder[] classes = {
      new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()
    };
  }

  private final Map<VirtualHost, Counts> counts = new LinkedHashMap<>();

  /** Counters for these hosts, the child's own. */
  public HostCounters(List<VirtualHost> hosts) {
    for (VirtualHost host : hosts) {
      counts.put(host, new Counts());
    }
  }

  @Override
  public void log(Request request, Response response) {
    if (!(request.getAttribute(VirtualHostRequestLog.VIRTUAL_HOST) instanceof VirtualHost host)) {
      return;
    }
    Counts each = counts.get(host);
    if (each == null) {
      return;
    }
    each.requests.increment();
    if (!HttpMethod.HEAD.is(request.getMethod())) {
      each.bytes.add(Response.getContentBytesWritten(response));
    }
    int statusClass = response.getStatus() / 100;
    if (statusClass >= 1 && statusClass <= 5) {
      each.classes[statusClass - 1].increment();
    }
  }

  /**
   * Every host's counts since this child started, in the order of its hosts: requests, bytes, 1xx,
   * 2xx, 3xx, 4xx, 5xx (the main server is named {@code _default_}); what the child's {@code HOSTS}
   * report ({@link org.perchild.protocol.ChildToLauncher.Hosts}) carries.
   */
  public Map<String, long[]> snapshot() {
    Map<String, long[]> snapshot = new LinkedHashMap<>();
    for (Map.Entry<VirtualHost, Counts> entry : counts.entrySet()) {
      VirtualHost host = entry.getKey();
      Counts each = entry.getValue();
      long[] row = new long[7];
      row[0] = each.requests.sum();
      row[1] = each.bytes.sum();
      for (int c = 0; c < 5; c++) {
        row[2 + c] = each.classes[c].sum();
      }
      snapshot.put(host.isMainServer() ? "_default_" : host.serverName(), row);
    }
    return snapshot;
  }
}
