package org.perchild.acceptor;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.function.BooleanSupplier;
import org.perchild.config.VirtualHost;
import org.perchild.config.VirtualHostTable;
import org.perchild.protocol.HandoffMessage;

/**
 * Reads what a connection sends first, until the acceptor knows which virtual host it is for: on an
 * {@code https} listener the TLS ClientHello ({@link ClientHelloReader}); on an {@code http}
 * listener the request head ({@link RequestHeadReader}), or, when the connection starts with the
 * HTTP/2 client preface, the frames up to the first request's header block ({@link
 * PriorKnowledgeReader}). {@link AcceptorLoop} creates one per accepted connection and feeds it
 * each chunk it reads, as the readers it holds are fed; it tells the loop where to route ({@link
 * Routable}) or that the connection is refused ({@link Refused}), and what to write before closing
 * when the connection does not speak HTTP/1 ({@link #farewell(int)}). A stage before it (a PROXY
 * protocol header) would hand it the bytes after that header.
 *
 * <p>On an {@code http} listener the first bytes are matched against the preface as they come; the
 * bytes matched so far are the preface's own, so when they stop matching (a {@code POST}, a {@code
 * PUT}) the head reader is given them from the constant and then the rest: nothing is kept and the
 * head reader sees the connection from its first byte.
 *
 * <pre>
 *   https: HELLO ----------------------------------------------> routable | refused
 *   http:  PREFACE? --differs--> HEAD -------------------------> routable | refused
 *                   `--whole preface--> h2c allowed? --yes--> FRAMES --> routable | refused
 *                                                    `--no--> refused (505)
 * </pre>
 */
final class FirstBytesReader {

  /** What the connection turned out to speak, as far as the acceptor knows. */
  enum Protocol {
    /** HTTP/1.x, or too few bytes yet to tell it from the HTTP/2 preface. */
    HTTP_1,
    TLS,
    /** HTTP/2 with prior knowledge, the whole preface received. */
    H2C
  }

  /** What the reader knows after a {@link #read(ByteBuffer)}. */
  sealed interface Outcome permits NeedMoreBytes, Routable, Refused {}

  /** Read more from the connection and call again. */
  record NeedMoreBytes() implements Outcome {}

  /**
   * The connection can be routed.
   *
   * @param host the name to route by, lower case; null for the address's default vhost
   * @param head the HTTP/1 request head (its target decides a status {@code <Location>}); null on
   *     TLS and h2c, which a status page is never served on
   * @param what one line on what was read, for the log
   */
  record Routable(String host, RequestHeadReader.Head head, String what) implements Outcome {}

  /**
   * The acceptor refuses the connection.
   *
   * @param status the status an HTTP/1 connection is answered with; on TLS and h2c, where the
   *     acceptor cannot answer in HTTP, it is what the close is counted as
   * @param reason why, for the log
   */
  record Refused(int status, String reason) implements Outcome {}

  private static final NeedMoreBytes NEED_MORE_BYTES = new NeedMoreBytes();
  private static final byte[] PREFACE = PriorKnowledgeReader.PREFACE;

  private final HeadLimits limits;
  private final BooleanSupplier h2cAllowed;
  private final ClientHelloReader hello;
  private final RequestHeadReader head;
  private PriorKnowledgeReader frames;
  private Protocol protocol;
  // How many of the first bytes have matched the preface; -1 once they did not.
  private int prefaceMatched;
  private int h2cErrorCode = PriorKnowledgeReader.PROTOCOL_ERROR;
  private boolean notTls;
  private Outcome outcome = NEED_MORE_BYTES;

  private FirstBytesReader(boolean tls, HeadLimits limits, BooleanSupplier h2cAllowed) {
    this.limits = limits;
    this.h2cAllowed = h2cAllowed;
    this.protocol = tls ? Protocol.TLS : Protocol.HTTP_1;
    this.hello = tls ? new ClientHelloReader() : null;
    this.head = tls ? null : new RequestHeadReader(limits);
    this.prefaceMatched = tls ? -1 : 0;
  }

  /**
   * The reader for {@code channel}, accepted on an {@code https} listener ({@code secure}) or an
   * {@code http} one, where h2c with prior knowledge is allowed only if the default virtual host of
   * the connection's address and port has {@code h2c} in its {@code Protocols}, as httpd's
   * mod_http2 decides it by the server the connection arrived on.
   */
  static FirstBytesReader forConnection(
      boolean secure, SocketChannel channel, HeadLimits limits, VirtualHostTable hosts) {
    if (secure) {
      return forTls();
    }
    return forHttp(
        limits,
        () -> {
          try {
            InetSocketAddress local = (InetSocketAddress) channel.getLocalAddress();
            return allowsH2c(hosts.select(local.getAddress(), local.getPort(), null));
          } catch (IOException e) {
            return false;
          }
        });
  }

  /** Whether {@code vhost}, as an address's default, lets HTTP/2 with prior knowledge through. */
  static boolean allowsH2c(VirtualHost vhost) {
    return vhost.speaks("h2c");
  }

  /** A reader for a connection on an {@code https} listener: a ClientHello is expected. */
  static FirstBytesReader forTls() {
    return new FirstBytesReader(true, null, () -> false);
  }

  /**
   * A reader for a connection on an {@code http} listener.
   *
   * @param h2cAllowed asked once, when the whole preface has arrived: whether the address's default
   *     vhost allows h2c
   */
  static FirstBytesReader forHttp(HeadLimits limits, BooleanSupplier h2cAllowed) {
    return new FirstBytesReader(false, limits, h2cAllowed);
  }

  /** What the connection speaks, as far as known: it decides how a refusal is written. */
  Protocol protocol() {
    return protocol;
  }

  /**
   * Reads {@code bytes} from its position to its limit (the position is not moved): the next bytes
   * of the connection, none twice. After a final answer, reads nothing and answers the same.
   */
  Outcome read(ByteBuffer bytes) {
    if (!(outcome instanceof NeedMoreBytes)) {
      return outcome;
    }
    outcome = readMore(bytes);
    return outcome;
  }

  private Outcome readMore(ByteBuffer bytes) {
    if (hello != null) {
      return fromHello(hello.read(bytes));
    }
    if (frames != null) {
      return fromFrames(frames.read(bytes));
    }
    if (prefaceMatched < 0) {
      return fromHead(head.read(bytes));
    }
    int earlier = prefaceMatched;
    int i = bytes.position();
    int end = bytes.limit();
    while (i < end && prefaceMatched < PREFACE.length && bytes.get(i) == PREFACE[prefaceMatched]) {
      i++;
      prefaceMatched++;
    }
    if (prefaceMatched == PREFACE.length) {
      protocol = Protocol.H2C;
      if (!h2cAllowed.getAsBoolean()) {
        h2cErrorCode = PriorKnowledgeReader.HTTP_1_1_REQUIRED;
        return new Refused(505, "HTTP/2 prior knowledge where the default vhost has no h2c");
      }
      frames = new PriorKnowledgeReader(limits.maxHeadBytes(), HandoffMessage.MAX_ALREADY_READ);
      return fromFrames(frames.read(bytes.duplicate().position(i)));
    }
    if (i == end) {
      return NEED_MORE_BYTES;
    }
    // Not the preface: the head reader gets the bytes of earlier reads (the preface's) and these.
    prefaceMatched = -1;
    if (earlier > 0) {
      Outcome before = fromHead(head.read(ByteBuffer.wrap(PREFACE, 0, earlier)));
      if (!(before instanceof NeedMoreBytes)) {
        return before;
      }
    }
    return fromHead(head.read(bytes));
  }

  /**
   * What to write before closing a refused TLS or h2c connection (possibly nothing); null on
   * HTTP/1, which gets an HTTP response instead.
   *
   * <p>TLS: a fatal alert, so that the client reports a reason rather than an unexpected end of the
   * stream: {@code decode_error} for a broken hello, {@code internal_error} when no child could
   * take it (503). Nothing for a timeout (the client has stopped talking) or for bytes that are not
   * TLS (an alert would be noise to whatever sent them). h2c: the server preface and a GOAWAY (last
   * stream 0: nothing was processed) with {@code HTTP_1_1_REQUIRED} where h2c is not allowed, the
   * frames' error code for broken frames, {@code REFUSED_STREAM} for no child; nothing for a
   * timeout.
   */
  ByteBuffer farewell(int status) {
    return switch (protocol) {
      case HTTP_1 -> null;
      case TLS -> {
        if (status == 408 || notTls) {
          yield ByteBuffer.allocate(0);
        }
        yield ClientHelloReader.fatalAlert(
            status == 503 ? ClientHelloReader.INTERNAL_ERROR : ClientHelloReader.DECODE_ERROR);
      }
      case H2C -> {
        if (status == 408) {
          yield ByteBuffer.allocate(0);
        }
        yield PriorKnowledgeReader.goAway(
            status == 503 ? PriorKnowledgeReader.REFUSED_STREAM : h2cErrorCode);
      }
    };
  }

  private Outcome fromHello(ClientHelloReader.Outcome outcome) {
    if (outcome instanceof ClientHelloReader.Complete complete) {
      return new Routable(
          complete.serverName(),
          null,
          "TLS ClientHello, "
              + (complete.serverName() == null ? "no SNI" : "SNI " + complete.serverName()));
    }
    if (outcome instanceof ClientHelloReader.NotTls refused) {
      notTls = true;
      return new Refused(400, "not TLS: " + refused.reason());
    }
    if (outcome instanceof ClientHelloReader.Malformed refused) {
      return new Refused(400, "ClientHello refused: " + refused.reason());
    }
    return NEED_MORE_BYTES;
  }

  private Outcome fromFrames(PriorKnowledgeReader.Outcome outcome) {
    if (outcome instanceof PriorKnowledgeReader.Request request) {
      return new Routable(
          request.host(),
          null,
          "h2c " + request.method() + " " + request.path() + " :authority " + request.host());
    }
    if (outcome instanceof PriorKnowledgeReader.Malformed refused) {
      h2cErrorCode = refused.errorCode();
      return new Refused(400, "h2c refused: " + refused.reason());
    }
    return NEED_MORE_BYTES;
  }

  private static Outcome fromHead(RequestHeadReader.Outcome outcome) {
    if (outcome instanceof RequestHeadReader.Head head) {
      return new Routable(
          head.host(), head, head.method() + " " + head.target() + " host " + head.host());
    }
    if (outcome instanceof RequestHeadReader.Rejected rejected) {
      return new Refused(rejected.status(), rejected.reason());
    }
    return NEED_MORE_BYTES;
  }
}
