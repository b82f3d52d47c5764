package org.perchild.container.handoff;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.thread.Scheduler;
import org.perchild.posix.SocketChannels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The child's only connector: it serves connections that the acceptor accepted and passed to this
 * process, instead of accepting any itself. It has no port and no acceptor threads; the code that
 * receives a message from the hand-off channel calls {@link #handOff} with the socket and the bytes
 * the acceptor already read, and from then on Jetty serves the connection as if it had accepted it.
 *
 * <p>The bytes already read reach the connection before anything read from the socket: they are
 * given to the new connection with {@link Connection.UpgradeTo#onUpgradeTo(ByteBuffer)} before it
 * opens (docs/ARCHITECTURE.md, invariant 5). If they do not all fit its input buffer, the
 * connection is closed rather than served with a hole in the stream; the acceptor reads at most
 * {@link org.perchild.protocol.HandoffMessage#MAX_ALREADY_READ} (64 KiB), and {@link
 * org.perchild.container.ChildServer} makes the {@code inputBufferSize} of the {@link
 * HttpConfiguration} at least that.
 *
 * <p>A hand-off that fails, at any step, closes that connection, is logged and counted; it never
 * stops the connector. Lifecycle is Jetty's: hand-offs are refused unless the connector is started,
 * accepting ({@link #setAccepting}) and not shutting down.
 *
 * <p>Its {@link Graceful#shutdown()} drains before it refuses: Jetty's own refuses new connections
 * at once and shortens the idle timeouts, but the acceptor may have handed this child connections
 * it has not read yet, and a connection just handed over may not have reached a handler. So, while
 * the server runs (a graceful drain of the child, {@code Graceful.shutdown(root)} in {@link
 * org.perchild.container.ChildProcess}), it first waits for the hand-offs to end ({@link
 * #drainAfter}), then for the connections in flight to close (a keep-alive one at its idle
 * timeout), within a bound, and only then shuts down as Jetty's connectors do. Once the server
 * stops, its shutdown is Jetty's at once, as it always was.
 *
 * <pre>
 *   running ──shutdown()──▶ waiting for hand-offs ──ended──▶ waiting for 0 in flight (bounded)
 *                                                                 │
 *   server stopping ──shutdown()──────────────────────────────────┴──▶ Jetty's shutdown
 * </pre>
 */
public class HandoffConnector extends AbstractConnector {

  private static final Logger LOG = LoggerFactory.getLogger(HandoffConnector.class);

  private final SelectorManager selectorManager;

  /** Handed in but not yet an endpoint: counted as in flight, closed if the connector stops. */
  private final Map<SocketChannel, String> pending = new ConcurrentHashMap<>();

  private final LongAdder handedOff = new LongAdder();
  private final LongAdder failed = new LongAdder();

  /** Done once no connection is in flight: checked as each one closes or fails. */
  private final Graceful.Shutdown connectionsClosed =
      new Graceful.Shutdown(this) {
        @Override
        public boolean isShutdownDone() {
          return getInFlight() == 0;
        }
      };

  private volatile ProtocolChoice protocolChoice = attachment -> getDefaultConnectionFactory();
  private volatile Graceful handOffs;
  private volatile Duration connectionsLimit = Duration.ZERO;
  private CompletableFuture<Void> drain;

  /** An HTTP/1.1 connector using the server's executor, scheduler and buffer pool. */
  public HandoffConnector(Server server, HttpConfiguration configuration) {
    this(server, -1, new HandedOffHttpConnectionFactory(configuration));
  }

  /**
   * A connector with the given connection factories, the first one the default.
   *
   * @param selectors the number of selector threads, or -1 for Jetty's default
   */
  public HandoffConnector(Server server, int selectors, ConnectionFactory... factories) {
    this(server, null, null, null, selectors, factories);
  }

  /**
   * A connector with its own executor, scheduler or buffer pool (null: the server's).
   *
   * @param selectors the number of selector threads, or -1 for Jetty's default
   */
  public HandoffConnector(
      Server server,
      Executor executor,
      Scheduler scheduler,
      ByteBufferPool bufferPool,
      int selectors,
      ConnectionFactory... factories) {
    super(server, executor, scheduler, bufferPool, 0, factories);
    selectorManager = new HandoffSelectorManager(getExecutor(), getScheduler(), selectors);
    installBean(selectorManager, true);
  }

  /**
   * Serves a connection that arrived as a descriptor: adopts {@code fd} (see {@link
   * SocketChannels#adopt}) and hands it off. The descriptor is consumed in every case; if anything
   * fails, it is closed, logged and counted, and this method returns normally.
   *
   * @param family the address family of the socket, from the hand-off message
   * @param alreadyRead the bytes the acceptor read from the socket, from position to limit; this
   *     connector owns the buffer from now on
   * @param attachment anything the caller wants handlers to see through {@link HandoffEndPoint}
   */
  public void handOff(int fd, ProtocolFamily family, ByteBuffer alreadyRead, Object attachment) {
    SocketChannel channel;
    try {
      channel = SocketChannels.adopt(fd, family);
    } catch (IOException | RuntimeException e) {
      handedOff.increment();
      failed.increment();
      logFailure("fd " + fd, e);
      return;
    }
    handOff(channel, alreadyRead, attachment);
  }

  /**
   * Serves a connected socket channel: registers it with this connector's selector, creates the
   * default protocol's connection, feeds it {@code alreadyRead}, then opens it. Returns at once;
   * the rest happens on a selector thread. The channel is consumed in every case; if anything
   * fails, now or later, it is closed, logged and counted.
   *
   * @param alreadyRead the bytes the acceptor read from the socket, from position to limit; this
   *     connector owns the buffer from now on
   * @param attachment anything the caller wants handlers to see through {@link HandoffEndPoint}
   */
  public void handOff(SocketChannel channel, ByteBuffer alreadyRead, Object attachment) {
    Objects.requireNonNull(channel, "channel");
    handedOff.increment();
    pending.put(channel, describe(channel));
    try {
      Objects.requireNonNull(alreadyRead, "alreadyRead");
      if (!isRunning() || !isAccepting() || isShutdown()) {
        throw new IOException(
            this
                + " is not taking connections ("
                + getState()
                + ", shutdown="
                + isShutdown()
                + ")");
      }
      channel.configureBlocking(false);
      configure(channel);
      selectorManager.accept(channel, new Handoff(alreadyRead, attachment));
    } catch (IOException | RuntimeException e) {
      IO.close(channel);
      fail(channel, e);
    }
  }

  /**
   * Chooses the connection factory of each hand-off from its attachment (the hand-off message): for
   * a TLS connection, its virtual host's TLS and ALPN; else HTTP/1.1. Without one, every connection
   * gets the default factory (the first given).
   */
  @FunctionalInterface
  public interface ProtocolChoice {
    /**
     * @throws IOException to close the connection (a {@link RefusedConnectionException} is counted
     *     but not logged again: its reason has been said)
     */
    ConnectionFactory factoryFor(Object attachment) throws IOException;
  }

  /** Sets how each hand-off's connection factory is chosen; before the connector starts. */
  public void setProtocolChoice(ProtocolChoice protocolChoice) {
    this.protocolChoice = Objects.requireNonNull(protocolChoice, "protocolChoice");
  }

  /**
   * What a graceful drain waits for before it refuses connections: {@code handOffs}' shutdown (the
   * hand-off channel's end), then at most {@code connectionsLimit} for the connections in flight to
   * close. Without it, the drain is Jetty's shutdown at once.
   */
  public void drainAfter(Graceful handOffs, Duration connectionsLimit) {
    this.handOffs = handOffs;
    this.connectionsLimit = connectionsLimit;
  }

  @Override
  public CompletableFuture<Void> shutdown() {
    if (getServer().isStopping() || !isRunning() || handOffs == null) {
      return super.shutdown();
    }
    synchronized (connectionsClosed) {
      if (drain == null) {
        drain =
            handOffs
                .shutdown()
                .thenCompose(ended -> bounded(connectionsClosed.shutdown(), connectionsLimit))
                .thenCompose(closed -> super.shutdown());
      }
      return drain;
    }
  }

  /** {@code future}, or done after {@code limit} on Jetty's scheduler, saying what was left. */
  private CompletableFuture<Void> bounded(CompletableFuture<Void> future, Duration limit) {
    CompletableFuture<Void> bounded = new CompletableFuture<>();
    future.whenComplete((v, x) -> bounded.complete(null));
    getScheduler()
        .schedule(
            () -> {
              if (bounded.complete(null)) {
                LOG.warn("{} connections still open after {}", getInFlight(), limit);
              }
            },
            limit);
    return bounded;
  }

  /** Sets TCP_NODELAY as Jetty's ServerConnector does on the sockets it accepts. */
  protected void configure(SocketChannel channel) {
    try {
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot set TCP_NODELAY on {}", channel, e);
    }
  }

  private void fail(SelectableChannel channel, Throwable cause) {
    String connection = pending.remove(channel);
    failed.increment();
    connectionsClosed.check();
    logFailure(connection == null ? String.valueOf(channel) : connection, cause);
  }

  private static void logFailure(String connection, Throwable cause) {
    if (cause instanceof RefusedConnectionException) {
      LOG.debug("hand-off refused, connection {} closed: {}", connection, cause.getMessage());
      return;
    }
    // An I/O failure is the client's or the acceptor's doing and its message says it all; anything
    // else is a bug here, worth its stack trace.
    if (cause instanceof IOException) {
      LOG.warn("hand-off failed, connection {} closed: {}", connection, cause.toString());
      LOG.debug("hand-off failure of {}", connection, cause);
    } else {
      LOG.warn("hand-off failed, connection {} closed: {}", connection, cause.toString(), cause);
    }
  }

  /** The peer, read now: once the channel is closed it no longer says who it was. */
  private static String describe(SocketChannel channel) {
    try {
      return "from " + channel.getRemoteAddress();
    } catch (IOException | RuntimeException e) {
      return String.valueOf(channel);
    }
  }

  /** Connections handed to this connector since it was created, including failed ones. */
  public long getHandedOff() {
    return handedOff.sum();
  }

  /** Connections handed in that are not closed yet: the child's load, for the acceptor. */
  public int getInFlight() {
    return pending.size() + getConnectedEndPoints().size();
  }

  /** Hand-offs that failed and were closed before any request was served. */
  public long getFailed() {
    return failed.sum();
  }

  /** The selector manager that serves this connector's connections. */
  public SelectorManager getSelectorManager() {
    return selectorManager;
  }

  /** No listening socket: connections come from {@link #handOff}. */
  @Override
  public Object getTransport() {
    return null;
  }

  @Override
  protected void accept(int acceptorID) {
    throw new UnsupportedOperationException("a HandoffConnector has no acceptor threads");
  }

  @Override
  protected void doStop() throws Exception {
    super.doStop();
    // A hand-off queued while the selectors stopped would never be served nor closed.
    List<SocketChannel> stranded = new ArrayList<>(pending.keySet());
    for (SocketChannel channel : stranded) {
      IO.close(channel);
      fail(channel, new IOException("connector stopped before the connection was served"));
    }
  }

  @Override
  public void dump(Appendable out, String indent) throws IOException {
    dumpObjects(
        out,
        indent,
        String.format("idleTimeout=%d", getIdleTimeout()),
        String.format(
            "handedOff=%d, inFlight=%d (pending=%d), failed=%d",
            getHandedOff(), getInFlight(), pending.size(), getFailed()));
  }

  /** What travels with a channel through the selector to {@code newConnection}. */
  private record Handoff(ByteBuffer alreadyRead, Object attachment) {}

  private final class HandoffSelectorManager extends SelectorManager {

    HandoffSelectorManager(Executor executor, Scheduler scheduler, int selectors) {
      super(executor, scheduler, selectors);
    }

    @Override
    protected EndPoint newEndPoint(
        SelectableChannel channel, ManagedSelector selector, SelectionKey key) {
      Handoff handoff = (Handoff) key.attachment();
      HandoffEndPoint endPoint =
          new HandoffEndPoint(
              (SocketChannel) channel, selector, key, getScheduler(), handoff.attachment());
      endPoint.setIdleTimeout(getIdleTimeout());
      return endPoint;
    }

    @Override
    public Connection newConnection(SelectableChannel channel, EndPoint endPoint, Object context)
        throws IOException {
      Handoff handoff = (Handoff) context;
      ByteBuffer alreadyRead = handoff.alreadyRead();
      Connection connection =
          protocolChoice
              .factoryFor(handoff.attachment())
              .newConnection(HandoffConnector.this, endPoint);
      if (alreadyRead.hasRemaining()) {
        int offered = alreadyRead.remaining();
        if (!(connection instanceof Connection.UpgradeTo upgradeTo)) {
          throw new IOException(
              connection + " cannot take the " + offered + " bytes the acceptor already read");
        }
        try {
          upgradeTo.onUpgradeTo(alreadyRead);
        } catch (RuntimeException e) {
          throw new IOException(connection + " refused " + offered + " bytes already read", e);
        }
        if (alreadyRead.hasRemaining()) {
          throw new IOException(
              alreadyRead.remaining()
                  + " of "
                  + offered
                  + " bytes already read do not fit the input buffer of "
                  + connection);
        }
      }
      return connection;
    }

    /**
     * Opens the connection and then, on this same pool thread, serves the request whose bytes the
     * acceptor read, if the connection held its dispatch back (see {@link
     * HandedOffHttpConnectionFactory}).
     */
    @Override
    public void connectionOpened(Connection connection, Object context) {
      try {
        super.connectionOpened(connection, context);
      } catch (Throwable x) {
        // The endpoint is already registered with the connector; close it so it is forgotten.
        connection.getEndPoint().close(x);
        throw x;
      }
      if (connection instanceof HandedOffHttpConnectionFactory.HandedOffHttpConnection handedOff) {
        Runnable firstRequest = handedOff.takeHeldBack();
        if (firstRequest != null) {
          try {
            firstRequest.run();
          } catch (Throwable x) {
            // What the pool would do with a job that throws, and the connection is not left open.
            LOG.warn("serving {} failed", connection, x);
            connection.getEndPoint().close(x);
          }
        }
      }
    }

    @Override
    protected void endPointOpened(EndPoint endPoint) {
      super.endPointOpened(endPoint);
      onEndPointOpened(endPoint);
      pending.remove((SocketChannel) endPoint.getTransport());
    }

    @Override
    protected void endPointClosed(EndPoint endPoint) {
      onEndPointClosed(endPoint);
      super.endPointClosed(endPoint);
      connectionsClosed.check();
    }

    @Override
    protected void onAcceptFailed(SelectableChannel channel, Throwable cause) {
      super.onAcceptFailed(channel, cause);
      fail(channel, cause);
    }
  }
}
