package org.perchild.acceptor;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.perchild.config.StatusLocation;
import org.perchild.config.VirtualHost;
import org.perchild.protocol.HostReports;
import org.perchild.protocol.HostTable;
import org.perchild.protocol.LauncherToAcceptor;
import org.perchild.protocol.Scoreboard;
import org.perchild.status.ServerStatusPage;
import org.perchild.status.StatusMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the acceptor answers by itself for a {@code <Location>} with {@code SetHandler
 * server-status} or {@code metrics}: 403 for a client its {@code Require} lines do not let in, else
 * mod_status's page (HTML, {@code ?auto}, {@code ?json}) or the Prometheus exposition, rendered
 * from the launcher's latest scoreboard and the acceptor's own counters. {@link AcceptorLoop} asks
 * it on its one thread; the scoreboard arrives as a control message.
 */
final class StatusEndpoint {

  private static final Logger LOG = LoggerFactory.getLogger(AcceptorLoop.class);

  /** A status code and the whole response to write. */
  record Answer(int status, ByteBuffer response) {}

  private final AcceptorCounters counters;
  private final AcceptorResponses responses;
  private final StatusMetrics metrics = new StatusMetrics(() -> page("localhost"));

  /** The launcher's latest scoreboard; null until the first. */
  private Scoreboard scoreboard;

  /** The launcher's latest per-host rows, once every part of them arrived; empty until then. */
  private HostTable hosts = new HostTable();

  private final HostReports hostReports = new HostReports();

  StatusEndpoint(AcceptorCounters counters, AcceptorResponses responses) {
    this.counters = counters;
    this.responses = responses;
  }

  /** The launcher's new scoreboard (pushed every second). */
  void update(Scoreboard board) {
    this.scoreboard = board;
  }

  /** One part of the launcher's new per-host rows (pushed after each scoreboard). */
  void update(LauncherToAcceptor.Hosts part) {
    Map<String, long[]> whole = hostReports.add(part.part());
    if (whole != null) {
      HostTable table = new HostTable();
      table.add(whole);
      hosts = table;
    }
  }

  /**
   * The answer to {@code head} if its target is one of {@code vhost}'s status {@code <Location>}s;
   * empty if it is not (the request goes to a child).
   */
  Optional<Answer> answerFor(
      RequestHeadReader.Head head, VirtualHost vhost, InetSocketAddress remote) {
    String target = head.target();
    if (target.startsWith("http://") || target.startsWith("https://")) {
      int slash = target.indexOf('/', target.indexOf("://") + 3);
      target = slash < 0 ? "/" : target.substring(slash);
    }
    int question = target.indexOf('?');
    String path = question < 0 ? target : target.substring(0, question);
    String query = question < 0 ? "" : target.substring(question + 1);
    return vhost
        .locationFor(path)
        .map(location -> answer(location, remote, vhost.serverName(), query, head.method()));
  }

  /** The answer to {@code method} {@code location}{@code ?query} from {@code remote}. */
  Answer answer(
      StatusLocation location,
      InetSocketAddress remote,
      String serverName,
      String query,
      String method) {
    if (!location.allows(remote.getAddress())) {
      LOG.info("{} {}: forbidden by Require", remote, location.path());
      return new Answer(403, responses.forStatus(403));
    }
    String contentType;
    byte[] body;
    if (location.handler() == StatusLocation.Handler.METRICS) {
      contentType = metrics.contentType();
      body = metrics.text();
    } else {
      ServerStatusPage page = page(serverName);
      if (query.equals("auto") || query.startsWith("auto&")) {
        contentType = "text/plain; charset=ISO-8859-1";
        body = page.auto().getBytes(StandardCharsets.ISO_8859_1);
      } else if (query.equals("json") || query.startsWith("json&")) {
        contentType = "application/json";
        body = page.json().getBytes(StandardCharsets.UTF_8);
      } else {
        contentType = "text/html; charset=ISO-8859-1";
        body = page.html().getBytes(StandardCharsets.ISO_8859_1);
      }
    }
    return new Answer(200, responses.ok(contentType, body, !method.equals("HEAD")));
  }

  private ServerStatusPage page(String serverName) {
    Instant now = Instant.now();
    Scoreboard board = scoreboard;
    if (board == null) {
      board =
          new Scoreboard(
              now,
              0,
              now,
              new Scoreboard.Acceptor(0, Scoreboard.State.GONE, null, 0),
              List.of(),
              0);
    }
    AcceptorCounters.Snapshot snap = counters.snapshot();
    return new ServerStatusPage(
        board,
        new Scoreboard.Counters(
            snap.accepted(), snap.handedOff(), new TreeMap<>(snap.answeredByStatus())),
        now,
        serverName == null ? "localhost" : serverName,
        hosts);
  }
}
