package org.perchild.webapps.whoami;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers, as JSON, who serves this request: the virtual host, the process, its user and groups,
 * its capabilities and its thread count, all read from {@code /proc/self/status}; for a POST, also
 * the SHA-256 and length of the request body. Deployed in the demo configuration and used by the
 * process tests to see which child served a connection. Mapped in {@code web.xml} rather than by
 * annotation, so that it needs no annotation scanning.
 */
public class WhoAmIServlet extends HttpServlet {

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    StringBuilder json = new StringBuilder(256).append('{');
    answer(request, response, json);
  }

  /**
   * Reads the whole request body as it streams in and adds its SHA-256 and length to the answer, so
   * that a client can check that an upload reached the webapp byte for byte (the acceptor hands the
   * connection over with the bytes it already read, part of the body included).
   */
  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    long bytes = 0;
    byte[] buffer = new byte[64 * 1024];
    try (InputStream body = request.getInputStream()) {
      for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
        sha256.update(buffer, 0, n);
        bytes += n;
      }
    }
    StringBuilder json = new StringBuilder(384).append('{');
    field(json, "sha256", quote(HexFormat.of().formatHex(sha256.digest())));
    field(json, "bytes", Long.toString(bytes));
    answer(request, response, json);
  }

  private static void answer(
      HttpServletRequest request, HttpServletResponse response, StringBuilder json)
      throws IOException {
    Map<String, String> status = readStatus();
    field(json, "vhost", quote(request.getServerName()));
    field(json, "pid", Long.toString(ProcessHandle.current().pid()));
    field(json, "uid", firstWord(status.get("Uid")));
    field(json, "gid", firstWord(status.get("Gid")));
    field(json, "groups", "[" + String.join(",", words(status.get("Groups"))) + "]");
    field(json, "capEff", quote(status.getOrDefault("CapEff", "")));
    field(json, "capPrm", quote(status.getOrDefault("CapPrm", "")));
    field(json, "noNewPrivs", status.getOrDefault("NoNewPrivs", "null"));
    field(json, "threads", status.getOrDefault("Threads", "null"));
    field(json, "remoteAddr", quote(request.getRemoteAddr()));
    field(json, "remotePort", Integer.toString(request.getRemotePort()));
    field(json, "localAddr", quote(request.getLocalAddr()));
    field(json, "localPort", Integer.toString(request.getLocalPort()));
    field(json, "secure", Boolean.toString(request.isSecure()));
    field(json, "scheme", quote(request.getScheme()));
    field(json, "protocol", quote(request.getProtocol()));
    json.setLength(json.length() - 1);
    json.append("}\n");
    response.setContentType("application/json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.getWriter().write(json.toString());
  }

  private static Map<String, String> readStatus() throws IOException {
    Map<String, String> fields = new LinkedHashMap<>();
    List<String> lines = Files.readAllLines(Path.of("/proc/self/status"));
    for (String line : lines) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return fields;
  }

  private static List<String> words(String value) {
    return value == null || value.isBlank() ? List.of() : List.of(value.trim().split("\\s+"));
  }

  private static String firstWord(String value) {
    List<String> words = words(value);
    return words.isEmpty() ? "null" : words.get(0);
  }

  private static void field(StringBuilder json, String name, String value) {
    json.append('"').append(name).append("\":").append(value).append(',');
  }

  private static String quote(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
    for (char c : value.toCharArray()) {
      if (c == '"' || c == '\\') {
        quoted.append('\\').append(c);
      } else if (c < 0x20) {
        quoted.append(String.format("\\u%04x", (int) c));
      } else {
        quoted.append(c);
      }
    }
    return quoted.append('"').toString();
  }
}
