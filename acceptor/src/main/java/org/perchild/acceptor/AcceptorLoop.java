package org.perchild.acceptor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.perchild.config.ConnectionSettings;
import org.perchild.config.Listener;
import org.perchild.config.ProxyProtocolTable;
import org.perchild.config.ServerConfig;
import org.perchild.config.VirtualHost;
import org.perchild.config.VirtualHostTable;
import org.perchild.posix.ReceivedPacket;
import org.perchild.posix.SocketChannels;
import org.perchild.protocol.AcceptorToLauncher;
import org.perchild.protocol.ControlChannel;
import org.perchild.protocol.HandoffMessage;
import org.perchild.protocol.LauncherToAcceptor;
import org.perchild.protocol.MalformedHandoffException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acceptor's one selector thread: accepts on every listen socket, reads each connection's first
 * bytes ({@link FirstBytesReader}: the request head, the TLS ClientHello on an {@code https}
 * listener, or the HTTP/2 preface and first request) without ever blocking on one client, routes it
 * to a READY child of its virtual host's group and passes the socket on that child's hand-off
 * channel, or answers it itself (400, 408, 414, 431, 505, 503; a TLS or h2c connection, which it
 * cannot answer in HTTP, is closed instead). {@link AcceptorMain} builds it and runs it on the main
 * thread; the control channel's reader thread gives it the launcher's messages (it is their {@link
 * ControlChannel.Receiver}), which the loop applies on its next wake-up, so that every piece of
 * state is touched by this thread only.
 *
 * <p>The selector wakes at least every {@link #TICK_MILLIS} ms to enforce deadlines: {@code
 * Timeout} for a head, hello or first HTTP/2 request to arrive (then 408, or a close), the same for
 * a response to be written, {@link AnswerWriter#LINGER_NANOS} for a client to close after our
 * answer (httpd's lingering close, so that unread request bytes do not turn our answer into a
 * reset).
 */
final class AcceptorLoop implements ControlChannel.Receiver<LauncherToAcceptor> {

  static final long TICK_MILLIS = 1000;

  /** How long a new acceptor waits for the launcher's first scoreboard before it accepts anyway. */
  static final long ACCEPT_WITHOUT_SCOREBOARD_NANOS = 2_000_000_000L;

  private static final int MAX_ACCEPTS_PER_WAKEUP = 64;

  private static final Logger LOG = LoggerFactory.getLogger(AcceptorLoop.class);

  /** A listen socket with what a hand-off says about it. */
  record ListenSocket(int index, Listener listener, ServerSocketChannel channel, boolean inet6) {
    boolean secure() {
      return "https".equalsIgnoreCase(listener.protocol());
    }
  }

  private final Selector selector;
  private final ReleasedSockets released;
  private final List<ListenSocket> listenSockets = new ArrayList<>();
  // Replaced as a whole by RELOAD (a graceful restart), on the loop thread only.
  private VirtualHostTable virtualHosts;
  private ProxyProtocolTable proxyProtocol;
  private HeadLimits limits;
  private long timeoutNanos;
  private long childWaitNanos;
  // Connections waiting for a READY child of their group, oldest first (see hold).
  private final HeldConnections held = new HeldConnections();
  private final IntFunction<ServerConfig> reload;
  // WANTED to the launcher (a report: dropped if the channel is full, and asked again).
  private final Consumer<AcceptorToLauncher> toLauncher;
  private final ChildSlots slots = new ChildSlots();
  private final AcceptorResponses responses = new AcceptorResponses();
  private final AcceptorCounters counters;
  private final AnswerWriter answers;
  private final Queue<LauncherToAcceptor> inbox = new ConcurrentLinkedQueue<>();
  // Each new connection's first read; its bytes move to a buffer of the connection's own only if
  // the head is not complete (see ClientConnection).
  private final ByteBuffer firstRead = ByteBuffer.allocate(HandoffMessage.MAX_ALREADY_READ);
  // What stopped the loop ("STOP", "launcher gone"), null while it runs.
  private String stoppedBy;
  private volatile boolean launcherGone;
  // Whether the listen sockets are watched for connections: from the first scoreboard on.
  private boolean accepting;

  /** {@code /server-status} and {@code /metrics}, with the launcher's latest scoreboard. */
  private final StatusEndpoint status;

  /**
   * Registers the listen sockets, {@code channels.get(i)} being {@code config.listeners().get(i)}.
   *
   * @param inet6 whether each is an {@code AF_INET6} socket
   */
  AcceptorLoop(
      ServerConfig config,
      List<ServerSocketChannel> channels,
      List<Boolean> inet6,
      AcceptorCounters counters,
      IntFunction<ServerConfig> reload,
      Consumer<AcceptorToLauncher> toLauncher)
      throws IOException {
    this.reload = reload;
    this.toLauncher = toLauncher;
    useConfiguration(config);
    this.counters = counters;
    this.status = new StatusEndpoint(counters, responses);
    this.selector = Selector.open();
    this.released = new ReleasedSockets(selector);
    this.answers = new AnswerWriter(selector, counters, responses, this::release);
    for (int i = 0; i < channels.size(); i++) {
      ListenSocket socket =
          new ListenSocket(i, config.listeners().get(i), channels.get(i), inet6.get(i));
      socket.channel().configureBlocking(false);
      // Not accepting yet: see startAccepting.
      socket.channel().register(selector, 0, socket);
      listenSockets.add(socket);
    }
  }

  /** Queues a message from the launcher for the loop; any thread. */
  @Override
  public void received(LauncherToAcceptor message) {
    inbox.add(message);
    selector.wakeup();
  }

  /** The control channel has ended: the loop stops once it has applied what came before. */
  @Override
  public void ended(String why) {
    launcherGone = true;
    selector.wakeup();
  }

  /**
   * Runs until {@code STOP} or the end of the control channel, then closes the listen sockets, the
   * connections still held and the hand-off channels.
   *
   * @return what stopped it: {@code "STOP"} or {@code "launcher gone"}
   * @throws UncheckedIOException if the selector itself fails (fatal)
   */
  String run() {
    long startedAt = System.nanoTime();
    try {
      while (stoppedBy == null) {
        selector.select(TICK_MILLIS);
        applyControlMessages();
        if (stoppedBy != null) {
          break;
        }
        if (!accepting && System.nanoTime() - startedAt >= ACCEPT_WITHOUT_SCOREBOARD_NANOS) {
          startAccepting("no scoreboard from the launcher yet");
        }
        Iterator<SelectionKey> selected = selector.selectedKeys().iterator();
        while (selected.hasNext()) {
          SelectionKey key = selected.next();
          selected.remove();
          if (key.isValid()) {
            handle(key);
          }
        }
        handOffHeld(System.nanoTime());
        enforceDeadlines(System.nanoTime());
        released.closeReleased();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("selector failed", e);
    } finally {
      shutdown();
    }
    return stoppedBy;
  }

  private void handle(SelectionKey key) {
    if (key.attachment() instanceof ListenSocket socket) {
      acceptAll(socket);
      return;
    }
    ClientConnection connection = (ClientConnection) key.attachment();
    try {
      switch (connection.state) {
        case READING_PROXY, READING_HEAD -> readFirstBytes(connection);
        case RESPONDING -> answers.writeMore(connection);
        case LINGERING -> answers.drain(connection);
        case WAITING_FOR_CHILD -> {
          // Watches nothing: a key of no interest is never selected.
        }
      }
    } catch (IOException | RuntimeException e) {
      // One client's failure is that client's: the loop goes on.
      LOG.debug("Connection from {} failed: {}", connection.client(), e.toString());
      release(connection);
    }
  }

  private void acceptAll(ListenSocket socket) {
    for (int i = 0; i < MAX_ACCEPTS_PER_WAKEUP; i++) {
      SocketChannel channel;
      try {
        channel = socket.channel().accept();
      } catch (IOException e) {
        // EMFILE and the like: the connection stays in the backlog until the next wake-up.
        LOG.warn("accept on {} failed: {}", socket.listener().address(), e.toString());
        return;
      }
      if (channel == null) {
        return;
      }
      counters.accepted();
      ClientConnection connection = null;
      try {
        FirstBytesReader reader =
            FirstBytesReader.forConnection(socket.secure(), channel, limits, virtualHosts);
        connection =
            new ClientConnection(
                channel,
                socket,
                reader,
                proxyHeaderFirst(channel),
                System.nanoTime() + timeoutNanos);
        channel.configureBlocking(false);
        if (LOG.isDebugEnabled()) {
          LOG.debug("Accepted {} on {}", channel.getRemoteAddress(), socket.listener().address());
        }
        // Clients usually send the head with the connection: read at once, no selector round.
        readFirstBytes(connection);
      } catch (IOException | RuntimeException e) {
        LOG.debug("Accepted connection lost at once: {}", e.toString());
        if (connection != null) {
          release(connection);
        } else {
          ReleasedSockets.closeNow(channel);
        }
      }
    }
  }

  /**
   * Whether a connection must begin with a PROXY header: on an address:port where {@code
   * RemoteIPProxyProtocol On} applies, unless its peer is one of that address's exceptions.
   */
  private boolean proxyHeaderFirst(SocketChannel channel) throws IOException {
    if (!proxyProtocol.anyOn()) {
      return false;
    }
    InetSocketAddress local = (InetSocketAddress) channel.getLocalAddress();
    InetSocketAddress peer = (InetSocketAddress) channel.getRemoteAddress();
    return proxyProtocol.requiresHeader(local.getAddress(), local.getPort(), peer.getAddress());
  }

  private void readFirstBytes(ClientConnection connection) throws IOException {
    ByteBuffer received = connection.received != null ? connection.received : firstRead.clear();
    int before = received.position();
    int count = connection.channel.read(received);
    if (count < 0) {
      counters.clientClosed();
      LOG.debug(
          "{} closed before its {} was whole",
          remoteOf(connection),
          connection.state == ClientConnection.State.READING_PROXY
              ? "PROXY header"
              : "first bytes");
      release(connection);
      return;
    }
    if (count > 0 && connection.state == ClientConnection.State.READING_PROXY) {
      if (!readProxyHeader(connection, received)) {
        return;
      }
      if (connection.state == ClientConnection.State.READING_HEAD) {
        // The client's own bytes, if any came with the header, are the first the reader sees.
        before = connection.proxyHeaderLength;
      }
    }
    if (count > 0 && connection.state == ClientConnection.State.READING_HEAD) {
      ByteBuffer fresh = received.duplicate().flip().position(before);
      FirstBytesReader.Outcome outcome = connection.reader.read(fresh);
      if (outcome instanceof FirstBytesReader.Routable routable) {
        route(connection, routable, received);
        return;
      }
      if (outcome instanceof FirstBytesReader.Refused refused) {
        LOG.debug("{}: {} {}", connection.client(), refused.status(), refused.reason());
        refuse(connection, refused.status());
        return;
      }
      if (!received.hasRemaining()) {
        LOG.debug(
            "{}: no whole head in {} bytes", connection.client(), HandoffMessage.MAX_ALREADY_READ);
        refuse(connection, 431);
        return;
      }
    }
    if (connection.received == null) {
      // The head is not complete: its bytes move from the shared buffer to one of its own.
      connection.received =
          ByteBuffer.allocate(HandoffMessage.MAX_ALREADY_READ).put(received.flip());
    }
    connection.watch(selector, SelectionKey.OP_READ);
  }

  /**
   * Reads the PROXY header from the bytes so far (all of {@code received} up to its position). Once
   * it is whole the connection goes on to its first bytes proper (the request head, the
   * ClientHello: state {@code READING_HEAD}); while more must come it stays as it is and waits,
   * bounded by {@code Timeout}. False when the header is refused: the connection is then closed
   * without an answer (the peer is a proxy, whose client an answer would not reach, and the
   * connection may be TLS).
   */
  private boolean readProxyHeader(ClientConnection connection, ByteBuffer received)
      throws IOException {
    ProxyHeaderReader.Outcome outcome = ProxyHeaderReader.read(received.duplicate().flip());
    if (outcome instanceof ProxyHeaderReader.Refused refused) {
      LOG.debug("{}: PROXY header refused: {}", remoteOf(connection), refused.reason());
      release(connection);
      return false;
    }
    if (outcome instanceof ProxyHeaderReader.NeedMore) {
      return true;
    }
    if (outcome instanceof ProxyHeaderReader.Addresses header) {
      connection.proxyHeaderLength = header.length();
      connection.proxied = header.proxied();
      LOG.debug(
          "{}: PROXY v{} header for {} -> {}",
          remoteOf(connection),
          header.version(),
          header.proxied().source(),
          header.proxied().destination());
    } else if (outcome instanceof ProxyHeaderReader.Local local) {
      connection.proxyHeaderLength = local.length();
      LOG.debug("{}: {} header, served as a direct connection", remoteOf(connection), local.what());
    }
    connection.state = ClientConnection.State.READING_HEAD;
    return true;
  }

  private void route(
      ClientConnection connection, FirstBytesReader.Routable routable, ByteBuffer received)
      throws IOException {
    // Routing is by the socket's own local address, as the child's is; everything the acceptor
    // shows of the client (Require ip, its logs) is the PROXY header's client, if there was one.
    InetSocketAddress local = (InetSocketAddress) connection.channel.getLocalAddress();
    InetSocketAddress socketPeer = (InetSocketAddress) connection.channel.getRemoteAddress();
    InetSocketAddress remote =
        connection.proxied != null ? connection.proxied.source() : socketPeer;
    // The same choice for a Host header, an SNI name and an :authority.
    VirtualHost vhost = virtualHosts.select(local.getAddress(), local.getPort(), routable.host());
    // Only HTTP/1 can reach a status <Location>: on TLS the acceptor sees no request at all.
    if (routable.head() != null) {
      java.util.Optional<StatusEndpoint.Answer> answer =
          status.answerFor(routable.head(), vhost, remote);
      if (answer.isPresent()) {
        answers.respond(connection, answer.get().status(), answer.get().response(), timeoutNanos);
        return;
      }
    }
    connection.routable = routable;
    connection.vhost = vhost;
    long now = System.nanoTime();
    if (handOffToAChild(connection, received, now)) {
      return;
    }
    hold(connection, received, now);
  }

  /**
   * Hands the connection to a READY child of its virtual host's group, if one takes it.
   *
   * @param received every byte read from the connection (a PROXY header first, if any)
   */
  private boolean handOffToAChild(ClientConnection connection, ByteBuffer received, long now)
      throws IOException {
    VirtualHost vhost = connection.vhost;
    List<ChildSlots.Slot> candidates = slots.candidates(vhost.group(), now);
    if (candidates.isEmpty()) {
      return false;
    }
    InetSocketAddress local = (InetSocketAddress) connection.channel.getLocalAddress();
    InetSocketAddress socketPeer = (InetSocketAddress) connection.channel.getRemoteAddress();
    ListenSocket socket = connection.listener;
    byte[] payload =
        HandoffMessage.encode(
            socket.index(),
            socket.inet6(),
            socket.secure(),
            socketPeer,
            local,
            connection.proxied,
            hostName(vhost),
            received.duplicate().flip().position(connection.proxyHeaderLength));
    int fd = InheritedChannels.descriptorOf(connection.channel);
    for (ChildSlots.Slot slot : candidates) {
      if (slot.handOff(payload, fd)) {
        // No read may happen between the send and here: from now on the bytes are the child's.
        release(connection);
        slot.handedOff(now);
        counters.handedOff();
        LOG.debug(
            "{} {} -> {}, slot {}, {} bytes",
            connection.client(),
            connection.routable.what(),
            vhost.serverName(),
            slot.slot,
            received.position() - connection.proxyHeaderLength);
        return true;
      }
    }
    return false;
  }

  /**
   * Holds a connection that no child could take: its group has no READY child (cold, starting, or
   * being replaced after a crash or recycling) or none took it. It waits, with every byte read, for
   * a child of the group to become READY ({@link #handOffHeld}), at most {@code ChildWaitTimeout};
   * then, or at once when {@code ChildWaitTimeout} is 0 or too many connections are held already,
   * it gets 503 with Retry-After (a TLS or h2c one is closed instead).
   */
  private void hold(ClientConnection connection, ByteBuffer received, long now) throws IOException {
    VirtualHost vhost = connection.vhost;
    if (childWaitNanos <= 0 || !held.add(connection)) {
      LOG.debug(
          "{} {} -> {}: no child of {} can take it, none held ({} held for it, {} in all)",
          connection.client(),
          connection.routable.what(),
          vhost.serverName(),
          vhost.group().label(),
          held.heldFor(vhost.group()),
          held.count());
      refuse(connection, 503);
      return;
    }
    if (connection.received == null) {
      // Its bytes are in the shared first-read buffer, which the next connection reuses.
      connection.received =
          ByteBuffer.allocate(HandoffMessage.MAX_ALREADY_READ).put(received.duplicate().flip());
    }
    connection.state = ClientConnection.State.WAITING_FOR_CHILD;
    connection.deadline = now + childWaitNanos;
    // Registered, so that its deadline is kept and a stop closes it; nothing to read meanwhile.
    connection.watch(selector, 0);
    counters.held();
    LOG.debug(
        "{} {} -> {}: no READY child of {}; held ({} for it)",
        connection.client(),
        connection.routable.what(),
        vhost.serverName(),
        vhost.group().label(),
        held.heldFor(vhost.group()));
  }

  /** Hands the held connections, oldest first, to the children of their groups that are READY. */
  private void handOffHeld(long now) {
    if (held.count() == 0) {
      return;
    }
    held.handOff(
        connection -> {
          try {
            return handOffToAChild(connection, connection.received, now);
          } catch (IOException | RuntimeException e) {
            LOG.debug("Held connection from {} failed: {}", connection.client(), e.toString());
            release(connection);
            return true;
          }
        });
    // Those still held: their groups want a child (on-demand groups start one on it).
    held.askForChildren(
        now,
        (group, count) ->
            toLauncher.accept(
                new AcceptorToLauncher.Wanted(group.user().uid(), group.group().gid(), count)));
  }

  /** Refuses a connection that no child will get: see {@link AnswerWriter#refuse}. */
  private void refuse(ClientConnection connection, int status) throws IOException {
    answers.refuse(connection, status, timeoutNanos);
  }

  /** The name a hand-off message gives the chosen virtual host: its ServerName, if one fits. */
  static String hostName(VirtualHost vhost) {
    String name = vhost.serverName();
    if (name == null
        || name.length() > HandoffMessage.MAX_HOST_NAME
        || !name.chars().allMatch(c -> c > ' ' && c < 0x7F)) {
      return "";
    }
    return name;
  }

  private void enforceDeadlines(long now) {
    for (SelectionKey key : selector.keys()) {
      if (!key.isValid() || !(key.attachment() instanceof ClientConnection connection)) {
        continue;
      }
      if (now - connection.deadline < 0) {
        continue;
      }
      try {
        if (connection.state == ClientConnection.State.READING_PROXY) {
          LOG.debug(
              "{}: no whole PROXY header within the Timeout ({} bytes); closed",
              remoteOf(connection),
              connection.receivedBytes());
          release(connection);
        } else if (connection.state == ClientConnection.State.WAITING_FOR_CHILD) {
          held.remove(connection);
          LOG.debug(
              "{} -> {}: no child of {} READY within the ChildWaitTimeout",
              connection.client(),
              connection.vhost.serverName(),
              connection.vhost.group().label());
          refuse(connection, 503);
        } else if (connection.state == ClientConnection.State.READING_HEAD) {
          LOG.debug(
              "{}: no whole {} within the Timeout ({} bytes)",
              connection.client(),
              connection.reader.protocol(),
              connection.receivedBytes());
          refuse(connection, 408);
        } else {
          release(connection);
        }
      } catch (IOException | RuntimeException e) {
        LOG.debug("Connection from {} failed: {}", remoteOf(connection), e.toString());
        release(connection);
      }
    }
  }

  /** Routes by this configuration's virtual hosts, and reads heads under its limits. */
  private void useConfiguration(ServerConfig config) {
    this.virtualHosts = config.virtualHostTable();
    this.proxyProtocol = config.proxyProtocolTable();
    ConnectionSettings connection = config.mainServer().connection();
    this.limits =
        new HeadLimits(
            connection.limitRequestLine(),
            connection.limitRequestFieldSize(),
            connection.limitRequestFields());
    this.timeoutNanos = connection.timeout().toNanos();
    this.childWaitNanos = config.childWaitTimeout().toNanos();
  }

  private void applyControlMessages() {
    // Read before the inbox: whatever the launcher said before the end is applied first.
    boolean ended = launcherGone;
    LauncherToAcceptor message;
    while ((message = inbox.poll()) != null) {
      if (message instanceof LauncherToAcceptor.Child child) {
        slots.ready(child);
      } else if (message instanceof LauncherToAcceptor.Backlog backlog) {
        slots.backlog(backlog);
      } else if (message instanceof LauncherToAcceptor.Gone gone) {
        for (ReceivedPacket packet : slots.gone(gone.slot())) {
          routeAgain(packet);
        }
      } else if (message instanceof LauncherToAcceptor.Reload reload) {
        reload(reload);
      } else if (message instanceof LauncherToAcceptor.Status status) {
        this.status.update(status.scoreboard());
        if (!accepting) {
          startAccepting("the launcher has announced the ready children");
        }
      } else if (message instanceof LauncherToAcceptor.Hosts hosts) {
        this.status.update(hosts);
      } else if (message instanceof LauncherToAcceptor.Stop) {
        LOG.info("STOP from the launcher");
        stoppedBy = "STOP";
        return;
      }
    }
    if (ended) {
      LOG.info("Control channel closed: the launcher has gone");
      stoppedBy = "launcher gone";
    }
  }

  /**
   * Starts taking connections from the listen sockets. Not before the launcher's first scoreboard,
   * which it sends right after announcing every READY child: until then every connection would get
   * 503 for want of a child, while in the kernel's backlog it only waits (a restarted acceptor
   * would otherwise answer 503 to everything queued while it was gone). A launcher that sends none
   * in {@link #ACCEPT_WITHOUT_SCOREBOARD_NANOS} is not waited for any longer.
   */
  private void startAccepting(String why) {
    accepting = true;
    for (ListenSocket socket : listenSockets) {
      SelectionKey key = socket.channel().keyFor(selector);
      if (key != null && key.isValid()) {
        key.interestOps(SelectionKey.OP_ACCEPT);
      }
    }
    LOG.info("Accepting connections: {}", why);
  }

  /** A graceful restart: the new generation's configuration, from the fd that came with it. */
  private void reload(LauncherToAcceptor.Reload message) {
    if (message.configFd() < 0) {
      LOG.warn("RELOAD without the new generation's configuration: routing as before");
      return;
    }
    ServerConfig fresh = reload.apply(message.configFd());
    if (fresh != null) {
      useConfiguration(fresh);
      LOG.info(
          "Configuration of the new generation received: routing by its {} virtual hosts",
          fresh.virtualHosts().size());
    }
  }

  /** Lets go of a connection: see {@link ReleasedSockets}. */
  private void release(ClientConnection connection) {
    released.release(connection.key, connection.channel);
  }

  /**
   * Routes again a connection that a child never took: the socket, with the bytes the hand-off
   * carried, read anew by a fresh reader (so that it goes where it went the first time), then
   * handed to another READY child of its group, or held for one.
   */
  private void routeAgain(ReceivedPacket packet) {
    ClientConnection connection = null;
    try {
      HandoffMessage message = HandoffMessage.decode(packet.payload());
      SocketChannel channel =
          SocketChannels.adopt(
              packet.fd(),
              message.inet6() ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
      if (message.listenerIndex() >= listenSockets.size()) {
        ReleasedSockets.closeNow(channel);
        return;
      }
      channel.configureBlocking(false);
      ListenSocket socket = listenSockets.get(message.listenerIndex());
      connection =
          new ClientConnection(
              channel,
              socket,
              FirstBytesReader.forConnection(socket.secure(), channel, limits, virtualHosts),
              false,
              System.nanoTime() + timeoutNanos);
      connection.proxied = message.proxied();
      ByteBuffer received =
          ByteBuffer.allocate(HandoffMessage.MAX_ALREADY_READ).put(message.alreadyRead());
      connection.received = received;
      FirstBytesReader.Outcome outcome = connection.reader.read(received.duplicate().flip());
      if (outcome instanceof FirstBytesReader.Routable routable) {
        route(connection, routable, received);
      } else {
        release(connection);
      }
    } catch (IOException | RuntimeException | MalformedHandoffException e) {
      LOG.warn("A connection a child never took could not be routed again: {}", e.toString());
      if (connection != null) {
        release(connection);
      }
    }
  }

  private void shutdown() {
    for (ListenSocket socket : listenSockets) {
      try {
        socket.channel().close();
      } catch (IOException e) {
        LOG.warn("Closing {}: {}", socket.listener().address(), e.toString());
      }
    }
    for (SelectionKey key : selector.keys()) {
      if (key.attachment() instanceof ClientConnection connection) {
        released.release(key, connection.channel);
      }
    }
    try {
      released.closeReleased();
      selector.close();
    } catch (IOException e) {
      LOG.warn("Closing the selector: {}", e.toString());
    }
    slots.closeAll();
  }

  private static Object remoteOf(ClientConnection connection) {
    try {
      return connection.channel.getRemoteAddress();
    } catch (IOException e) {
      return "a client";
    }
  }
}
