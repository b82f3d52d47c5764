package org.perchild.config;

import java.time.Duration;

/**
 * How a host treats a connection: httpd's {@code Timeout}, {@code KeepAlive*} and {@code
 * LimitRequest*} directives. The main server has one; a virtual host inherits it and overrides what
 * its own section sets, as httpd merges server configurations.
 *
 * @param timeout how long to wait for the client (reading the head, each read and write)
 * @param keepAlive whether a connection may carry more than one request
 * @param keepAliveTimeout how long an idle keep-alive connection is kept
 * @param maxKeepAliveRequests requests on one connection, 0 for no limit
 * @param limitRequestLine longest request line in bytes (longer: 414)
 * @param limitRequestFieldSize longest header field in bytes (longer: 431)
 * @param limitRequestFields most header fields (more: 431)
 * @param limitRequestBody largest request body in bytes, 0 for no limit (larger: 413)
 */
public record ConnectionSettings(
    Duration timeout,
    boolean keepAlive,
    Duration keepAliveTimeout,
    int maxKeepAliveRequests,
    int limitRequestLine,
    int limitRequestFieldSize,
    int limitRequestFields,
    long limitRequestBody) {

  /** httpd 2.4's defaults. */
  public static final ConnectionSettings DEFAULTS =
      new ConnectionSettings(
          Duration.ofSeconds(60),
          true,
          Duration.ofSeconds(5),
          100,
          8190,
          8190,
          100,
          1024L * 1024 * 1024);
}
