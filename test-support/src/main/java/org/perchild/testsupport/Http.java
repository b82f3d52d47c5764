package org.perchild.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The tests' one HTTP helper. {@link #get} writes the request bytes itself on a new connection (so
 * a test controls every byte, {@code Host} included, and the body ends with the connection); {@link
 * #curl} asks the real curl, as a client of the server would.
 */
public final class Http {

  private static final int TIMEOUT_MILLIS = 20_000;

  private Http() {}

  /**
   * A response: its status, its header fields (names lower-cased) and its body.
   *
   * @param statusLine the first line, e.g. {@code HTTP/1.1 200 OK}
   */
  public record Reply(String statusLine, int statusCode, Map<String, String> fields, String body) {
    /** A field's value, or null. */
    public String field(String name) {
      return fields.get(name.toLowerCase(Locale.ROOT));
    }

    /** A field's value; fails the test if the response has no such field. */
    public String header(String name) {
      String value = field(name);
      if (value == null) {
        throw new AssertionError("no " + name + " in " + fields);
      }
      return value;
    }
  }

  /**
   * {@code GET path} for {@code host} as HTTP/1.0 on a new connection to 127.0.0.1 (never chunked,
   * the body ends with the connection), with extra header lines.
   */
  public static Reply get(int port, String host, String path, String... headers)
      throws IOException {
    return exchange(port, "GET", path, "HTTP/1.0", host, headers);
  }

  /**
   * One request on a new connection to 127.0.0.1, read to the end of the connection: {@code method
   * target version}, {@code Host}, the extra header lines (an HTTP/1.1 request should name {@code
   * Connection: close}).
   */
  public static Reply exchange(
      int port, String method, String target, String version, String host, String... headers)
      throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      StringBuilder head =
          new StringBuilder(method + " " + target + " " + version + "\r\nHost: " + host + "\r\n");
      for (String header : headers) {
        head.append(header).append("\r\n");
      }
      socket
          .getOutputStream()
          .write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      return parse(new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
    }
  }

  /**
   * Writes {@code request} (every byte of it, as the test wrote it) on a new connection to
   * 127.0.0.1 and returns all that comes back until the server closes.
   */
  public static String raw(int port, String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  /** A whole response as read from the connection. */
  public static Reply parse(String response) throws IOException {
    int end = response.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new IOException("no complete head: " + response);
    }
    List<String> lines = List.of(response.substring(0, end).split("\r\n"));
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      int colon = line.indexOf(':');
      fields.put(
          line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    String[] status = lines.get(0).split(" ");
    if (status.length < 2) {
      throw new IOException("not a status line: " + lines.get(0));
    }
    return new Reply(
        lines.get(0), Integer.parseInt(status[1]), fields, response.substring(end + 4));
  }

  /**
   * curl {@code http://address:port path} with {@code Host: host} and these curl options (e.g.
   * {@code -o /dev/null -w %{http_code}}); fails the test unless curl exits 0; returns its output.
   *
   * @param address {@code 127.0.0.1}, {@code [::1]}, …
   */
  public static String curl(String address, int port, String host, String path, String... options)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-H", "Host: " + host));
    command.addAll(List.of(options));
    command.add("http://" + address + ":" + port + path);
    return Commands.run(command.toArray(String[]::new));
  }

  /** {@link #curl(String, int, String, String, String...)} to 127.0.0.1. */
  public static String curl(int port, String host, String path, String... options)
      throws IOException, InterruptedException {
    return curl("127.0.0.1", port, host, path, options);
  }
}
