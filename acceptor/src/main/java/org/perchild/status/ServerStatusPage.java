package org.perchild.status;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import org.perchild.protocol.HostTable;
import org.perchild.protocol.LoadReport;
import org.perchild.protocol.Scoreboard;

/**
 * mod_status's {@code /server-status} for Perchild: an HTML page, the machine-readable {@code
 * ?auto} (the {@code Key: value} lines that existing collectors parse) and {@code ?json}. The
 * acceptor renders it from the launcher's latest scoreboard and its own counters; the scoreboard's
 * children stand for httpd's processes and their threads for its worker slots.
 *
 * @param scoreboard the launcher's latest scoreboard
 * @param acceptor the acceptor's counters now
 * @param now when the page is made
 * @param serverName the name the first line of {@code ?auto} shows, as httpd's does
 * @param hosts the launcher's latest per-host rows: requests, responses, HTTP versions and TLS
 *     handshakes of each virtual host, summed over its children
 */
public record ServerStatusPage(
    Scoreboard scoreboard,
    Scoreboard.Counters acceptor,
    Instant now,
    String serverName,
    HostTable hosts) {

  /** A page without per-host rows. */
  public ServerStatusPage(
      Scoreboard scoreboard, Scoreboard.Counters acceptor, Instant now, String serverName) {
    this(scoreboard, acceptor, now, serverName, new HostTable());
  }

  /**
   * What {@code ServerVersion} says: this build's version (from the jar's manifest, {@code dev}
   * when run from classes) and the Jetty it runs on.
   */
  public static final String SERVER_VERSION =
      "Perchild/"
          + java.util.Objects.requireNonNullElse(
              ServerStatusPage.class.getPackage().getImplementationVersion(), "dev")
          + " (Jetty "
          + org.eclipse.jetty.util.Jetty.VERSION
          + ")";

  /** Seconds since the launcher started serving. */
  public long uptimeSeconds() {
    return Math.max(0, Duration.between(scoreboard.serverStartedAt(), now).getSeconds());
  }

  /** Requests answered by the current children (mod_status's Total Accesses). */
  public long totalAccesses() {
    return live().mapToLong(c -> c.load().requests()).sum();
  }

  /** Bytes written by the current children. */
  public long totalBytes() {
    return live().mapToLong(c -> c.load().bytes()).sum();
  }

  /**
   * Threads that are not idle: serving a request, or leased by Jetty's selector (httpd counts its
   * reading and keep-alive slots as busy too). BusyWorkers + IdleWorkers is every live thread.
   */
  public int busyWorkers() {
    return live().mapToInt(c -> Math.max(0, c.load().total() - c.load().idle())).sum();
  }

  /** Idle threads of the current children. */
  public int idleWorkers() {
    return live().mapToInt(c -> c.load().idle()).sum();
  }

  /**
   * One character per thread slot, as mod_status prints it: {@code W} a busy thread, {@code _} an
   * idle one, {@code .} an open slot up to MaxThreadsPerChild; a child that is gone is all {@code
   * .}.
   */
  public String scoreboardLine() {
    StringBuilder out = new StringBuilder();
    int max = scoreboard.maxThreadsPerChild();
    for (Scoreboard.Child c : scoreboard.children()) {
      int total = 0;
      if (c.state() != Scoreboard.State.GONE) {
        LoadReport load = c.load();
        out.append("W".repeat(Math.max(0, load.total() - load.idle())));
        out.append("_".repeat(load.idle()));
        total = Math.max(load.total(), load.idle());
      }
      out.append(".".repeat(Math.max(0, max - total)));
    }
    return out.toString();
  }

  /** {@code ?auto}: mod_status's machine format. */
  public String auto() {
    long uptime = uptimeSeconds();
    long accesses = totalAccesses();
    long bytes = totalBytes();
    StringBuilder out = new StringBuilder();
    out.append(serverName).append('\n');
    line(out, "ServerVersion", SERVER_VERSION);
    line(out, "ServerMPM", "perchild");
    line(out, "CurrentTime", now.truncatedTo(ChronoUnit.SECONDS).toString());
    line(
        out,
        "RestartTime",
        scoreboard.serverStartedAt().truncatedTo(ChronoUnit.SECONDS).toString());
    line(
        out,
        "ParentServerConfigGeneration",
        Integer.toString(
            scoreboard.children().stream().mapToInt(Scoreboard.Child::generation).max().orElse(1)));
    line(out, "ServerUptimeSeconds", Long.toString(uptime));
    line(out, "ServerUptime", humanUptime(uptime));
    line(out, "Total Accesses", Long.toString(accesses));
    line(out, "Total kBytes", Long.toString(bytes / 1024));
    line(out, "Uptime", Long.toString(uptime));
    line(out, "ReqPerSec", decimal(uptime == 0 ? 0 : (double) accesses / uptime));
    line(out, "BytesPerSec", decimal(uptime == 0 ? 0 : (double) bytes / uptime));
    line(out, "BytesPerReq", decimal(accesses == 0 ? 0 : (double) bytes / accesses));
    line(out, "BusyWorkers", Integer.toString(busyWorkers()));
    line(out, "IdleWorkers", Integer.toString(idleWorkers()));
    line(out, "Processes", Long.toString(live().count()));
    line(out, "ConnsTotal", Integer.toString(live().mapToInt(c -> c.load().connections()).sum()));
    line(out, "Scoreboard", scoreboardLine());
    return out.toString();
  }

  /** {@code ?json}: the same numbers, the children and the acceptor's counters. */
  public String json() {
    String children = scoreboard.json();
    // The launcher's JSON has the children with their load; the acceptor part is ours.
    int start = children.indexOf("\"children\":");
    String childArray = children.substring(start, children.lastIndexOf('}'));
    StringBuilder out = new StringBuilder("{");
    out.append("\"serverVersion\":\"").append(SERVER_VERSION).append('"');
    out.append(",\"uptimeSeconds\":").append(uptimeSeconds());
    out.append(",\"totalAccesses\":").append(totalAccesses());
    out.append(",\"totalBytes\":").append(totalBytes());
    out.append(",\"busyWorkers\":").append(busyWorkers());
    out.append(",\"idleWorkers\":").append(idleWorkers());
    out.append(",\"scoreboard\":\"").append(scoreboardLine()).append('"');
    out.append(",\"acceptor\":{\"accepted\":").append(acceptor.accepted());
    out.append(",\"handedOff\":").append(acceptor.handedOff());
    out.append(",\"answered\":{");
    String comma = "";
    for (var e : acceptor.answered().entrySet()) {
      out.append(comma).append('"').append(e.getKey()).append("\":").append(e.getValue());
      comma = ",";
    }
    out.append("}},").append(childArray);
    out.append(",\"groups\":").append(scoreboard.groupsJson());
    out.append(",\"hosts\":").append(hosts.json()).append("}\n");
    return out.toString();
  }

  /** The HTML page, as mod_status's in spirit: a summary, the acceptor, one row per child. */
  public String html() {
    StringBuilder out = new StringBuilder();
    out.append("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<html><head>\n");
    out.append("<title>Perchild Status for ").append(escape(serverName)).append("</title>\n");
    out.append("</head><body>\n<h1>Perchild Server Status for ").append(escape(serverName));
    out.append("</h1>\n<dl><dt>Server Version: ").append(SERVER_VERSION).append("</dt>\n");
    out.append("<dt>Current Time: ").append(now.truncatedTo(ChronoUnit.SECONDS)).append("</dt>\n");
    out.append("<dt>Restart Time: ")
        .append(scoreboard.serverStartedAt().truncatedTo(ChronoUnit.SECONDS))
        .append("</dt>\n");
    out.append("<dt>Server uptime: ").append(humanUptime(uptimeSeconds())).append("</dt>\n");
    out.append("<dt>Total accesses: ").append(totalAccesses());
    out.append(" - Total Traffic: ").append(totalBytes() / 1024).append(" kB</dt>\n");
    out.append("<dt>").append(busyWorkers()).append(" requests currently being processed, ");
    out.append(idleWorkers()).append(" idle workers</dt>\n");
    out.append("<dt>Acceptor: ").append(acceptor.accepted()).append(" accepted, ");
    out.append(acceptor.handedOff()).append(" handed off, answered by itself: ");
    out.append(acceptor.answered().isEmpty() ? "none" : acceptor.answered().toString());
    out.append("</dt>\n</dl>\n<pre>").append(scoreboardLine()).append("</pre>\n");
    out.append("<p>Scoreboard Key:<br>\n\"<b><code>_</code></b>\" Waiting for Connection, ");
    out.append("\"<b><code>W</code></b>\" Busy, \"<b><code>.</code></b>\" Open slot</p>\n");
    out.append("<table border=\"0\"><tr><th>Slot</th><th>PID</th><th>User/Group</th>");
    out.append("<th>Gen</th><th>State</th><th>Busy</th><th>Idle</th><th>Threads</th>");
    out.append("<th>Queued</th><th>Conns</th><th>Requests</th><th>kB</th></tr>\n");
    for (Scoreboard.Child c : scoreboard.children()) {
      LoadReport l = c.load();
      out.append("<tr><td>").append(c.slot()).append("</td><td>").append(c.pid());
      out.append("</td><td>").append(escape(c.user() + "/" + c.group()));
      out.append("</td><td>").append(c.generation()).append("</td><td>").append(c.state());
      out.append("</td><td>").append(l.busy()).append("</td><td>").append(l.idle());
      out.append("</td><td>").append(l.total()).append("</td><td>").append(l.queued());
      out.append("</td><td>").append(l.connections()).append("</td><td>").append(l.requests());
      out.append("</td><td>").append(l.bytes() / 1024).append("</td></tr>\n");
    }
    out.append("</table>\n");
    groupTable(out);
    hostTable(out);
    out.append("</body></html>\n");
    return out.toString();
  }

  /**
   * The child groups' rows: range, processes, READY ones and the state ({@code perchild status}'s).
   */
  private void groupTable(StringBuilder out) {
    out.append("<h2>Child groups</h2>\n<table border=\"0\"><tr><th>User/Group</th>");
    out.append("<th>Children</th><th>Alive</th><th>Ready</th><th>State</th></tr>\n");
    for (Scoreboard.Group g : scoreboard.groups()) {
      out.append("<tr><td>").append(escape(g.user() + "/" + g.group()));
      out.append("</td><td>").append(g.range()).append("</td><td>").append(g.children());
      out.append("</td><td>").append(g.ready()).append("</td><td>");
      out.append(g.state().replace('_', ' ')).append("</td></tr>\n");
    }
    out.append("</table>\n");
  }

  /** The virtual hosts' rows: requests, traffic, responses by class, HTTP versions, TLS. */
  private void hostTable(StringBuilder out) {
    out.append("<h2>Virtual hosts</h2>\n<table border=\"0\"><tr><th>Host</th><th>Requests</th>");
    out.append("<th>kB</th><th>1xx</th><th>2xx</th><th>3xx</th><th>4xx</th><th>5xx</th>");
    for (String version : HostTable.HTTP_VERSIONS) {
      out.append("<th>").append(version).append("</th>");
    }
    for (String version : HostTable.TLS_VERSIONS) {
      out.append("<th>").append(version.equals("other") ? "TLS other" : version).append("</th>");
    }
    out.append("<th>TLS failed</th></tr>\n");
    for (HostTable.Host host : hosts.hosts()) {
      out.append("<tr><td>").append(escape(host.name())).append("</td><td>");
      out.append(host.requests()).append("</td><td>").append(host.bytes() / 1024);
      for (long n : host.byClass()) {
        out.append("</td><td>").append(n);
      }
      for (long n : host.byProtocol()) {
        out.append("</td><td>").append(n);
      }
      for (long n : host.handshakes()) {
        out.append("</td><td>").append(n);
      }
      out.append("</td><td>").append(host.handshakesFailed()).append("</td></tr>\n");
    }
    out.append("</table>\n");
  }

  private java.util.stream.Stream<Scoreboard.Child> live() {
    return scoreboard.children().stream().filter(c -> c.state() != Scoreboard.State.GONE);
  }

  private static void line(StringBuilder out, String key, String value) {
    out.append(key).append(": ").append(value).append('\n');
  }

  private static String decimal(double value) {
    return String.format(Locale.ROOT, "%.3f", value);
  }

  static String humanUptime(long seconds) {
    long days = seconds / 86400;
    long hours = seconds % 86400 / 3600;
    long minutes = seconds % 3600 / 60;
    long secs = seconds % 60;
    StringBuilder out = new StringBuilder();
    if (days > 0) {
      out.append(days).append(days == 1 ? " day " : " days ");
    }
    if (hours > 0) {
      out.append(hours).append(hours == 1 ? " hour " : " hours ");
    }
    if (minutes > 0) {
      out.append(minutes).append(minutes == 1 ? " minute " : " minutes ");
    }
    out.append(secs).append(secs == 1 ? " second" : " seconds");
    return out.toString();
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
