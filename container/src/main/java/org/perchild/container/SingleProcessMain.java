package org.perchild.container;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.eclipse.jetty.util.component.LifeCycle;
import org.perchild.config.ConfigException;
import org.perchild.config.ConfigLoader;
import org.perchild.config.ConfigProblem;
import org.perchild.config.Listener;
import org.perchild.config.ServerConfig;
import org.perchild.config.VirtualHost;
import org.perchild.posix.FileTrees;
import org.perchild.posix.Native;
import org.perchild.posix.SystemAccounts;
import org.perchild.protocol.ExitCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code perchild -X}, httpd's debug mode: one process that serves every virtual host (all of
 * {@code <VirtualHost>} and the main server) with a {@link ChildServer} listening on the {@code
 * Listen} addresses itself. No acceptor, no hand-off, no user switch: it runs as whoever started
 * it, which is why it refuses to start as root (web applications would run as root,
 * docs/ARCHITECTURE.md, invariant 1). {@code bin/perchild -X} calls {@link #run} in its own JVM;
 * {@link #main} takes the same arguments:
 *
 * <pre>
 * java -cp lib/* org.perchild.container.SingleProcessMain --server-root DIR --config FILE
 * </pre>
 *
 * <pre>
 *  refuse (root, bad config) ──▶ 1         Jetty fails to start ──▶ 2
 *  start ──▶ serving ──SIGTERM/SIGINT (Jetty's stopAtShutdown)──▶ stopped
 * </pre>
 *
 * <p>Its exit codes are the command line's ({@link ExitCodes}), since {@code perchild -X} returns
 * them: {@link ExitCodes#CLI_OK} stopped, {@link ExitCodes#CLI_REFUSED} refused (root, a listener
 * of another protocol, a bad configuration or bad arguments), {@link ExitCodes#CLI_FAILED} Jetty
 * did not start (a port in use, for one).
 *
 * <p>An {@code https} listener terminates TLS here, with every TLS host's certificate in one SSL
 * context chosen by SNI ({@link org.perchild.container.tls.ListenerTls}), and the same ALPN and
 * HTTP/2 as a child: {@code -X} stays the benchmark's baseline for TLS too.
 *
 * <p>Sessions are Jetty's, in memory: one process shares them with no other, so it needs no {@code
 * SessionDirectory} (which it never touches) and they end with it.
 *
 * <p>It logs to standard error. {@code ChildJavaOptions} do not apply: the JVM is already running
 * ({@code bin/perchild} starts it with {@code PERCHILD_DEBUG_OPTS}).
 */
public final class SingleProcessMain {

  /** Graceful stop limit when {@code GracefulShutdownTimeout} is 0 ("no limit"). */
  private static final Duration NO_LIMIT = Duration.ofDays(1);

  private static final String USAGE = "usage: SingleProcessMain --server-root DIR --config FILE";

  private static final Logger LOG = LoggerFactory.getLogger(SingleProcessMain.class);

  private SingleProcessMain() {}

  /** Runs {@code -X} until the JVM is stopped; exits with the codes above if it cannot serve. */
  public static void main(String[] argv) {
    System.exit(run(argv, System.err));
  }

  /**
   * Serves until the server stops, then returns {@link ExitCodes#CLI_OK}; or returns at once with
   * {@link ExitCodes#CLI_REFUSED} or {@link ExitCodes#CLI_FAILED}, having said why on {@code err}
   * (refusals, in the command line's {@code perchild: } form) or in the log.
   *
   * @param argv {@code --server-root DIR --config FILE}
   * @param err where refusals are written
   */
  public static int run(String[] argv, PrintStream err) {
    Path serverRoot = null;
    Path configFile = null;
    for (int i = 0; i + 1 < argv.length; i += 2) {
      switch (argv[i]) {
        case "--server-root" -> serverRoot = Path.of(argv[i + 1]);
        case "--config" -> configFile = Path.of(argv[i + 1]);
        default -> {
          err.println(USAGE);
          return ExitCodes.CLI_REFUSED;
        }
      }
    }
    if (argv.length != 4 || serverRoot == null || configFile == null) {
      err.println(USAGE);
      return ExitCodes.CLI_REFUSED;
    }
    int uid = Native.posix().getuid();
    int euid = Native.posix().geteuid();
    if (uid == 0 || euid == 0) {
      err.println(
          "perchild: -X refuses to run as root: it runs every web application as the user who"
              + " starts it, with no user switch. Start it as an unprivileged user (for example"
              + " setpriv --reuid=nobody --regid=nogroup --init-groups bin/perchild -X), or run the"
              + " process model as root with -D FOREGROUND");
      return ExitCodes.CLI_REFUSED;
    }
    ServerConfig config;
    try {
      config = new ConfigLoader(new SystemAccounts()).load(serverRoot, configFile);
    } catch (ConfigException e) {
      for (ConfigProblem problem : e.problems()) {
        err.println(problem);
      }
      err.println("perchild: -X not started: the configuration is refused");
      return ExitCodes.CLI_REFUSED;
    }
    for (Listener listener : config.listeners()) {
      if (!listener.protocol().equals("http") && !listener.protocol().equals("https")) {
        err.println(
            listener.file()
                + ":"
                + listener.line()
                + ": Listen "
                + listener.address()
                + " "
                + listener.protocol()
                + ": -X serves http and https listeners only");
        return ExitCodes.CLI_REFUSED;
      }
    }
    return serve(config, euid);
  }

  private static int serve(ServerConfig config, int euid) {
    List<VirtualHost> hosts = new ArrayList<>(config.virtualHosts());
    hosts.add(config.mainServer());
    Path workDirectory;
    ChildServer server;
    try {
      workDirectory =
          Files.createTempDirectory(
              Path.of(System.getProperty("java.io.tmpdir")),
              "perchild-X-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      LOG.error("-X not started: cannot make a work directory: {}", e.toString());
      return ExitCodes.CLI_FAILED;
    }
    // Webapps' temporary files land in the server's own directory, as in a child.
    System.setProperty("java.io.tmpdir", workDirectory.toString());
    try {
      Duration stop = config.gracefulShutdownTimeout();
      server =
          ChildServer.listening(
              "perchild-X",
              config.threads(),
              config.virtualHostTable(),
              hosts,
              config.listeners(),
              stop.isZero() ? NO_LIMIT : stop,
              workDirectory);
      // RemoteIPProxyProtocol: with no acceptor, Jetty reads the header.
      for (org.eclipse.jetty.server.ServerConnector connector : server.serverConnectors()) {
        ProxyProtocolConnectionFactory.addTo(connector, config.proxyProtocolTable());
      }
      // On the Jetty server, not on ChildServer: SIGTERM (stopAtShutdown) stops the server only.
      server
          .server()
          .addEventListener(
              new LifeCycle.Listener() {
                @Override
                public void lifeCycleStopped(LifeCycle event) {
                  deleteWorkDirectory(workDirectory);
                  LOG.info("-X stopped");
                }
              });
      server.start();
    } catch (Exception e) {
      LOG.error("-X not started: Jetty failed to start: {}", e.toString(), e);
      deleteWorkDirectory(workDirectory);
      return ExitCodes.CLI_FAILED;
    }
    String addresses =
        server.serverConnectors().stream()
            .map(c -> c.getName() + " (port " + c.getLocalPort() + ")")
            .collect(Collectors.joining(", "));
    LOG.info(
        "-X ready: pid {}, uid {}, {} virtual host(s), {} webapp(s), listening on {};"
            + " AssignUserID and ChildPerUserID do not apply, every host runs as uid {}",
        ProcessHandle.current().pid(),
        euid,
        hosts.size(),
        server.webApps().size(),
        addresses,
        euid);
    try {
      server.server().join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ExitCodes.CLI_OK;
  }

  private static void deleteWorkDirectory(Path workDirectory) {
    try {
      FileTrees.delete(workDirectory);
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", workDirectory, e.toString());
    }
  }
}
