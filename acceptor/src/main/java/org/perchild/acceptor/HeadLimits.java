package org.perchild.acceptor;

/**
 * httpd's limits on a request head, with httpd's meanings and defaults; the acceptor enforces them
 * before any child sees a byte. Built by the configuration layer from {@code LimitRequestLine},
 * {@code LimitRequestFieldSize} and {@code LimitRequestFields}, read by {@link RequestHeadReader}.
 *
 * <p>Line lengths count the bytes of a line without its terminator (CRLF, or a bare LF, which Jetty
 * accepts). httpd's "0 means unlimited" for {@code LimitRequestFields} is not taken here: every
 * limit must be positive, so that a head always has a bound ({@link #maxHeadBytes()}).
 *
 * @param limitRequestLine most bytes in the request line ({@code GET /path HTTP/1.1}); one more is
 *     414
 * @param limitRequestFieldSize most bytes in one header field line ({@code Name: value}); one more
 *     is 431
 * @param limitRequestFields most header field lines; one more is 431. Also the most empty lines
 *     skipped before the request line (httpd reads at most that many looking for one); one more is
 *     400
 */
public record HeadLimits(int limitRequestLine, int limitRequestFieldSize, int limitRequestFields) {

  /** httpd's defaults: 8190, 8190, 100. */
  public static final HeadLimits DEFAULTS = new HeadLimits(8190, 8190, 100);

  public HeadLimits {
    if (limitRequestLine <= 0 || limitRequestFieldSize <= 0 || limitRequestFields <= 0) {
      throw new IllegalArgumentException(
          "head limits must be positive: LimitRequestLine "
              + limitRequestLine
              + ", LimitRequestFieldSize "
              + limitRequestFieldSize
              + ", LimitRequestFields "
              + limitRequestFields);
    }
  }

  /**
   * The largest head these limits let through, in bytes, CRLFs included: the skipped empty lines,
   * the request line, every field line and the empty line that ends the head. A child's Jetty must
   * accept heads this large ({@code HttpConfiguration.setRequestHeaderSize}), or it would refuse
   * with 431 a head the acceptor has already passed on. Capped at {@link Integer#MAX_VALUE}.
   */
  public int maxHeadBytes() {
    long blankLines = 2L * limitRequestFields;
    long requestLine = limitRequestLine + 2L;
    long fields = (long) limitRequestFields * (limitRequestFieldSize + 2L);
    return (int) Math.min(Integer.MAX_VALUE, blankLines + requestLine + fields + 2L);
  }
}
