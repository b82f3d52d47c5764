package org.perchild.container.logging;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.perchild.config.LogFormatString;

/**
 * An httpd {@code LogFormat} compiled once and rendered per request, byte for byte as
 * mod_log_config writes it: {@code -} for a value that is absent (a header not sent, {@code %b} of
 * an empty body, {@code %u} without a user), {@code %t} as {@code [10/Oct/2000:13:55:36 -0700]} in
 * the server's zone, and httpd's escaping ({@code ap_escape_logitem}) of every value taken from the
 * request or response: {@code \"}, {@code \\}, {@code \n}-style escapes for control characters, and
 * {@code \xhh} for every other byte outside printable ASCII. {@link VirtualHostRequestLog} holds
 * one per {@code CustomLog}.
 *
 * <p>The syntax is {@link LogFormatString}'s, so a format that {@code configtest} accepted always
 * compiles here.
 */
public final class AccessLogFormat {

  private static final DateTimeFormatter CLF_TIME =
      DateTimeFormatter.ofPattern("'['dd/MMM/yyyy:HH:mm:ss Z']'", Locale.US);

  private final String format;
  private final List<LogFormatString.Item> items;
  private final DateTimeFormatter time;

  private AccessLogFormat(String format, ZoneId zone) {
    this.format = format;
    this.items = LogFormatString.parse(format);
    this.time = CLF_TIME.withZone(zone);
  }

  /** Compiles {@code format} with {@code %t} in the server's time zone. */
  public static AccessLogFormat compile(String format) {
    return new AccessLogFormat(format, ZoneId.systemDefault());
  }

  /** Compiles {@code format} with {@code %t} in {@code zone} (tests pin one). */
  public static AccessLogFormat compile(String format, ZoneId zone) {
    return new AccessLogFormat(format, zone);
  }

  /** The format string this was compiled from. */
  public String format() {
    return format;
  }

  /** The log line for {@code entry}, without its line end. */
  public String render(AccessLogEntry entry) {
    StringBuilder line = new StringBuilder(128);
    for (LogFormatString.Item item : items) {
      if (item.isLiteral()) {
        line.append(item.literal());
      } else if (!item.appliesTo(entry.status())) {
        line.append('-');
      } else {
        String value = value(item, entry);
        line.append(value == null ? "-" : value);
      }
    }
    return line.toString();
  }

  /** One directive's value, escaped where httpd escapes it; null where httpd writes {@code -}. */
  private String value(LogFormatString.Item item, AccessLogEntry e) {
    String arg = item.argument();
    return switch (item.letter()) {
      // %{c}a is mod_remoteip's: the connection's peer, the proxy behind a PROXY header.
      case 'a' -> address("c".equals(arg) ? e.peerAddress() : e.remoteAddress());
      case 'h' -> address(e.remoteAddress());
      case 'A' -> address(e.localAddress());
      case 'l' -> null; // no identd lookups, as httpd without IdentityCheck
      case 'u' -> remoteUser(e.remoteUser());
      case 't' -> time.format(e.start());
      case 'r' -> escape(e.requestLine());
      case 's' -> Integer.toString(e.status());
      case 'b' -> e.bodyBytes() == 0 ? null : Long.toString(e.bodyBytes());
      case 'B' -> Long.toString(e.bodyBytes());
      case 'i' -> escape(requestHeader(e, arg));
      case 'o' -> escape(responseHeader(e, arg));
      case 'D' -> Long.toString(TimeUnit.NANOSECONDS.toMicros(e.duration().toNanos()));
      case 'T' -> duration(e, arg);
      case 'v' -> escape(e.serverName());
      case 'V' -> escape(e.requestHost() != null ? e.requestHost() : e.serverName());
      case 'p' ->
          "remote".equals(arg) ? Integer.toString(e.remotePort()) : Integer.toString(e.localPort());
      case 'U' -> escape(e.path());
      case 'q' -> e.query() == null ? "" : "?" + escape(e.query());
      case 'm' -> escape(e.method());
      case 'H' -> escape(e.protocol());
      default -> throw new IllegalStateException("directive %" + item.letter() + " not rendered");
    };
  }

  /** httpd: no user is {@code -}, an empty user name is {@code ""}. */
  private static String remoteUser(String user) {
    if (user == null) {
      return null;
    }
    return user.isEmpty() ? "\"\"" : escape(user);
  }

  private static String duration(AccessLogEntry e, String unit) {
    long nanos = e.duration().toNanos();
    if ("ms".equals(unit)) {
      return Long.toString(TimeUnit.NANOSECONDS.toMillis(nanos));
    }
    if ("us".equals(unit)) {
      return Long.toString(TimeUnit.NANOSECONDS.toMicros(nanos));
    }
    return Long.toString(TimeUnit.NANOSECONDS.toSeconds(nanos));
  }

  /** httpd merges a request header received more than once with {@code ", "}. */
  private static String requestHeader(AccessLogEntry e, String name) {
    List<String> values = e.requestHeaders().get(name);
    return values == null || values.isEmpty() ? null : String.join(", ", values);
  }

  /**
   * httpd's {@code log_header_out}: {@code Content-Type} without its parameters, every {@code
   * Set-Cookie} joined, any other header its first value.
   */
  private static String responseHeader(AccessLogEntry e, String name) {
    List<String> values = e.responseHeaders().get(name);
    if (values == null || values.isEmpty()) {
      return null;
    }
    if (name.equalsIgnoreCase("Content-Type")) {
      String type = values.get(0);
      int semicolon = type.indexOf(';');
      return (semicolon < 0 ? type : type.substring(0, semicolon)).stripTrailing();
    }
    if (name.equalsIgnoreCase("Set-Cookie")) {
      return String.join(", ", values);
    }
    return values.get(0);
  }

  /** An address as httpd prints it: IPv4 dotted, IPv6 compressed ({@code ::1}), no scope. */
  static String address(InetAddress address) {
    if (address == null) {
      return null;
    }
    if (!(address instanceof Inet6Address)) {
      return address.getHostAddress();
    }
    byte[] b = address.getAddress();
    int[] words = new int[8];
    for (int i = 0; i < 8; i++) {
      words[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
    }
    // The longest run of two or more zero words becomes "::", as inet_ntop writes it.
    int bestStart = -1;
    int bestLength = 0;
    for (int i = 0; i < 8; ) {
      if (words[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && words[j] == 0) {
        j++;
      }
      if (j - i > bestLength && j - i >= 2) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j;
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        text.append("::");
        i += bestLength - 1;
        continue;
      }
      if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
        text.append(':');
      }
      text.append(Integer.toHexString(words[i]));
    }
    return text.toString();
  }

  /**
   * httpd's {@code ap_escape_logitem}, on the value's bytes (ISO-8859-1 as Jetty reads a head;
   * UTF-8 for any character beyond it): a log line never carries a raw control byte, quote or
   * non-ASCII byte that could forge or garble a line.
   */
  static String escape(String value) {
    if (value == null) {
      return null;
    }
    boolean plain = true;
    for (int i = 0; i < value.length() && plain; i++) {
      char c = value.charAt(i);
      plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    }
    if (plain) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length() + 16);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c <= 0xff) {
        escapeByte(out, c);
      } else {
        int end = Character.isHighSurrogate(c) && i + 1 < value.length() ? i + 2 : i + 1;
        for (byte b : value.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
          escapeByte(out, b & 0xff);
        }
        i = end - 1;
      }
    }
    return out.toString();
  }

  private static void escapeByte(StringBuilder out, int c) {
    switch (c) {
      case '\b' -> out.append("\\b");
      case '\n' -> out.append("\\n");
      case '\r' -> out.append("\\r");
      case '\t' -> out.append("\\t");
      case 0x0b -> out.append("\\v");
      case '\\' -> out.append("\\\\");
      case '"' -> out.append("\\\"");
      default -> {
        if (c >= 0x20 && c < 0x7f) {
          out.append((char) c);
        } else {
          out.append("\\x")
              .append(Character.forDigit(c >> 4, 16))
              .append(Character.forDigit(c & 15, 16));
        }
      }
    }
  }
}
