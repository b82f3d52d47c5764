package org.perchild.acceptor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The complete raw HTTP/1.1 responses the acceptor writes by itself before it closes a connection
 * that no child will get: a head it cannot route ({@link RequestHeadReader.Rejected}), a head that
 * did not arrive in time (408), or a group with no child ready (503). Called by the acceptor's
 * selector loop; the bytes go straight to the socket.
 *
 * <p>Each response looks like httpd's own error page: the reason phrase of httpd 2.4, {@code
 * Connection: close}, a small HTML 2.0 body in ISO-8859-1, and no byte that the client sent (the
 * page does not quote the request, so a hostile head cannot be reflected).
 */
public final class AcceptorResponses {

  /** The statuses the acceptor answers itself, with httpd's reason phrases and texts. */
  public enum Status {
    BAD_REQUEST(
        400,
        "Bad Request",
        "<p>Your browser sent a request that this server could not understand.<br />\n</p>\n"),
    FORBIDDEN(403, "Forbidden", "<p>You don't have permission to access this resource.</p>\n"),
    REQUEST_TIMEOUT(
        408,
        "Request Timeout",
        "<p>Server timeout waiting for the HTTP request from the client.</p>\n"),
    REQUEST_URI_TOO_LONG(
        414,
        "Request-URI Too Long",
        "<p>The requested URL's length exceeds the capacity\nlimit for this server.<br />\n</p>\n"),
    /** For a connection whose host no vhost of this listener serves, should one be refused. */
    MISDIRECTED_REQUEST(
        421,
        "Misdirected Request",
        "<p>The client needs a new connection for this\n"
            + "request as the requested host name does not match\n"
            + "the Server Name Indication (SNI) in use for this\n"
            + "connection.</p>\n"),
    REQUEST_HEADER_FIELDS_TOO_LARGE(
        431,
        "Request Header Fields Too Large",
        "<p>Your browser sent a request whose header fields\n"
            + "exceed the limits of this server.</p>\n"),
    SERVICE_UNAVAILABLE(
        503,
        "Service Unavailable",
        "<p>The server is temporarily unable to service your\n"
            + "request due to maintenance downtime or capacity\n"
            + "problems. Please try again later.</p>\n"),
    HTTP_VERSION_NOT_SUPPORTED(
        505,
        "HTTP Version Not Supported",
        "<p>The server does not support the HTTP version\nused in the request.</p>\n");

    private final int code;
    private final String reason;
    private final String text;

    Status(int code, String reason, String text) {
      this.code = code;
      this.reason = reason;
      this.text = text;
    }

    public int code() {
      return code;
    }

    /** The reason phrase, as httpd 2.4 writes it. */
    public String reason() {
      return reason;
    }

    /** The status with this code; IllegalArgumentException if the acceptor never answers it. */
    public static Status of(int code) {
      for (Status status : values()) {
        if (status.code == code) {
          return status;
        }
      }
      throw new IllegalArgumentException("the acceptor does not answer status " + code);
    }
  }

  // IMF-fixdate (RFC 9110 5.6.7): two-digit day, unlike DateTimeFormatter.RFC_1123_DATE_TIME.
  private static final DateTimeFormatter IMF_FIXDATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
          .withZone(ZoneOffset.UTC);

  private final Clock clock;

  /** Responses dated by the system clock. */
  public AcceptorResponses() {
    this(Clock.systemUTC());
  }

  /** Responses dated by {@code clock} (tests give a fixed one). */
  public AcceptorResponses(Clock clock) {
    this.clock = clock;
  }

  /**
   * The response for a status code, as {@link RequestHeadReader.Rejected#status()} gives it; 503
   * comes without {@code Retry-After}.
   *
   * @throws IllegalArgumentException for a code not in {@link Status}
   */
  public ByteBuffer forStatus(int code) {
    return response(Status.of(code));
  }

  /** The response for {@code status}; a 503 comes without {@code Retry-After}. */
  public ByteBuffer response(Status status) {
    return build(status, -1);
  }

  /** 503 Service Unavailable with {@code Retry-After: retryAfterSeconds}. */
  public ByteBuffer serviceUnavailable(long retryAfterSeconds) {
    if (retryAfterSeconds < 0) {
      throw new IllegalArgumentException("Retry-After must not be negative: " + retryAfterSeconds);
    }
    return build(Status.SERVICE_UNAVAILABLE, retryAfterSeconds);
  }

  /**
   * 200 OK with this body (a status page the acceptor answers itself), never cached; without the
   * body for HEAD.
   */
  public ByteBuffer ok(String contentType, byte[] body, boolean withBody) {
    StringBuilder head = new StringBuilder(256);
    head.append("HTTP/1.1 200 OK\r\n");
    head.append("Date: ").append(IMF_FIXDATE.format(clock.instant())).append("\r\n");
    head.append("Server: Perchild\r\n");
    head.append("Cache-Control: no-cache\r\n");
    head.append("Content-Length: ").append(body.length).append("\r\n");
    head.append("Connection: close\r\n");
    head.append("Content-Type: ").append(contentType).append("\r\n\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer response = ByteBuffer.allocate(headBytes.length + (withBody ? body.length : 0));
    response.put(headBytes);
    if (withBody) {
      response.put(body);
    }
    return response.flip();
  }

  private ByteBuffer build(Status status, long retryAfterSeconds) {
    String title = status.code + " " + status.reason;
    byte[] body =
        ("<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n"
                + "<html><head>\n<title>"
                + title
                + "</title>\n</head><body>\n<h1>"
                + status.reason
                + "</h1>\n"
                + status.text
                + "</body></html>\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    StringBuilder head = new StringBuilder(256);
    head.append("HTTP/1.1 ").append(title).append("\r\n");
    head.append("Date: ").append(IMF_FIXDATE.format(clock.instant())).append("\r\n");
    head.append("Server: Perchild\r\n");
    if (retryAfterSeconds >= 0) {
      head.append("Retry-After: ").append(retryAfterSeconds).append("\r\n");
    }
    head.append("Content-Length: ").append(body.length).append("\r\n");
    head.append("Connection: close\r\n");
    head.append("Content-Type: text/html; charset=iso-8859-1\r\n\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer response = ByteBuffer.allocate(headBytes.length + body.length);
    response.put(headBytes).put(body).flip();
    return response;
  }
}
