package org.perchild.acceptor;

import java.nio.ByteBuffer;
import java.util.Locale;
import org.eclipse.jetty.http.ComplianceUtils;
import org.eclipse.jetty.http.ComplianceViolation;
import org.eclipse.jetty.http.HostPortHttpField;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.util.StringUtil;

/**
 * Reads the head of one HTTP/1.x request, as its bytes arrive, far enough to know the virtual host
 * to route the connection to. The acceptor creates one per plain (non-TLS) connection and calls
 * {@link #read(ByteBuffer)} with each chunk its non-blocking read returns, until the answer is a
 * {@link Head} (hand the connection off) or a {@link Rejected} (write {@link
 * AcceptorResponses#forStatus(int)} and close).
 *
 * <p>The head is parsed by Jetty's own {@link HttpParser}, with the same {@link HttpCompliance} as
 * the children, and the routing host is derived the way Jetty's {@code HttpConnection} derives the
 * request's authority, so acceptor and child agree on every byte of what a request names. httpd's
 * per-line limits ({@link HeadLimits}) are enforced around the parser, which only knows a total.
 *
 * <p><b>Bytes.</b> Each call passes the next bytes of the connection, none twice, from the buffer's
 * position to its limit; the buffer's position is left where it was. The reader keeps no byte: the
 * caller keeps everything it read (the head, and any body bytes that came in the same read) and
 * forwards all of it with the connection. {@link Head#length()} says where the head ends in that
 * stream.
 *
 * <p><b>Which error wins.</b> Bytes are judged in order: the first byte that breaks a rule decides,
 * whatever the chunks (a test checks that one byte per read gives the answer of one read). At one
 * and the same byte a limit of {@link HeadLimits} is checked before the parser sees it; a CR that
 * is not followed by LF is a 400 before either.
 *
 * <ul>
 *   <li>414: the request line holds more than {@code limitRequestLine} bytes (terminator excluded);
 *       decided as soon as it is certain, without waiting for the end of the line.
 *   <li>431: a header field line holds more than {@code limitRequestFieldSize} bytes, or a field
 *       line starts when {@code limitRequestFields} have already been read.
 *   <li>400: more than {@code limitRequestFields} empty lines before the request line (empty lines
 *       before it are skipped, as {@code HttpParser} and httpd do); anything the parser rejects:
 *       bytes that are not HTTP, a request line without a version (HTTP/0.9 simple request; httpd
 *       would serve it, but no child can), a version token that is not {@code HTTP/d.d}, a bad
 *       field, HTTP/1.1 without {@code Host}, two {@code Host} fields, an invalid or blank {@code
 *       Host}, an absolute-form target whose authority does not match {@code Host} (unless the
 *       compliance mode allows it).
 *   <li>505: a well-formed version other than HTTP/1.0 and HTTP/1.1 ({@code HTTP/2.0}, {@code
 *       HTTP/3.1}, {@code HTTP/0.9}).
 * </ul>
 *
 * <pre>
 * NEED_MORE_BYTES --read--> NEED_MORE_BYTES
 *        |--read--> HEAD      (final: later reads answer the same, reading nothing)
 *        `--read--> REJECTED  (final)
 * </pre>
 *
 * <p>Not thread-safe: one connection, one selector thread.
 */
public final class RequestHeadReader {

  /** What the reader knows after a {@link #read(ByteBuffer)}. */
  public sealed interface Outcome permits NeedMoreBytes, Head, Rejected {}

  /** The head is not complete yet: read more from the connection and call again. */
  public record NeedMoreBytes() implements Outcome {}

  /**
   * A complete, valid head.
   *
   * @param method the method as sent ({@code GET})
   * @param target the request target as sent ({@code /a?b}, {@code http://host/a}, {@code *})
   * @param version HTTP/1.0 or HTTP/1.1
   * @param host the host to route by, lower-case, without port or IPv6 brackets; {@code null} when
   *     the request names none (HTTP/1.0 without {@code Host}): route to the default vhost
   * @param length bytes of the connection taken by the head, from its first byte (empty lines
   *     before the request line included) to the end of the empty line that ends it; any further
   *     bytes already read are body or the next request
   */
  public record Head(String method, String target, HttpVersion version, String host, int length)
      implements Outcome {}

  /**
   * A head that no child will get: the acceptor answers {@code status} itself and closes.
   *
   * @param status 400, 414, 431 or 505
   * @param reason why, for the log; it may quote what the client sent
   */
  public record Rejected(int status, String reason) implements Outcome {}

  private static final NeedMoreBytes NEED_MORE_BYTES = new NeedMoreBytes();
  private static final byte CR = '\r';
  private static final byte LF = '\n';

  private final HttpCompliance compliance;
  private final LineLimits lines;
  private final HttpParser parser;
  private int consumed;
  private Outcome outcome = NEED_MORE_BYTES;
  // Set by the handler at the end of the head, whose length is known only when parseNext returns.
  private Head completed;

  /** A reader with Jetty 12's default compliance mode ({@link HttpCompliance#RFC9110}). */
  public RequestHeadReader(HeadLimits limits) {
    this(limits, HttpCompliance.RFC9110);
  }

  /**
   * A reader that parses as strictly as a child whose {@code HttpConfiguration} has {@code
   * compliance}: give both the same, or they will disagree about some requests.
   */
  public RequestHeadReader(HeadLimits limits, HttpCompliance compliance) {
    this.compliance = compliance;
    this.lines = new LineLimits(limits);
    // The per-line limits bound the head below maxHeadBytes, so the parser's own total never
    // decides; it is there as a second fence.
    this.parser = new HttpParser(new Handler(), limits.maxHeadBytes(), compliance);
  }

  /**
   * Reads {@code bytes} from its position to its limit (the position is not moved) and says what is
   * known now. After a {@link Head} or a {@link Rejected}, reads nothing and answers the same.
   */
  public Outcome read(ByteBuffer bytes) {
    if (outcome != NEED_MORE_BYTES) {
      return outcome;
    }
    ByteBuffer view = bytes.duplicate();
    int start = view.position();
    int end = view.limit();
    int stop = lines.scan(view, start, end);
    view.limit(stop);
    while (outcome == NEED_MORE_BYTES && completed == null && view.hasRemaining()) {
      int before = view.position();
      parser.parseNext(view);
      if (outcome == NEED_MORE_BYTES && completed == null && view.position() == before) {
        // HttpParser takes every byte it is given until it reaches an event; if it ever
        // stopped, the bytes left would be lost to it and the head could never complete.
        outcome = new Rejected(HttpStatus.BAD_REQUEST_400, "parser made no progress");
      }
    }
    if (completed != null) {
      int length = consumed + view.position() - start;
      outcome =
          new Head(
              completed.method(),
              completed.target(),
              completed.version(),
              completed.host(),
              length);
    } else if (outcome == NEED_MORE_BYTES) {
      consumed += stop - start;
      if (stop < end) {
        outcome = lines.violation();
      }
    }
    return outcome;
  }

  /** The latest answer of {@link #read(ByteBuffer)}, without reading. */
  public Outcome outcome() {
    return outcome;
  }

  /** Lower-case, without IPv6 brackets (HttpURI keeps them); null for no host. */
  static String routingHost(String host) {
    if (StringUtil.isBlank(host)) {
      return null;
    }
    if (host.length() > 2 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']') {
      host = host.substring(1, host.length() - 1);
    }
    return host.toLowerCase(Locale.ROOT);
  }

  /**
   * Keeps Jetty's 505 for a version that is well formed but not served, and makes everything else
   * that Jetty calls an unknown version (no version at all, {@code FOO/1.1}) the 400 of a bad
   * request line, as httpd does.
   */
  private int statusOf(HttpException failure) {
    int status = failure.getCode();
    if (status == HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505) {
      String version = lines.requestVersionToken();
      boolean wellFormed =
          version != null
              && version.length() == 8
              && version.regionMatches(true, 0, "HTTP/", 0, 5)
              && Character.isDigit(version.charAt(5))
              && version.charAt(6) == '.'
              && Character.isDigit(version.charAt(7));
      return wellFormed ? status : HttpStatus.BAD_REQUEST_400;
    }
    if (status == HttpStatus.URI_TOO_LONG_414
        || status == HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431) {
      return status;
    }
    return HttpStatus.BAD_REQUEST_400;
  }

  /** Receives HttpParser's events; the same steps as the child's {@code HttpConnection}. */
  private final class Handler implements HttpParser.RequestHandler {
    private String method;
    private String target;
    private HttpVersion version;
    private HttpURI.Mutable uri;
    private HostPortHttpField hostField;
    // Only the fields that ComplianceUtils.verify looks at: a bounded copy, not the whole head.
    private final HttpFields.Mutable checkedFields = HttpFields.build();

    @Override
    public void startRequest(String method, String target, HttpVersion version) {
      if (version != HttpVersion.HTTP_1_0 && version != HttpVersion.HTTP_1_1) {
        // HttpParser lets HTTP/2.0 through for h2c prior knowledge ("PRI * HTTP/2.0"), whose
        // preface names no host: nothing to route by, so it ends here, before any header.
        throw new HttpException.RuntimeException(
            HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505, "Unsupported Version " + version);
      }
      this.method = method;
      this.target = target;
      this.version = version;
      // Throws IllegalArgumentException for a target Jetty cannot take; HttpParser makes it a 400.
      this.uri = HttpURI.build(method, target);
    }

    @Override
    public void parsedHeader(HttpField field) {
      HttpHeader header = field.getHeader();
      if (header == HttpHeader.HOST) {
        hostField =
            field instanceof HostPortHttpField hostPort
                ? hostPort
                : new HostPortHttpField(field.getValue() == null ? "" : field.getValue());
        checkedFields.add(hostField);
      } else if (header == HttpHeader.CONTENT_LENGTH || header == HttpHeader.TRANSFER_ENCODING) {
        checkedFields.add(field);
      }
    }

    @Override
    public boolean headerComplete() {
      if (hostField != null
          && uri.isAbsolute()
          && !hostField.getValue().equals(uri.getAuthority())
          && !ComplianceUtils.allows(
              compliance,
              HttpCompliance.Violation.MISMATCHED_AUTHORITY,
              "Authority!=Host",
              ComplianceViolation.Listener.NOOP)) {
        outcome = new Rejected(HttpStatus.BAD_REQUEST_400, "Authority!=Host");
        return true;
      }
      if (hostField != null
          && !uri.isAbsolute()
          && StringUtil.isBlank(hostField.getHostPort().getHost())) {
        outcome = new Rejected(HttpStatus.BAD_REQUEST_400, "Blank Host");
        return true;
      }
      if (!uri.isAbsolute()) {
        uri.scheme(HttpScheme.HTTP);
      }
      if (uri.getAuthority() == null && !HttpMethod.CONNECT.is(method) && hostField != null) {
        int port = hostField.getHostPort().getPort();
        uri.authority(hostField.getHostPort().getHost(), port == 80 ? -1 : port);
      }
      try {
        ComplianceUtils.verify(
            compliance,
            new MetaData.Request(method, uri, version, checkedFields),
            ComplianceViolation.Listener.NOOP);
      } catch (HttpException.RuntimeException failure) {
        outcome = new Rejected(statusOf(failure), failure.getReason());
        return true;
      }
      completed = new Head(method, target, version, routingHost(uri.getHost()), -1);
      // true: parseNext returns now, with the buffer positioned at the first byte after the head.
      return true;
    }

    @Override
    public boolean content(ByteBuffer content) {
      return true;
    }

    @Override
    public boolean contentComplete() {
      return true;
    }

    @Override
    public boolean messageComplete() {
      return true;
    }

    @Override
    public void earlyEOF() {
      // Never called: the reader never tells the parser about EOF.
    }

    @Override
    public void badMessage(HttpException failure) {
      outcome = new Rejected(statusOf(failure), String.valueOf(failure.getReason()));
    }
  }

  /**
   * Watches line lengths and counts as bytes arrive, ahead of the parser, because HttpParser only
   * knows a total. A line's length is its bytes without the LF and without a CR just before it.
   */
  private static final class LineLimits {
    private enum Part {
      BEFORE_REQUEST_LINE,
      FIELDS,
      BODY
    }

    private final HeadLimits limits;
    private Part part = Part.BEFORE_REQUEST_LINE;
    private int lineBytes;
    private boolean lastWasCr;
    private int emptyLines;
    private int fieldLines;
    private final StringBuilder requestLine = new StringBuilder();
    private String requestLineSeen;
    private Rejected violation;

    LineLimits(HeadLimits limits) {
      this.limits = limits;
    }

    /** Scans bytes [from, to); returns the index of the first byte that breaks a limit, or to. */
    int scan(ByteBuffer bytes, int from, int to) {
      for (int i = from; i < to; i++) {
        if (part == Part.BODY) {
          return to;
        }
        if (!accept(bytes.get(i))) {
          return i;
        }
      }
      return to;
    }

    private boolean accept(byte b) {
      if (lastWasCr && b != LF) {
        // HttpParser's own rule, checked here too because HttpParser misses it when the CR ends
        // one chunk and the next starts with a method it recognises by look-ahead ("\r" then
        // "GET "): the verdict must not depend on where the reads split the bytes.
        violation = new Rejected(HttpStatus.BAD_REQUEST_400, "Bad EOL: CR without LF");
        return false;
      }
      if (b == LF) {
        endLine(lineBytes - (lastWasCr ? 1 : 0));
        return violation == null;
      }
      if (part == Part.FIELDS && lineBytes == 0 && b != CR) {
        if (++fieldLines > limits.limitRequestFields()) {
          violation =
              new Rejected(
                  HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431,
                  "more than "
                      + limits.limitRequestFields()
                      + " header fields (LimitRequestFields)");
          return false;
        }
      }
      lineBytes++;
      lastWasCr = b == CR;
      int limit = part == Part.FIELDS ? limits.limitRequestFieldSize() : limits.limitRequestLine();
      // One byte over is still fine if it is the CR of a CRLF.
      if (lineBytes > limit + 1 || (lineBytes == limit + 1 && !lastWasCr)) {
        violation =
            part == Part.FIELDS
                ? new Rejected(
                    HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431,
                    "header field longer than " + limit + " bytes (LimitRequestFieldSize)")
                : new Rejected(
                    HttpStatus.URI_TOO_LONG_414,
                    "request line longer than " + limit + " bytes (LimitRequestLine)");
        return false;
      }
      if (part == Part.BEFORE_REQUEST_LINE) {
        requestLine.append((char) (b & 0xFF));
      }
      return true;
    }

    private void endLine(int length) {
      if (part == Part.BEFORE_REQUEST_LINE) {
        if (length == 0) {
          requestLine.setLength(0);
          if (++emptyLines > limits.limitRequestFields()) {
            violation =
                new Rejected(
                    HttpStatus.BAD_REQUEST_400,
                    "more than " + limits.limitRequestFields() + " empty lines before the request");
          }
        } else {
          requestLine.setLength(length);
          requestLineSeen = requestLine.toString();
          part = Part.FIELDS;
        }
      } else if (part == Part.FIELDS && length == 0) {
        part = Part.BODY;
      }
      lineBytes = 0;
      lastWasCr = false;
    }

    /** The third word of the request line, or null if it has no third word or is not complete. */
    String requestVersionToken() {
      if (requestLineSeen == null) {
        return null;
      }
      String[] words = requestLineSeen.trim().split(" +");
      return words.length == 3 ? words[2] : null;
    }

    Rejected violation() {
      return violation;
    }
  }
}
