package org.perchild.webapps.welcome;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The demo's page at {@code /}: which virtual host, which Unix user (uid, gid and the account's
 * name, if it has one) and which process (pid, when its JVM started) serve the request, with links
 * to the demo's other virtual hosts on the port the request came to and to {@code /whoami/}. The
 * distribution deploys it as the {@code ROOT.war} of each demo virtual host, so that a newcomer who
 * runs {@code bin/start.sh} sees the process model at work; {@code DemoIT} reads its {@code id}
 * attributes. The demo hosts are the {@code demoHosts} context parameter of {@code web.xml}.
 */
public class WelcomeServlet extends HttpServlet {

  private static final Path PROC_STATUS = Path.of("/proc/self/status");
  private static final Path PASSWD = Path.of("/etc/passwd");

  private List<String> demoHosts;
  private String uid;
  private String gid;
  private String userName;
  private long pid;
  private String startedAt;

  /**
   * Reads who this process is once: a child drops root before it loads any web application and can
   * never change its ids afterwards, so they hold for the servlet's life.
   */
  @Override
  public void init() throws ServletException {
    String hosts = getServletContext().getInitParameter("demoHosts");
    demoHosts = hosts == null || hosts.isBlank() ? List.of() : List.of(hosts.trim().split("\\s+"));
    try {
      for (String line : Files.readAllLines(PROC_STATUS)) {
        // "Uid:\t<real>\t<effective>\t<saved>\t<filesystem>": the real one.
        if (line.startsWith("Uid:")) {
          uid = firstField(line);
        } else if (line.startsWith("Gid:")) {
          gid = firstField(line);
        }
      }
    } catch (IOException e) {
      throw new ServletException("cannot read " + PROC_STATUS + ": " + e.getMessage(), e);
    }
    userName = uid == null ? null : userName(uid);
    pid = ProcessHandle.current().pid();
    startedAt =
        Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime())
            .truncatedTo(ChronoUnit.SECONDS)
            .toString();
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String vhost = request.getServerName();
    StringBuilder html = new StringBuilder(2048);
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<title>Perchild: ")
        .append(escape(vhost))
        .append("</title>\n")
        .append("<style>body{font-family:sans-serif;max-width:42em;margin:2em auto;")
        .append("padding:0 1em;line-height:1.5}th{text-align:left;padding-right:1em}</style>\n")
        .append("</head>\n<body>\n<h1>Welcome to Perchild</h1>\n")
        .append("<p>This page is the <code>ROOT.war</code> of the virtual host <strong>")
        .append(escape(vhost))
        .append("</strong>, served by a child process that runs as this host's Unix user and")
        .append(" serves no other user's hosts:</p>\n")
        .append("<table>\n")
        .append("<tr><th>Virtual host</th><td id=\"vhost\">")
        .append(escape(vhost))
        .append("</td></tr>\n")
        .append("<tr><th>Unix user</th><td>uid <span id=\"uid\">")
        .append(escape(uid))
        .append("</span> (<span id=\"user\">")
        .append(userName == null ? "no account name" : escape(userName))
        .append("</span>), gid <span id=\"gid\">")
        .append(escape(gid))
        .append("</span></td></tr>\n")
        .append("<tr><th>Process</th><td>pid <span id=\"pid\">")
        .append(pid)
        .append("</span>, its JVM started <span id=\"started\">")
        .append(escape(startedAt))
        .append("</span></td></tr>\n</table>\n");
    if (!demoHosts.isEmpty()) {
      html.append("<h2>The demo's virtual hosts</h2>\n<ul>\n");
      for (String host : demoHosts) {
        String url = url(request.getScheme(), host, linkPort(request));
        html.append("<li><a href=\"")
            .append(escape(url))
            .append("\">")
            .append(escape(url))
            .append("</a>")
            .append(host.equalsIgnoreCase(vhost) ? " (this one)" : "")
            .append("</li>\n");
      }
      html.append("</ul>\n<p>Each tenant's hosts are served by that tenant's own children:")
          .append(" open them in turn and compare the uid and the pid.</p>\n");
    }
    html.append("<p><a href=\"/whoami/\">/whoami/</a> tells the same as JSON, with the")
        .append(" process's groups and capabilities.</p>\n</body>\n</html>\n");
    response.setContentType("text/html");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    // Another child of the same tenant may serve the next request: never show a cached one.
    response.setHeader("Cache-Control", "no-store");
    response.getWriter().write(html.toString());
  }

  /**
   * The port the client asked for: the one in its {@code Host} header, so that links still work
   * through a port forward; without one there (an HTTP/1.0 client), the port the connection came
   * to, not the scheme's default.
   */
  static int linkPort(HttpServletRequest request) {
    String host = request.getHeader("Host");
    boolean hasPort = host != null && host.lastIndexOf(':') > host.lastIndexOf(']');
    return hasPort ? request.getServerPort() : request.getLocalPort();
  }

  /** {@code scheme://host:port/}, without the port when it is the scheme's own. */
  static String url(String scheme, String host, int port) {
    boolean defaultPort =
        port <= 0
            || ("http".equalsIgnoreCase(scheme) && port == 80)
            || ("https".equalsIgnoreCase(scheme) && port == 443);
    return scheme + "://" + host + (defaultPort ? "" : ":" + port) + "/";
  }

  /**
   * The account name of {@code uid}: from {@code /etc/passwd}, else from {@code id -nu} (which also
   * asks NSS: LDAP and the like); {@code null} when it has none, as the demo's numeric tenants.
   */
  private static String userName(String uid) {
    try {
      for (String line : Files.readAllLines(PASSWD)) {
        String[] fields = line.split(":", -1);
        if (fields.length > 2 && fields[2].equals(uid)) {
          return fields[0];
        }
      }
    } catch (IOException e) {
      // No readable /etc/passwd: id may still know the name.
    }
    try {
      Process id =
          new ProcessBuilder("id", "-nu", uid)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      // A name fits in the pipe's buffer: wait first, so that a hung NSS lookup cannot hang init.
      if (!id.waitFor(5, TimeUnit.SECONDS)) {
        id.destroyForcibly();
        return null;
      }
      try (InputStream stdout = id.getInputStream()) {
        String out = new String(stdout.readAllBytes(), StandardCharsets.UTF_8).trim();
        return id.exitValue() == 0 && !out.isEmpty() ? out : null;
      }
    } catch (IOException e) {
      // No id on this system: the page shows the uid alone.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return null;
  }

  private static String firstField(String line) {
    return line.substring(line.indexOf(':') + 1).trim().split("\\s+")[0];
  }

  /** Text made safe for HTML content and attribute values. */
  static String escape(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
