package org.perchild.status;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;
import org.perchild.protocol.HostTable;
import org.perchild.protocol.LoadReport;
import org.perchild.protocol.Scoreboard;

/**
 * The {@code /metrics} exposition: the numbers of {@link ServerStatusPage} in the Prometheus text
 * format, made by the Prometheus Java client (callback metrics read the latest page when scraped).
 * One instance lives in the acceptor for its life.
 */
public final class StatusMetrics {

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  /** Metrics that read {@code page} each time they are scraped. */
  public StatusMetrics(Supplier<ServerStatusPage> page) {
    GaugeWithCallback.builder()
        .name("perchild_uptime_seconds")
        .help("Seconds since the launcher started serving")
        .callback(cb -> cb.call(page.get().uptimeSeconds()))
        .register(registry);
    CounterWithCallback.builder()
        .name("perchild_accesses")
        .help("Requests answered by the current children (mod_status Total Accesses)")
        .callback(cb -> cb.call(page.get().totalAccesses()))
        .register(registry);
    CounterWithCallback.builder()
        .name("perchild_sent_bytes")
        .help("Response bytes written by the current children")
        .callback(cb -> cb.call(page.get().totalBytes()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("perchild_workers")
        .help("Threads of the current children by state (busy includes the selector's)")
        .labelNames("state")
        .callback(
            cb -> {
              ServerStatusPage p = page.get();
              cb.call(p.busyWorkers(), "busy");
              cb.call(p.idleWorkers(), "idle");
            })
        .register(registry);
    childGauge(page, "perchild_child_threads", "Threads alive in a child", l -> l.total());
    childGauge(page, "perchild_child_busy_threads", "Threads serving in a child", l -> l.busy());
    childGauge(page, "perchild_child_idle_threads", "Idle threads of a child", l -> l.idle());
    childGauge(page, "perchild_child_queued", "Jobs waiting for a thread", l -> l.queued());
    childGauge(
        page, "perchild_child_connections", "Connections held by a child", l -> l.connections());
    CounterWithCallback.builder()
        .name("perchild_child_requests")
        .help("Requests answered by a child since it started")
        .labelNames("slot", "user")
        .callback(
            cb -> {
              for (Scoreboard.Child c : page.get().scoreboard().children()) {
                cb.call(c.load().requests(), Integer.toString(c.slot()), c.user());
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("perchild_group_children")
        .help("Child processes of a group alive now (starting ones included), and the READY ones")
        .labelNames("group", "state")
        .callback(
            cb -> {
              for (Scoreboard.Group g : page.get().scoreboard().groups()) {
                String label = g.user() + "/" + g.group();
                cb.call(g.children(), label, "alive");
                cb.call(g.ready(), label, "ready");
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("perchild_group_max_children")
        .help("The most child processes a group may have (ChildPerUserID's max)")
        .labelNames("group")
        .callback(
            cb -> {
              for (Scoreboard.Group g : page.get().scoreboard().groups()) {
                cb.call(g.max(), g.user() + "/" + g.group());
              }
            })
        .register(registry);
    CounterWithCallback.builder()
        .name("perchild_acceptor_accepted_connections")
        .help("Connections the acceptor accepted")
        .callback(cb -> cb.call(page.get().acceptor().accepted()))
        .register(registry);
    CounterWithCallback.builder()
        .name("perchild_acceptor_handed_off_connections")
        .help("Connections the acceptor handed to a child")
        .callback(cb -> cb.call(page.get().acceptor().handedOff()))
        .register(registry);
    CounterWithCallback.builder()
        .name("perchild_acceptor_answered")
        .help("Connections the acceptor answered itself, by status")
        .labelNames("status")
        .callback(
            cb ->
                page.get()
                    .acceptor()
                    .answered()
                    .forEach((status, count) -> cb.call(count, Integer.toString(status))))
        .register(registry);
    hostCounters(page);
  }

  /**
   * The per-virtual-host counters, summed over the children of each host (the launcher's HOSTS
   * rows), labelled {@code vhost} (the ServerName; {@code _default_} for the main server).
   */
  private void hostCounters(Supplier<ServerStatusPage> page) {
    CounterWithCallback.builder()
        .name("perchild_vhost_requests")
        .help("Requests answered for a virtual host by the current children")
        .labelNames("vhost")
        .callback(cb -> page.get().hosts().hosts().forEach(h -> cb.call(h.requests(), h.name())))
        .register(registry);
    CounterWithCallback.builder()
        .name("perchild_vhost_sent_bytes")
        .help("Response body bytes written for a virtual host by the current children")
        .labelNames("vhost")
        .callback(cb -> page.get().hosts().hosts().forEach(h -> cb.call(h.bytes(), h.name())))
        .register(registry);
    CounterWithCallback.builder()
        .name("perchild_vhost_responses")
        .help("Responses for a virtual host by status class")
        .labelNames("vhost", "class")
        .callback(
            cb -> {
              for (HostTable.Host h : page.get().hosts().hosts()) {
                for (int c = 0; c < 5; c++) {
                  cb.call(h.byClass()[c], h.name(), (c + 1) + "xx");
                }
              }
            })
        .register(registry);
    hostCountsBy(
        page,
        "perchild_vhost_requests_by_protocol",
        "Requests for a virtual host by HTTP version",
        "protocol",
        HostTable.HTTP_VERSIONS,
        HostTable.Host::byProtocol);
    hostCountsBy(
        page,
        "perchild_vhost_tls_handshakes",
        "TLS handshakes completed for a virtual host by protocol version",
        "version",
        HostTable.TLS_VERSIONS,
        HostTable.Host::handshakes);
    CounterWithCallback.builder()
        .name("perchild_vhost_tls_handshake_failures")
        .help("TLS handshakes of a virtual host's connections that failed")
        .labelNames("vhost")
        .callback(
            cb -> page.get().hosts().hosts().forEach(h -> cb.call(h.handshakesFailed(), h.name())))
        .register(registry);
  }

  /** A counter per virtual host and {@code label}: {@code counts} of a host, one per value. */
  private void hostCountsBy(
      Supplier<ServerStatusPage> page,
      String name,
      String help,
      String label,
      java.util.List<String> values,
      java.util.function.Function<HostTable.Host, long[]> counts) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames("vhost", label)
        .callback(
            cb -> {
              for (HostTable.Host h : page.get().hosts().hosts()) {
                for (int i = 0; i < values.size(); i++) {
                  cb.call(counts.apply(h)[i], h.name(), values.get(i));
                }
              }
            })
        .register(registry);
  }

  private void childGauge(
      Supplier<ServerStatusPage> page,
      String name,
      String help,
      java.util.function.ToDoubleFunction<LoadReport> value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames("slot", "user")
        .callback(
            cb -> {
              for (Scoreboard.Child c : page.get().scoreboard().children()) {
                if (c.state() != Scoreboard.State.GONE) {
                  cb.call(value.applyAsDouble(c.load()), Integer.toString(c.slot()), c.user());
                }
              }
            })
        .register(registry);
  }

  /** The content type of {@link #text()}. */
  public String contentType() {
    return writer.getContentType();
  }

  /** The exposition now. */
  public byte[] text() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
