package org.perchild.container.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.perchild.config.VirtualHost;
import org.perchild.container.AppBase;
import org.perchild.container.security.HostRealms;
import org.perchild.container.sessions.SharedSessions;
import org.perchild.environment.EnvironmentChoice;
import org.perchild.environment.ServletEnvironment;
import org.perchild.environment.ServletEnvironments;
import org.perchild.environment.WebAppSpec;
import org.perchild.environment.WebApplication;
import org.perchild.posix.FileTrees;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One virtual host's web applications in a running child: deploys what its {@code AppBase} holds
 * when the child starts, then polls it (every {@link #DEFAULT_INTERVAL}) and deploys, redeploys and
 * undeploys as {@link AppBaseScanner} decides, in the host's {@link ContextHandlerCollection},
 * without stopping the child or the host's other applications. {@link
 * org.perchild.container.ChildServer} builds one per virtual host, puts {@link #handler()} in its
 * handler tree and starts it after the Jetty server.
 *
 * <p>Each application is built by the servlet environment it needs ({@link EnvironmentChoice}: ee8,
 * ee9 or ee10, from its {@code web.xml} or classes, or a {@code <name>.properties} beside it),
 * loaded from that environment's own class loader ({@link ServletEnvironments}) the first time an
 * application of this child needs it.
 *
 * <p>A new version is started before it replaces the old one in the collection, so requests go to
 * the old version until the new one is ready, then to the new one. An application that fails to
 * start (a truncated WAR, a listener that throws, a malformed {@code web.xml}) is logged at ERROR
 * with the reason and answers 503 at its path; nothing else is affected.
 *
 * <p>Behind the applications, the host's {@code DocumentRoot} (if any) serves static files with
 * Jetty's {@link ResourceHandler}: ETag and Last-Modified validators, ranges, {@code index.html} as
 * the welcome file, no directory listings (403, as httpd with {@code Options -Indexes}). Only the
 * requests no application takes reach it, so a {@code ROOT} application (mapped at {@code /}) wins.
 *
 * <p>The polls run on the child's shared {@link Scheduler} (Jetty's), not on a thread of their own:
 * each poll schedules the next one when it is done, so a slow deployment delays only this host's
 * next poll, and one host never has two polls at once.
 *
 * <pre>
 *   STOPPED ──start──▶ STARTED (a poll every interval on the scheduler) ──stop──▶ STOPPED (a poll in
 *   progress finishes first; the applications stop with the server, whose handler tree they are in)
 * </pre>
 */
public final class AppBaseDeployer extends AbstractLifeCycle {

  /** How often the {@code AppBase} is polled; a WAR is deployed after two equal polls. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(AppBaseDeployer.class);

  /**
   * A deployed application: its web application (null for a 503 stand-in), its core handler and its
   * temp dir.
   */
  private record Live(
      AppBase.WebApp app, WebApplication application, ContextHandler context, Path temp) {}

  private final Server server;
  private final VirtualHost host;
  private final String prefix;
  private final Path workDirectory;
  private final Duration interval;
  private final AppBaseScanner scanner;
  private final ContextHandlerCollection contexts = new ContextHandlerCollection();
  private final Handler handler;
  private final Map<String, Live> live = new ConcurrentSkipListMap<>();
  private final Scheduler scheduler;
  private final ServletEnvironments environments;
  private final HostRealms realms;

  /** Held by a poll: a stop waits for the one in progress, which must not be left half done. */
  private final ReentrantLock polling = new ReentrantLock();

  private int generation;
  private volatile Scheduler.Task next;

  /**
   * Builds the host's handlers and its applications as they are now (not started: they start with
   * {@code server}).
   *
   * @param server the child's Jetty server
   * @param host the virtual host
   * @param prefix makes the work directories of this host unique in the child, e.g. its index
   * @param workDirectory a directory only this child can write, where WARs are unpacked
   * @param interval how often to poll the {@code AppBase}
   * @param scheduler where the polls run: the child's shared scheduler, started before this
   * @param environments the servlet environments, loaded as applications need them
   * @param realms the host's {@code WebAppRealm}s, which give each application's {@code
   *     <login-config>} a login service of its own
   * @throws IOException if the {@code AppBase} cannot be listed or a work directory made
   */
  public AppBaseDeployer(
      Server server,
      VirtualHost host,
      String prefix,
      Path workDirectory,
      Duration interval,
      Scheduler scheduler,
      ServletEnvironments environments,
      HostRealms realms)
      throws IOException {
    this.server = server;
    this.environments = environments;
    this.realms = realms;
    this.scheduler = scheduler;
    this.host = host;
    this.prefix = prefix;
    this.workDirectory = workDirectory;
    this.interval = interval;
    this.scanner = host.appBase() == null ? null : new AppBaseScanner(host.appBase());
    if (scanner == null) {
      LOG.info("virtual host {} has no AppBase: no webapps to deploy", host.serverName());
    } else {
      for (AppBaseScanner.Change change : scanner.initial()) {
        Live built = build(change.app());
        contexts.addHandler(built.context());
        live.put(change.app().contextPath(), built);
      }
    }
    if (host.documentRoot() == null) {
      handler = contexts;
    } else {
      handler = new Handler.Sequence(contexts, documentRoot(host.documentRoot()));
    }
  }

  /** The host's handler: its applications by context path, then its {@code DocumentRoot}. */
  public Handler handler() {
    return handler;
  }

  /**
   * The web applications deployed now (one that failed to start included, not one that could not be
   * built), by context path.
   */
  public List<WebApplication> webApps() {
    return live.values().stream().map(Live::application).filter(a -> a != null).toList();
  }

  @Override
  protected void doStart() throws Exception {
    // The server (started before this) has started the applications found at construction.
    for (Live each : live.values()) {
      report(each, "deployed");
    }
    super.doStart();
    if (scanner != null) {
      next = scheduler.schedule(this::scheduledPoll, interval);
    }
  }

  @Override
  protected void doStop() throws Exception {
    Scheduler.Task task = next;
    if (task != null) {
      task.cancel();
    }
    // Let a deployment in progress finish: an interrupted one would leave a half-started context.
    if (polling.tryLock(30, TimeUnit.SECONDS)) {
      polling.unlock();
    } else {
      LOG.warn("virtual host {}: a deployment did not finish in 30 s", host.serverName());
    }
    next = null;
    super.doStop();
  }

  /** One poll on the scheduler, then the next one, unless the deployer is stopping. */
  private void scheduledPoll() {
    polling.lock();
    try {
      if (!isRunning()) {
        return;
      }
      poll();
      if (isRunning()) {
        next = scheduler.schedule(this::scheduledPoll, interval);
      }
    } finally {
      polling.unlock();
    }
  }

  /** One poll; never throws, since an exception would end the scheduled polling for good. */
  void poll() {
    List<AppBaseScanner.Change> changes;
    try {
      changes = scanner.scan();
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "AppBase {} of {}: cannot list it: {}", host.appBase(), host.serverName(), e.toString());
      return;
    }
    for (AppBaseScanner.Change change : changes) {
      try {
        apply(change);
      } catch (Exception | LinkageError e) {
        LOG.error(
            "webapp {}: {} at {}{} failed",
            change.app().source().getFileName(),
            change.action(),
            host.serverName(),
            change.app().contextPath(),
            e);
      }
    }
  }

  private void apply(AppBaseScanner.Change change) throws Exception {
    String path = change.app().contextPath();
    switch (change.action()) {
      case DEPLOY -> {
        Live started = start(change.app());
        contexts.addHandler(started.context());
        // Added while running, the collection does not manage it: make it stop with the server.
        contexts.manage(started.context());
        live.put(path, started);
        report(started, "deployed");
      }
      case REDEPLOY -> {
        Live started = start(change.app());
        Live old = live.get(path);
        if (old == null || !contexts.replaceHandler(old.context(), started.context())) {
          contexts.addHandler(started.context());
        }
        contexts.manage(started.context());
        live.put(path, started);
        report(started, "redeployed");
        if (old != null) {
          stop(old);
        }
      }
      case UNDEPLOY -> {
        Live old = live.remove(path);
        if (old != null) {
          contexts.removeHandler(old.context());
          stop(old);
          LOG.info(
              "webapp {} undeployed from {}{}",
              old.app().source().getFileName(),
              host.serverName(),
              path);
        }
      }
    }
  }

  /** A started handler for {@code app}: its web application, or a 503 stand-in if it threw. */
  private Live start(AppBase.WebApp app) throws IOException {
    Live built = build(app);
    ContextHandler context = built.context();
    context.setServer(server);
    try {
      context.start();
      return built;
    } catch (Exception | LinkageError e) {
      LOG.error(
          "webapp {} failed to deploy at {}{}; it answers 503, the other webapps serve: {}",
          app.source().getFileName(),
          host.serverName(),
          app.contextPath(),
          e.toString(),
          e);
      try {
        context.stop();
      } catch (Exception stopFailure) {
        e.addSuppressed(stopFailure);
      }
      deleteTree(built.temp());
      Unavailable unavailable = new Unavailable(app.contextPath());
      unavailable.setServer(server);
      try {
        unavailable.start();
      } catch (Exception impossible) {
        throw new IllegalStateException(impossible);
      }
      return new Live(app, null, unavailable, null);
    }
  }

  /**
   * Builds (does not start) the application with the environment it needs; if that cannot be chosen
   * or loaded, a 503 stand-in, and the reason at ERROR.
   */
  private Live build(AppBase.WebApp app) throws IOException {
    String name = app.contextPath().equals("/") ? "ROOT" : app.contextPath().substring(1);
    // A new directory per generation: the old version may still be serving from its own.
    // One directory per deployment: the copy of a packed WAR, and Jetty's temp directory (the
    // unpacked WAR, compiled JSPs), which Jetty empties when the application starts.
    Path temp = workDirectory.resolve(prefix + "-" + name + "-" + ++generation);
    var privateDirectory =
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    Files.createDirectory(temp, privateDirectory);
    Path jettyTemp = Files.createDirectory(temp.resolve("work"), privateDirectory);
    String displayName = host.serverName() + app.contextPath();
    ServletEnvironment environment;
    EnvironmentChoice choice;
    try {
      choice = EnvironmentChoice.of(app.source());
      environment = environments.get(choice.environment());
    } catch (IOException | RuntimeException | LinkageError e) {
      LOG.error(
          "webapp {} failed to deploy at {}{}; it answers 503, the other webapps serve: {}",
          app.source().getFileName(),
          host.serverName(),
          app.contextPath(),
          e.toString());
      deleteTree(temp);
      return new Live(app, null, new Unavailable(app.contextPath()), null);
    }
    LOG.info(
        "webapp {} at {}: servlet environment {} ({})",
        app.source().getFileName(),
        displayName,
        choice.environment(),
        choice.reason());
    // A packed WAR is deployed from a copy of its own: Jetty keeps a WAR's zip file system mounted
    // by path while the application runs, so a new version written over it in place would be read
    // through the old version's mount, and a removed one would be written back.
    Path war = app.source();
    if (app.isWar()) {
      war = temp.resolve(app.source().getFileName());
      Files.copy(app.source(), war);
    }
    WebAppSpec spec =
        new WebAppSpec(
            server,
            app.contextPath(),
            war,
            jettyTemp,
            displayName,
            realm ->
                realms.loginService(
                    app.source().getFileName().toString(), app.contextPath(), realm));
    // The environment's classes, not the child's, resolve what the application's setup loads.
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(environment.getClass().getClassLoader());
    try {
      WebApplication application = environment.create(spec);
      // Sessions are kept by host and path: two hosts of a tenant may both have a /shop. On the
      // core context, which the session handler of every environment (ee8/ee9 nested too) sees.
      application.handler().setAttribute(SharedSessions.VIRTUAL_HOST, host.serverName());
      return new Live(app, application, application.handler(), temp);
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  /** A context that answers 503 at the path of an application that could not start or be built. */
  private static final class Unavailable extends ContextHandler {
    Unavailable(String contextPath) {
      super(contextPath);
      // A context without a handler declines every request (404): with one, it answers 503.
      setHandler(
          new Handler.Abstract() {
            @Override
            public boolean handle(
                org.eclipse.jetty.server.Request request,
                org.eclipse.jetty.server.Response response,
                org.eclipse.jetty.util.Callback callback) {
              return false;
            }
          });
    }

    @Override
    protected void doStart() throws Exception {
      super.doStart();
      setAvailable(false);
    }
  }

  private void stop(Live old) {
    try {
      old.context().stop();
    } catch (Exception e) {
      LOG.warn("webapp {}: stopping it failed: {}", old.app().source().getFileName(), e.toString());
    }
    deleteTree(old.temp());
  }

  /** Logs whether a started application serves, or answers 503 and why. */
  private void report(Live each, String verb) {
    ContextHandler context = each.context();
    Throwable failure = each.application() == null ? null : each.application().unavailableCause();
    if (context.isAvailable() && failure == null) {
      LOG.info(
          "webapp {} {} at {}{} from {}",
          each.app().source().getFileName(),
          verb,
          host.serverName(),
          each.app().contextPath(),
          each.app().source());
    } else if (each.application() != null) {
      LOG.error(
          "webapp {} failed to deploy at {}{}; it answers 503, the other webapps serve: {}",
          each.app().source().getFileName(),
          host.serverName(),
          each.app().contextPath(),
          failure == null ? "unavailable" : failure.toString());
    }
  }

  private static ContextHandler documentRoot(Path directory) {
    ContextHandler context = new ContextHandler("/");
    context.setBaseResourceAsPath(directory);
    context.setDisplayName("DocumentRoot " + directory);
    ResourceHandler files = new ResourceHandler();
    files.setDirAllowed(false);
    files.setEtags(true);
    files.setAcceptRanges(true);
    files.setWelcomeFiles("index.html");
    context.setHandler(files);
    return context;
  }

  private static void deleteTree(Path root) {
    try {
      FileTrees.delete(root);
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", root, e.toString());
    }
  }
}
