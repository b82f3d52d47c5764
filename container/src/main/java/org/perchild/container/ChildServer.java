package org.perchild.container;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.handler.StatisticsHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.perchild.config.ThreadSettings;
import org.perchild.config.TlsSettings;
import org.perchild.config.VirtualHost;
import org.perchild.config.VirtualHostTable;
import org.perchild.container.deploy.AppBaseDeployer;
import org.perchild.container.handoff.H2cConnectionFactory;
import org.perchild.container.handoff.HandedOffHttpConnectionFactory;
import org.perchild.container.handoff.HandoffConnector;
import org.perchild.container.handoff.HandoffEndPoint;
import org.perchild.container.handoff.MisdirectedRequestHandler;
import org.perchild.container.handoff.RefusedConnectionException;
import org.perchild.container.logging.HostCounters;
import org.perchild.container.logging.VirtualHostRequestLog;
import org.perchild.container.security.HostRealms;
import org.perchild.container.sessions.SharedSessions;
import org.perchild.container.threads.SpareThreadPool;
import org.perchild.container.threads.SpareThreadSettings;
import org.perchild.container.tls.HostTls;
import org.perchild.container.tls.ListenerTls;
import org.perchild.container.tls.TlsHosts;
import org.perchild.container.tls.TlsRequests;
import org.perchild.environment.ServletEnvironments;
import org.perchild.environment.WebApplication;
import org.perchild.protocol.HandoffMessage;
import org.perchild.protocol.LoadReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The child's embedded Jetty: one {@link HandoffConnector} (no port; connections arrive from the
 * acceptor), a {@link SpareThreadPool} named after the child's group, and one web application per
 * WAR in the {@code AppBase} of each of the child's own virtual hosts, each built by the servlet
 * environment it needs (ee8, ee9 or ee10, {@link ServletEnvironments}). {@link ChildMain} builds it
 * after the privilege drop, starts it, and feeds its connector.
 *
 * <p>{@link #listening} builds the same server with Jetty's own {@link ServerConnector}s on the
 * {@code Listen} addresses instead of the hand-off connector: that is {@code perchild -X} ({@link
 * SingleProcessMain}), every virtual host in one process, and the benchmark's baseline.
 *
 * <p>Handler tree, outermost first: {@link MisdirectedRequestHandler} (421 for a host that is none
 * of ours, docs/ARCHITECTURE.md, invariant 4) → {@link GracefulHandler} (a graceful stop waits for
 * requests in flight) → one {@link ContextHandlerCollection} per virtual host (its web
 * applications, by context path, then its {@code DocumentRoot}). The virtual host of a request is
 * chosen here exactly as the acceptor chose it ({@link VirtualHostTable}: local address and port,
 * then {@code ServerName}/{@code ServerAlias} with httpd's wildcards, then the address's default),
 * not by Jetty's own virtual-host matching.
 *
 * <p>Each virtual host's web applications are deployed, and hot-deployed while the child runs, by
 * its {@link AppBaseDeployer}. A web application that fails to deploy (a broken WAR, a listener
 * that throws) is logged and answers 503; the others serve. Nothing about one tenant's application
 * stops the child.
 *
 * <p>Sessions: the same session ids in every child, and, once {@link #storeSessionsIn} has named
 * the tenant's session directory, every web application's sessions in files there, which every
 * child of the tenant reads ({@link SharedSessions}).
 */
public final class ChildServer extends ContainerLifeCycle {

  private static final Logger LOG = LoggerFactory.getLogger(ChildServer.class);

  /** The system property that makes a child use Jetty's QueuedThreadPool, for benchmarks only. */
  public static final String POOL_PROPERTY = "perchild.threadPool";

  private static final int QUEUED_POOL_SELECTOR_ALLOWANCE = 4;

  /**
   * httpd's default ListenBacklog, the backlog the launcher binds with; {@code -X} binds with the
   * same so that the two are compared on equal terms.
   */
  private static final int LISTEN_BACKLOG = 511;

  private final Server server;
  private final HandoffConnector connector;
  private final List<ServerConnector> serverConnectors = new ArrayList<>();
  private final MisdirectedRequestHandler misdirected;
  private final List<AppBaseDeployer> deployers = new ArrayList<>();
  private final ThreadPool pool;
  private final StatisticsHandler statistics;
  private final ScheduledExecutorScheduler scheduler;
  private final ServletEnvironments environments = ServletEnvironments.installed();
  private HostCounters hostCounters;
  private final TlsHosts<VirtualHost> tlsHosts;

  /**
   * The whole server's routing table, by which every request's host is chosen: replaced by {@link
   * #routeBy} when a graceful restart keeps this child while other tenants' hosts change.
   */
  private volatile VirtualHostTable table;

  /**
   * Builds (does not start) the server.
   *
   * @param name the thread pool's name, e.g. {@code perchild-alice}
   * @param threads the spare-thread directives
   * @param table the whole server's routing table, to choose each request's virtual host exactly as
   *     the acceptor chose it
   * @param hosts this child's virtual hosts only (docs/ARCHITECTURE.md, invariant 3)
   * @param stopTimeout how long a graceful stop waits for requests in flight
   * @param workDirectory a directory only this child can write, where WARs are unpacked
   * @throws IOException if an {@code AppBase} cannot be listed or a work directory made
   */
  public ChildServer(
      String name,
      ThreadSettings threads,
      VirtualHostTable table,
      List<VirtualHost> hosts,
      Duration stopTimeout,
      Path workDirectory)
      throws IOException {
    this(name, threads, table, hosts, null, stopTimeout, workDirectory);
  }

  /**
   * Builds (does not start) the server of {@code perchild -X}: the same handler tree and thread
   * pool as a child's, but one {@link ServerConnector} per {@code Listen} (a listener without an
   * address binds every IPv4 and IPv6 address) and no hand-off connector.
   *
   * @param listeners the {@code Listen} sockets to bind, {@code http} or {@code https} (named in
   *     full here: ContainerLifeCycle's nested {@code Listener} types shadow an import); an {@code
   *     https} one terminates TLS here with every TLS host's certificate ({@link ListenerTls})
   * @throws IllegalArgumentException if a listener is neither {@code http} nor {@code https}
   * @see #ChildServer(String, ThreadSettings, VirtualHostTable, List, Duration, Path) the other
   *     parameters
   */
  public static ChildServer listening(
      String name,
      ThreadSettings threads,
      VirtualHostTable table,
      List<VirtualHost> hosts,
      List<org.perchild.config.Listener> listeners,
      Duration stopTimeout,
      Path workDirectory)
      throws IOException {
    for (org.perchild.config.Listener listener : listeners) {
      if (!listener.protocol().equals("http") && !listener.protocol().equals("https")) {
        throw new IllegalArgumentException(
            "Listen "
                + listener.address()
                + " "
                + listener.protocol()
                + ": only http and https are served");
      }
    }
    return new ChildServer(
        name, threads, table, hosts, List.copyOf(listeners), stopTimeout, workDirectory);
  }

  /** {@code listeners} null: the hand-off connector; else a server connector for each. */
  private ChildServer(
      String name,
      ThreadSettings threads,
      VirtualHostTable table,
      List<VirtualHost> hosts,
      List<org.perchild.config.Listener> listeners,
      Duration stopTimeout,
      Path workDirectory)
      throws IOException {
    this.table = table;
    pool = threadPool(name, threads);
    server = new Server(pool);
    server.setStopTimeout(stopTimeout.toMillis());
    // SIGTERM from the launcher stops Jetty as politely as STOP does.
    server.setStopAtShutdown(true);

    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    // At least what the acceptor may have read before the hand-off, so that a head it accepted
    // is never refused here.
    int alreadyRead = HandoffMessage.MAX_ALREADY_READ;
    http.setRequestHeaderSize(Math.max(http.getRequestHeaderSize(), alreadyRead));
    http.setInputBufferSize(Math.max(http.getInputBufferSize(), alreadyRead));
    http.setPersistentConnectionsEnabled(hosts.stream().anyMatch(h -> h.connection().keepAlive()));
    // TLS: isSecure() and https for requests over it; Jetty's SNI host check (400 "Invalid SNI")
    // is off, the 421 rules of route() replace it.
    http.addCustomizer(new SecureRequestCustomizer(false, false, -1, false));
    http.setSecureScheme("https");
    List<VirtualHost> own = List.copyOf(hosts);
    // -X terminates TLS per listener instead (ListenerTls), with every TLS host's certificate.
    // Counts each host's requests and TLS handshakes for the scoreboard (HOSTS reports).
    hostCounters = new HostCounters(hosts);
    tlsHosts =
        new TlsHosts<>(listeners == null ? tlsSettings(own) : Map.of(), hostCounters::handshakes);
    H2cConnectionFactory h2c =
        new H2cConnectionFactory(http, (local, host) -> allowsH2c(this.table, own, local, host));
    long idleTimeout = idleTimeout(hosts).toMillis();
    if (listeners == null) {
      HandedOffHttpConnectionFactory http11 = new HandedOffHttpConnectionFactory(http);
      // The protocols ALPN and h2c find by name, one of each for every host: a host's TLS
      // factory (its own SSL context and ALPN list) comes from tlsHosts.
      connector =
          new HandoffConnector(server, -1, http11, new HTTP2ServerConnectionFactory(http), h2c);
      connector.setProtocolChoice(attachment -> protocolFor(this.table, own, attachment, http11));
      connector.setIdleTimeout(idleTimeout);
      server.addConnector(connector);
    } else {
      connector = null;
      for (org.perchild.config.Listener listener : listeners) {
        ServerConnector each =
            listener.protocol().equals("https")
                ? ListenerTls.connector(server, table, own, listener, http, ChildServer::tlsOf)
                : new ServerConnector(server, 1, -1, new HttpConnectionFactory(http), h2c);
        // null: the wildcard address, which the JDK binds dual-stack (IPv4 and IPv6).
        each.setHost(listener.host());
        each.setPort(listener.port());
        each.setAcceptQueueSize(LISTEN_BACKLOG);
        each.setIdleTimeout(idleTimeout);
        each.setName(listener.address());
        server.addConnector(each);
        serverConnectors.add(each);
      }
    }

    // Jetty's HTTP/2 factories set the input buffer of the configuration they are given (the one
    // every protocol here shares) to 16 KiB as they are made: what the acceptor read must fit.
    http.setInputBufferSize(Math.max(http.getInputBufferSize(), alreadyRead));

    // One for each host's AppBase polls, one for the LOAD/HOSTS reports and one for a dump, so that
    // a slow deployment (each host has at most one poll at a time) never delays a report.
    int polled = (int) hosts.stream().filter(h -> h.appBase() != null).count();
    scheduler = new ScheduledExecutorScheduler(name + "-housekeeping", true, polled + 2);
    // First in, last out: it runs the deployers' polls and the child's reports.
    addBean(scheduler, true);
    // Each TLS host's certificate and key, read now that the child runs as its tenant, before the
    // connector takes a connection.
    addBean(tlsHosts, true);

    Handler.Sequence byHost = new Handler.Sequence();
    int hostIndex = 0;
    for (VirtualHost host : hosts) {
      hostIndex++;
      AppBaseDeployer deployer =
          new AppBaseDeployer(
              server,
              host,
              Integer.toString(hostIndex),
              workDirectory,
              AppBaseDeployer.DEFAULT_INTERVAL,
              scheduler,
              environments,
              HostRealms.of(host));
      deployers.add(deployer);
      byHost.addHandler(new HostContexts(host, deployer.handler()));
    }
    misdirected =
        MisdirectedRequestHandler.forRequests(
            request -> route(this.table, own, request),
            connector == null ? new GracefulHandler(byHost) : new AfterHandOffs(byHost, connector));
    // Counts every request and byte this child answers, for its LOAD reports (mod_status's
    // Total Accesses and Total kBytes).
    statistics = new StatisticsHandler(misdirected);
    server.setHandler(statistics);
    // RequestLog.Collection does not start its members: the access logs are a bean of their own.
    VirtualHostRequestLog accessLogs = new VirtualHostRequestLog(hosts);
    server.addBean(accessLogs, true);
    server.setRequestLog(new RequestLog.Collection(accessLogs, hostCounters));
    // A session id means the same in every child of the tenant (docs/ARCHITECTURE.md, invariant
    // 11).
    SharedSessions.sameIdsInEveryChild(server);
    addBean(server, true);
    // Started after the server (whose start deploys what each AppBase holds), stopped before it.
    for (AppBaseDeployer deployer : deployers) {
      addBean(deployer, true);
    }
  }

  /**
   * From now on, chooses each request's host by {@code fresh}: the routing table of a new
   * generation whose own hosts for this child are the very records it serves (the caller checks),
   * so that only other tenants' hosts differ. A request already routed keeps its host.
   */
  public void routeBy(VirtualHostTable fresh) {
    table = fresh;
  }

  /**
   * The connection's idle timeout is one for all hosts (a connection's host is known only once a
   * request is read): the longest KeepAliveTimeout among them, so no host's clients are cut short.
   */
  private static Duration idleTimeout(List<VirtualHost> hosts) {
    Duration longest = Duration.ZERO;
    for (VirtualHost host : hosts) {
      Duration each = host.connection().keepAliveTimeout();
      if (each.compareTo(longest) > 0) {
        longest = each;
      }
    }
    if (hosts.stream().map(h -> h.connection().keepAliveTimeout()).distinct().count() > 1) {
      LOG.info(
          "virtual hosts differ in KeepAliveTimeout; this child uses the longest, {}", longest);
    }
    return longest.isZero() ? Duration.ofSeconds(5) : longest;
  }

  /**
   * The child's thread pool: perchild's {@link SpareThreadPool}, or, for the benchmark that
   * compares the two (bench/bench.sh --threads) and nothing else, Jetty's own {@link
   * QueuedThreadPool} when the JVM runs with {@value #POOL_PROPERTY}{@code =queued}.
   */
  private static ThreadPool threadPool(String name, ThreadSettings threads) {
    if ("queued".equals(System.getProperty(POOL_PROPERTY))) {
      LOG.warn("{}: Jetty's QueuedThreadPool instead of the spare-thread pool (benchmark)", name);
      return queuedThreadPool(name, threads.maxThreadsPerChild(), threads.minSpareThreads());
    }
    return new SpareThreadPool(
        name,
        new SpareThreadSettings(
            threads.startThreads(),
            threads.minSpareThreads(),
            threads.maxSpareThreads(),
            threads.maxThreadsPerChild(),
            threads.threadLimit(),
            SpareThreadSettings.DEFAULT_TICK));
  }

  /**
   * Jetty's {@link QueuedThreadPool} sized as the child sizes it for the comparison with the
   * spare-thread pool (bench/bench.sh --threads and bench/dispatch.sh): its maxThreads counts the
   * selector threads too, which the spare pool leases on top of MaxThreadsPerChild.
   */
  public static QueuedThreadPool queuedThreadPool(
      String name, int maxThreadsPerChild, int minSpareThreads) {
    QueuedThreadPool queued =
        new QueuedThreadPool(maxThreadsPerChild + QUEUED_POOL_SELECTOR_ALLOWANCE, minSpareThreads);
    queued.setName(name);
    return queued;
  }

  /**
   * Chooses the request's virtual host as the acceptor did (local address and port, then the name,
   * then the address's default) and marks it on the request; false when that host is not one of
   * this child's, which the guard answers with 421.
   */
  private static boolean route(VirtualHostTable table, List<VirtualHost> own, Request request) {
    // The socket's own local address, as the acceptor routed by, not a PROXY header's destination
    // (which is what getLocalSocketAddress reports, for the web applications and the logs).
    SocketAddress local =
        HandoffEndPoint.socketLocalAddress(
            request.getConnectionMetaData().getConnection().getEndPoint());
    if (!(local instanceof InetSocketAddress inet)) {
      return false;
    }
    String host = MisdirectedRequestHandler.hostOf(request);
    if (host != null && host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    VirtualHost chosen = table.select(inet.getAddress(), inet.getPort(), host);
    if (chosen == null || !own.contains(chosen)) {
      return false;
    }
    // Over TLS the connection is the virtual host's that the SNI chose (its certificate, its TLS
    // settings): a request for another host, even one of this child's, is misdirected, as httpd
    // answers it. HTTP/1.1 then closes; HTTP/2 refuses the stream only.
    if (request.isSecure() && tlsChosen(table, request, inet) != chosen) {
      return false;
    }
    // A status Location is the acceptor's, which sees only a connection's first request: on a
    // kept-alive connection it lands here. 421 closes the connection, so that the client's next
    // try reaches the acceptor, and no tenant's webapp ever answers in the acceptor's place.
    if (chosen.locationFor(Request.getPathInContext(request)).isPresent()) {
      return false;
    }
    request.setAttribute(HostContexts.ATTRIBUTE, chosen);
    return true;
  }

  /**
   * The virtual host whose TLS a secure request's connection has: the one the acceptor chose by SNI
   * (its hand-off message names it), or, in {@code -X}, the one the SNI of the session chooses.
   */
  private static VirtualHost tlsChosen(
      VirtualHostTable table, Request request, InetSocketAddress local) {
    EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    String name;
    if (HandoffEndPoint.attachmentOf(endPoint) instanceof HandoffMessage message) {
      name = message.virtualHost();
    } else {
      name = TlsRequests.serverName(endPoint);
    }
    return table.select(
        local.getAddress(), local.getPort(), name == null || name.isEmpty() ? null : name);
  }

  /**
   * The connection factory of a hand-off: for a TLS connection, the TLS (and ALPN) of the virtual
   * host the acceptor chose, which must be one of this child's with TLS; else HTTP/1.1, which takes
   * h2c's preface or Upgrade itself ({@link H2cConnectionFactory}).
   */
  private ConnectionFactory protocolFor(
      VirtualHostTable table, List<VirtualHost> own, Object attachment, ConnectionFactory http11)
      throws IOException {
    if (!(attachment instanceof HandoffMessage message) || !message.secure()) {
      return http11;
    }
    InetSocketAddress local = message.local();
    String name = message.virtualHost().isEmpty() ? null : message.virtualHost();
    VirtualHost host = table.select(local.getAddress(), local.getPort(), name);
    if (host == null || !own.contains(host)) {
      throw new IOException(
          "a TLS connection to " + local + " for " + name + ", which is no host of this child");
    }
    try {
      return tlsHosts.factory(host);
    } catch (RefusedConnectionException e) {
      hostCounters.handshakeFailed(host);
      throw e;
    }
  }

  /**
   * Whether h2c may be spoken: by prior knowledge ({@code host} null) if the default virtual host
   * of the address names it in {@code Protocols}, as the acceptor decides; by Upgrade if the
   * request's virtual host, one of this child's, does.
   */
  private static boolean allowsH2c(
      VirtualHostTable table, List<VirtualHost> own, InetSocketAddress local, String host) {
    VirtualHost chosen;
    if (host == null) {
      List<VirtualHost> candidates = table.candidates(local.getAddress(), local.getPort());
      chosen = candidates.isEmpty() ? null : candidates.get(0);
    } else {
      chosen = table.select(local.getAddress(), local.getPort(), host);
      if (!own.contains(chosen)) {
        return false;
      }
    }
    return chosen != null && chosen.speaks("h2c");
  }

  /** The TLS of each of {@code hosts} that has {@code SSLEngine on}. */
  private static Map<VirtualHost, HostTls> tlsSettings(List<VirtualHost> hosts) {
    Map<VirtualHost, HostTls> settings = new LinkedHashMap<>();
    for (VirtualHost host : hosts) {
      HostTls tls = tlsOf(host);
      if (tls != null) {
        settings.put(host, tls);
      }
    }
    return settings;
  }

  /** A host's TLS, or null without {@code SSLEngine on}. */
  static HostTls tlsOf(VirtualHost host) {
    TlsSettings tls = host.tls();
    if (tls == null) {
      return null;
    }
    return new HostTls(
        host.isMainServer() ? "_default_ (" + host.serverName() + ")" : host.serverName(),
        tls.certificateFile(),
        tls.keyFile(),
        tls.protocols(),
        tls.cipherSuite(),
        host.protocols(),
        tls.provider());
  }

  /**
   * Jetty's graceful handler, whose drain waits for the hand-off connector's: its own shutdown
   * answers 503 to a request that has not reached a handler yet, and a connection just handed over
   * may not have; so a drain of the running child refuses requests only once the connections it
   * already has are done (or their bound is over). A stop of the server is Jetty's at once.
   */
  private static final class AfterHandOffs extends GracefulHandler {
    private final HandoffConnector connector;

    AfterHandOffs(Handler handler, HandoffConnector connector) {
      super(handler);
      this.connector = connector;
    }

    @Override
    public CompletableFuture<Void> shutdown() {
      if (getServer() == null || getServer().isStopping()) {
        return super.shutdown();
      }
      return connector.shutdown().thenCompose(drained -> super.shutdown());
    }
  }

  /** One virtual host's web applications, entered only by the requests routed to that host. */
  private static final class HostContexts extends Handler.Wrapper {
    static final String ATTRIBUTE = VirtualHostRequestLog.VIRTUAL_HOST;
    private final VirtualHost host;

    HostContexts(VirtualHost host, Handler contexts) {
      super(contexts);
      this.host = host;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      return request.getAttribute(ATTRIBUTE) == host && super.handle(request, response, callback);
    }

    /**
     * Blocking, whatever is deployed now: web applications deployed later are blocking, and a
     * started server refuses a handler that would change its invocation type.
     */
    @Override
    public InvocationType getInvocationType() {
      return InvocationType.BLOCKING;
    }
  }

  /**
   * Keeps the sessions of every web application in {@code directory}, the tenant's, which all its
   * children share ({@link SharedSessions#storeIn}); without it, Jetty keeps them in memory, as
   * {@code perchild -X} does. Before {@link #start()}.
   *
   * @throws IllegalStateException once the server has started
   */
  public void storeSessionsIn(Path directory) {
    if (!server.isStopped()) {
      throw new IllegalStateException("sessions are placed before the server starts");
    }
    SharedSessions.storeIn(server, directory);
  }

  /**
   * Where the hand-off receiver gives the connections.
   *
   * @throws IllegalStateException for a server built by {@link #listening}, which has none
   */
  public HandoffConnector connector() {
    if (connector == null) {
      throw new IllegalStateException("this server listens itself: it has no hand-off connector");
    }
    return connector;
  }

  /** The connectors of a server built by {@link #listening}, in {@code Listen} order; else none. */
  public List<ServerConnector> serverConnectors() {
    return List.copyOf(serverConnectors);
  }

  /** The servlet environments, of which this child loads only those its WARs need. */
  public ServletEnvironments environments() {
    return environments;
  }

  /** The Jetty server, for its state and {@code dump()}. */
  public Server server() {
    return server;
  }

  /**
   * The child's housekeeping scheduler, Jetty's: the {@code AppBase} polls and the child's reports
   * run on it, not on threads of their own. Not Jetty's server scheduler, whose timeouts a slow
   * deployment must not hold up.
   */
  public Scheduler scheduler() {
    return scheduler;
  }

  /** The TLS of this child's hosts: which loaded, which did not and why. */
  public TlsHosts<VirtualHost> tlsHosts() {
    return tlsHosts;
  }

  /** The 421 guard, for its count. */
  public MisdirectedRequestHandler misdirected() {
    return misdirected;
  }

  /** The thread pool: a {@link SpareThreadPool} unless the benchmark asked for Jetty's own. */
  public ThreadPool threadPool() {
    return pool;
  }

  /**
   * What this child is doing now, for the LOAD report it sends the launcher every second: its
   * threads (from the spare-thread pool's status), connections in flight, and requests and bytes
   * answered since it started.
   */
  public LoadReport load() {
    int busy;
    int idle;
    int total;
    int queued;
    if (pool instanceof SpareThreadPool spare) {
      var status = spare.status();
      busy = status.busy();
      idle = status.idle();
      total = status.total();
      queued = status.queued();
    } else if (pool instanceof QueuedThreadPool queuedPool) {
      busy = queuedPool.getBusyThreads();
      idle = queuedPool.getIdleThreads();
      total = queuedPool.getThreads();
      queued = queuedPool.getQueueSize();
    } else {
      busy = idle = total = queued = 0;
    }
    int connections = connector != null ? connector.getInFlight() : 0;
    return new LoadReport(
        busy,
        idle,
        total,
        queued,
        connections,
        statistics.getRequestTotal(),
        statistics.getBytesWritten());
  }

  /** Per virtual host: requests, bytes and responses by class, for the HOSTS report. */
  public HostCounters hostCounters() {
    return hostCounters;
  }

  /** The web applications, in deployment order. */
  public List<WebApplication> webApps() {
    return deployers.stream().flatMap(d -> d.webApps().stream()).toList();
  }
}
