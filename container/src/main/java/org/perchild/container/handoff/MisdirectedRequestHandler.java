package org.perchild.container.handoff;

import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code 421 Misdirected Request} and closes the connection for any request whose host is
 * not one of this child's virtual hosts (docs/ARCHITECTURE.md, invariant 4). The acceptor routes a
 * connection by its first request; a client may reuse that connection for another host, which may
 * belong to another tenant's uid. This handler sits outermost in the child's server, so such a
 * request never reaches a web application here.
 *
 * <p>The host is the one Jetty gives the request: the authority of an absolute-form target, else
 * the {@code Host} header, else (an HTTP/1.0 request naming no host) the local address. It is given
 * to the predicate lower-cased, without the port; an IPv6 literal keeps its brackets. Which names a
 * child serves (ServerName, ServerAlias, wildcards) is for the caller's predicate to decide.
 */
public class MisdirectedRequestHandler extends Handler.Wrapper {

  private static final Logger LOG = LoggerFactory.getLogger(MisdirectedRequestHandler.class);

  private final Predicate<Request> servesRequest;
  private final LongAdder misdirected = new LongAdder();

  /**
   * @param servesHost whether this child serves a host name (lower case, no port)
   */
  public MisdirectedRequestHandler(Predicate<String> servesHost) {
    Objects.requireNonNull(servesHost, "servesHost");
    this.servesRequest =
        request -> {
          String host = hostOf(request);
          return host != null && servesHost.test(host);
        };
  }

  private MisdirectedRequestHandler(Handler handler, Predicate<Request> servesRequest) {
    this.servesRequest = Objects.requireNonNull(servesRequest, "servesRequest");
    setHandler(handler);
  }

  /**
   * A guard that decides on the whole request rather than on its host name alone: the child routes
   * by local address and port first, as the acceptor does, so an unknown name on an address goes to
   * that address's default virtual host instead of being misdirected.
   *
   * @param servesRequest whether this child serves the request
   * @param handler the handler that serves the requests for this child's hosts
   */
  public static MisdirectedRequestHandler forRequests(
      Predicate<Request> servesRequest, Handler handler) {
    return new MisdirectedRequestHandler(handler, servesRequest);
  }

  /**
   * @param servesHost whether this child serves a host name (lower case, no port)
   * @param handler the handler that serves the requests for this child's hosts
   */
  public MisdirectedRequestHandler(Predicate<String> servesHost, Handler handler) {
    this(servesHost);
    setHandler(handler);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (servesRequest.test(request)) {
      return super.handle(request, response, callback);
    }
    String host = hostOf(request);
    misdirected.increment();
    LOG.debug(
        "421 for host {} from {}:{}",
        host,
        Request.getRemoteAddr(request),
        Request.getRemotePort(request));
    response.setStatus(HttpStatus.MISDIRECTED_REQUEST_421);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
    // HTTP/2 and later forbid the header; 421 there already tells the client to use another
    // connection for this host.
    if (request.getConnectionMetaData().getHttpVersion().getVersion()
        < HttpVersion.HTTP_2.getVersion()) {
      response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    }
    Content.Sink.write(
        response, true, "421 Misdirected Request: this host is not served here\n", callback);
    return true;
  }

  /** The host a request names, lower case, without the port; null if there is none. */
  public static String hostOf(Request request) {
    String host = Request.getServerName(request);
    return host == null || host.isEmpty() ? null : host.toLowerCase(Locale.ROOT);
  }

  /** Requests answered with 421 since this handler was created. */
  public long getMisdirected() {
    return misdirected.sum();
  }
}
