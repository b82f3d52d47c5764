package org.perchild.protocol;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scoreboard's rows per virtual host: requests, bytes, responses by class (1xx to 5xx),
 * requests by HTTP version, and TLS handshakes by protocol version and those that failed, summed
 * over the children that serve each host. Children report them in {@code HOSTS} messages (counts
 * since each child started, so a replaced child's counts leave the sums with it); {@code perchild
 * status} prints them below the children, and the launcher passes the sums on to the acceptor in
 * messages of the same form, for {@code /server-status} and {@code /metrics}.
 *
 * <p>An entry is {@code name:} and {@value #COUNTS} counts separated by colons, in the order of the
 * index constants below.
 */
public final class HostTable {

  /** Requests answered (a 421 belongs to no host and is not counted). */
  public static final int REQUESTS = 0;

  /** Bytes of response bodies written. */
  public static final int BYTES = 1;

  /** Responses of class 1xx; 2xx to 5xx follow. */
  public static final int CLASS_1XX = 2;

  /** Requests over HTTP/1.0 (and 0.9); HTTP/1.1 and HTTP/2 follow. */
  public static final int HTTP_1_0 = 7;

  /** TLS handshakes completed with TLSv1.2; TLSv1.3 and any other version follow. */
  public static final int TLS_1_2 = 10;

  /** TLS handshakes that failed. */
  public static final int TLS_FAILED = 13;

  /** How many counts an entry has. */
  public static final int COUNTS = 14;

  /** The HTTP versions of {@link Host#byProtocol}, in order. */
  public static final List<String> HTTP_VERSIONS = List.of("HTTP/1.0", "HTTP/1.1", "HTTP/2");

  /** The TLS versions of {@link Host#handshakes}, in order. */
  public static final List<String> TLS_VERSIONS = List.of("TLSv1.2", "TLSv1.3", "other");

  /**
   * One host's counts.
   *
   * @param byClass responses of class 1xx to 5xx
   * @param byProtocol requests by {@link #HTTP_VERSIONS}
   * @param handshakes TLS handshakes completed, by {@link #TLS_VERSIONS}
   * @param handshakesFailed TLS handshakes that failed
   */
  public record Host(
      String name,
      long requests,
      long bytes,
      long[] byClass,
      long[] byProtocol,
      long[] handshakes,
      long handshakesFailed) {}

  /** The index of the count of a TLS handshake that negotiated {@code protocol}. */
  public static int tlsIndex(String protocol) {
    int known = TLS_VERSIONS.indexOf(protocol);
    return TLS_1_2 + (known < 0 ? 2 : known);
  }

  private final Map<String, long[]> sums = new LinkedHashMap<>();

  /**
   * Reads one child's {@code HOSTS name:requests:bytes:1xx:2xx:3xx:4xx:5xx ...} report.
   *
   * @throws IllegalArgumentException if it is not one
   */
  public static Map<String, long[]> parse(String message) {
    String[] words = message.trim().split(" ");
    if (!words[0].equals("HOSTS")) {
      throw new IllegalArgumentException("not a HOSTS report");
    }
    return parseEntries(words, 1);
  }

  /**
   * Reads the entries {@code name:count:...} from {@code words[from]} on, {@value #COUNTS} counts
   * each.
   *
   * @throws IllegalArgumentException if one is not such an entry
   */
  public static Map<String, long[]> parseEntries(String[] words, int from) {
    Map<String, long[]> hosts = new LinkedHashMap<>();
    for (int i = from; i < words.length; i++) {
      String[] fields = words[i].split(":");
      if (fields.length != COUNTS + 1 || fields[0].isEmpty()) {
        throw new IllegalArgumentException("bad entry '" + words[i] + "'");
      }
      long[] counts = new long[COUNTS];
      for (int f = 0; f < COUNTS; f++) {
        counts[f] = Long.parseLong(fields[f + 1]);
        if (counts[f] < 0) {
          throw new IllegalArgumentException("negative count in '" + words[i] + "'");
        }
      }
      hosts.put(fields[0], counts);
    }
    return hosts;
  }

  /** One entry as {@link #parseEntries} reads it: {@code name:requests:bytes:1xx:...}. */
  public static String entry(String name, long[] counts) {
    if (counts.length != COUNTS) {
      throw new IllegalArgumentException(
          name + ": " + COUNTS + " counts expected, not " + counts.length);
    }
    StringBuilder entry = new StringBuilder(name);
    for (long count : counts) {
      entry.append(':').append(count);
    }
    return entry.toString();
  }

  /** Adds one child's latest report to the sums. */
  public void add(Map<String, long[]> report) {
    for (Map.Entry<String, long[]> entry : report.entrySet()) {
      long[] sum = sums.computeIfAbsent(entry.getKey(), k -> new long[COUNTS]);
      for (int i = 0; i < COUNTS; i++) {
        sum[i] += entry.getValue()[i];
      }
    }
  }

  /** The sums, as entries of a {@code HOSTS} message carry them. */
  public Map<String, long[]> sums() {
    Map<String, long[]> copy = new LinkedHashMap<>();
    sums.forEach((name, counts) -> copy.put(name, counts.clone()));
    return copy;
  }

  /** The rows, in the order the hosts were first reported. */
  public List<Host> hosts() {
    List<Host> hosts = new ArrayList<>();
    for (Map.Entry<String, long[]> entry : sums.entrySet()) {
      long[] s = entry.getValue();
      hosts.add(
          new Host(
              entry.getKey(),
              s[REQUESTS],
              s[BYTES],
              Arrays.copyOfRange(s, CLASS_1XX, CLASS_1XX + 5),
              Arrays.copyOfRange(s, HTTP_1_0, HTTP_1_0 + HTTP_VERSIONS.size()),
              Arrays.copyOfRange(s, TLS_1_2, TLS_1_2 + TLS_VERSIONS.size()),
              s[TLS_FAILED]));
    }
    return hosts;
  }

  /** The rows for an operator's terminal. */
  public String text() {
    StringBuilder out = new StringBuilder("Virtual hosts:\n");
    out.append(
        String.format(
            "%-32s %10s %14s %8s %8s %8s %8s %8s%n",
            "Host", "Requests", "Bytes", "1xx", "2xx", "3xx", "4xx", "5xx"));
    for (Host host : hosts()) {
      out.append(
          String.format(
              "%-32s %10d %14d %8d %8d %8d %8d %8d%n",
              host.name(),
              host.requests(),
              host.bytes(),
              host.byClass()[0],
              host.byClass()[1],
              host.byClass()[2],
              host.byClass()[3],
              host.byClass()[4]));
    }
    out.append("Virtual hosts by protocol:\n");
    out.append(
        String.format(
            "%-32s %10s %10s %10s %10s %10s %10s %10s%n",
            "Host",
            "HTTP/1.0",
            "HTTP/1.1",
            "HTTP/2",
            "TLSv1.2",
            "TLSv1.3",
            "TLS other",
            "TLS failed"));
    for (Host host : hosts()) {
      out.append(
          String.format(
              "%-32s %10d %10d %10d %10d %10d %10d %10d%n",
              host.name(),
              host.byProtocol()[0],
              host.byProtocol()[1],
              host.byProtocol()[2],
              host.handshakes()[0],
              host.handshakes()[1],
              host.handshakes()[2],
              host.handshakesFailed()));
    }
    return out.toString();
  }

  /** The rows as a JSON array. */
  public String json() {
    StringBuilder out = new StringBuilder("[");
    String comma = "";
    for (Host host : hosts()) {
      out.append(comma)
          .append("{\"name\":\"")
          .append(host.name().replace("\\", "\\\\").replace("\"", "\\\""))
          .append("\",\"requests\":")
          .append(host.requests())
          .append(",\"bytes\":")
          .append(host.bytes())
          .append(",\"responses\":{");
      for (int c = 0; c < 5; c++) {
        out.append(c == 0 ? "" : ",")
            .append('"')
            .append(c + 1)
            .append("xx\":")
            .append(host.byClass()[c]);
      }
      out.append("},\"protocols\":{");
      for (int p = 0; p < HTTP_VERSIONS.size(); p++) {
        out.append(p == 0 ? "" : ",")
            .append('"')
            .append(HTTP_VERSIONS.get(p))
            .append("\":")
            .append(host.byProtocol()[p]);
      }
      out.append("},\"tlsHandshakes\":{");
      for (int t = 0; t < TLS_VERSIONS.size(); t++) {
        out.append('"')
            .append(TLS_VERSIONS.get(t))
            .append("\":")
            .append(host.handshakes()[t])
            .append(',');
      }
      out.append("\"failed\":").append(host.handshakesFailed()).append("}}");
      comma = ",";
    }
    return out.append(']').toString();
  }
}
