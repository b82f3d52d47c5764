package org.perchild.config;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code <Location path>} with {@code SetHandler server-status} or {@code SetHandler metrics}:
 * the acceptor answers requests for it by itself (docs/ARCHITECTURE.md: one of the few answers that
 * no child can give), to the clients its {@code Require} lines let in.
 *
 * @param path the URL path, e.g. {@code /server-status}; it also covers what lies below it
 * @param handler what is served there
 * @param require the {@code Require} lines; a client that any of them lets in may read it (httpd's
 *     implicit {@code <RequireAny>}); none lets everyone in, as in httpd
 * @param file where the section is written
 * @param line its line
 */
public record StatusLocation(
    String path, Handler handler, List<AccessRule> require, Path file, int line) {

  /** What {@code SetHandler} names. */
  public enum Handler {
    /** mod_status's page: HTML, {@code ?auto}, {@code ?json}. */
    SERVER_STATUS("server-status"),
    /** The Prometheus text exposition. */
    METRICS("metrics");

    private final String word;

    Handler(String word) {
      this.word = word;
    }

    /** The name {@code SetHandler} uses. */
    public String word() {
      return word;
    }
  }

  public StatusLocation {
    require = List.copyOf(require);
  }

  /** Whether a request for {@code requestPath} (no query) falls under this location. */
  public boolean covers(String requestPath) {
    return requestPath.equals(path)
        || (requestPath.startsWith(path)
            && (path.endsWith("/") || requestPath.charAt(path.length()) == '/'));
  }

  /** Whether {@code client} may read it. */
  public boolean allows(InetAddress client) {
    return require.isEmpty() || require.stream().anyMatch(rule -> rule.allows(client));
  }
}
