package org.perchild.protocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scoreboard's rows per virtual host: requests, bytes, and responses by class (1xx to 5xx),
 * summed over the children that serve each host. Children report them in {@code HOSTS} messages
 * (counts since each child started, so a replaced child's counts leave the sums with it); {@code
 * perchild status} prints them below the children.
 */
public final class HostTable {

  /** One host's counts. */
  public record Host(String name, long requests, long bytes, long[] byClass) {}

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
   * Reads the entries {@code name:requests:bytes:1xx:2xx:3xx:4xx:5xx} from {@code words[from]} on;
   * the counts of each are in that order, 7 of them.
   *
   * @throws IllegalArgumentException if one is not such an entry
   */
  public static Map<String, long[]> parseEntries(String[] words, int from) {
    Map<String, long[]> hosts = new LinkedHashMap<>();
    for (int i = from; i < words.length; i++) {
      String[] fields = words[i].split(":");
      if (fields.length != 8 || fields[0].isEmpty()) {
        throw new IllegalArgumentException("bad entry '" + words[i] + "'");
      }
      long[] counts = new long[7];
      for (int f = 0; f < 7; f++) {
        counts[f] = Long.parseLong(fields[f + 1]);
        if (counts[f] < 0) {
          throw new IllegalArgumentException("negative count in '" + words[i] + "'");
        }
      }
      hosts.put(fields[0], counts);
    }
    return hosts;
  }

  /** One entry as {@link #parseEntries} reads it: {@code name:requests:bytes:1xx:...:5xx}. */
  public static String entry(String name, long[] counts) {
    if (counts.length != 7) {
      throw new IllegalArgumentException(name + ": 7 counts expected, not " + counts.length);
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
      long[] sum = sums.computeIfAbsent(entry.getKey(), k -> new long[7]);
      for (int i = 0; i < 7; i++) {
        sum[i] += entry.getValue()[i];
      }
    }
  }

  /** The rows, in the order the hosts were first reported. */
  public List<Host> hosts() {
    List<Host> hosts = new ArrayList<>();
    for (Map.Entry<String, long[]> entry : sums.entrySet()) {
      long[] s = entry.getValue();
      hosts.add(new Host(entry.getKey(), s[0], s[1], new long[] {s[2], s[3], s[4], s[5], s[6]}));
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
      out.append("}}");
      comma = ",";
    }
    return out.append(']').toString();
  }
}
