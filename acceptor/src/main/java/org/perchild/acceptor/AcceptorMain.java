package org.perchild.acceptor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.perchild.config.Listener;
import org.perchild.config.ServerConfig;
import org.perchild.posix.MemoryFile;
import org.perchild.posix.PrivilegeDrop;
import org.perchild.posix.PrivilegeDropException;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.AcceptorArguments;
import org.perchild.protocol.AcceptorToLauncher;
import org.perchild.protocol.ConfigCodec;
import org.perchild.protocol.ControlChannel;
import org.perchild.protocol.ExitCodes;
import org.perchild.protocol.LauncherToAcceptor;
import org.perchild.protocol.ProcessFds;
import org.perchild.protocol.Scoreboard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acceptor process, spawned by the root launcher:
 *
 * <pre>
 * java --add-opens java.base/sun.nio.ch=ALL-UNNAMED --enable-native-access=ALL-UNNAMED \
 *     -cp lib/* org.perchild.acceptor.AcceptorMain \
 *     --server-root DIR --config FILE --user NAME --uid U --gid G --listeners N
 * </pre>
 *
 * (the arguments are an {@link AcceptorArguments}) with {@link ProcessFds#CONTROL} its control
 * channel to the launcher, {@link ProcessFds#ACCEPTOR_CONFIG} its configuration (a memory file the
 * launcher wrote, {@link ConfigCodec}; the acceptor never opens the configuration files) and {@link
 * ProcessFds#ACCEPTOR_FIRST_LISTENER} onwards the N listen sockets, bound and listening, in the
 * order of {@code config.listeners()}. It drops to {@code User}/{@code Group} before anything else
 * (no code that parses network input runs as root), reads its configuration, adopts the listen
 * sockets, says {@code READY <pid>} and runs the {@link AcceptorLoop} until {@code STOP} or the end
 * of the control channel. A graceful restart sends {@code RELOAD} with the new generation's
 * configuration attached.
 *
 * <p>Exit codes, the contract with the launcher's supervisor ({@link ExitCodes}): {@link
 * ExitCodes#NORMAL} after {@code STOP} or when the launcher has gone; {@link ExitCodes#FATAL} for
 * anything a restart will not cure (bad arguments, a failed privilege drop, a bad configuration,
 * listen sockets that do not match it), which the launcher does not answer by respawning in a loop;
 * anything else (a JVM that died) is a crash, respawned with backoff.
 */
public final class AcceptorMain {

  private AcceptorMain() {}

  /** The process entry; exits with {@link ExitCodes#NORMAL} or {@link ExitCodes#FATAL}. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  private static int run(String[] args) {
    AcceptorArguments arguments;
    try {
      arguments = AcceptorArguments.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("perchild acceptor: " + e.getMessage());
      System.err.println("usage: " + AcceptorArguments.USAGE);
      return ExitCodes.FATAL;
    }
    try {
      PrivilegeDrop.drop(arguments.userName(), arguments.uid(), arguments.gid());
    } catch (PrivilegeDropException | RuntimeException e) {
      System.err.println("perchild acceptor: privilege drop failed: " + e.getMessage());
      return ExitCodes.FATAL;
    }
    // HttpParser logs what clients send wrong at WARN; in the acceptor that is the client's noise.
    if (System.getProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty") == null) {
      System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "error");
    }
    Logger log = LoggerFactory.getLogger(AcceptorMain.class);
    try {
      return serve(arguments, log);
    } catch (RuntimeException | IOException e) {
      log.error("Acceptor failed", e);
      return ExitCodes.FATAL;
    }
  }

  /**
   * The new generation's configuration from the memory file that came with {@code RELOAD}; null
   * (the old one stays) if it cannot be read, which only a broken launcher would cause.
   */
  private static ServerConfig reload(int configFd, Logger log) {
    try {
      return ConfigCodec.decode(MemoryFile.readToEnd(configFd, ConfigCodec.MAX_BYTES));
    } catch (IOException e) {
      log.error("Configuration not reloaded from fd {}: {}", configFd, e.getMessage());
      return null;
    }
  }

  private static int serve(AcceptorArguments arguments, Logger log) throws IOException {
    ServerConfig config;
    try {
      config =
          ConfigCodec.decode(
              MemoryFile.readToEnd(ProcessFds.ACCEPTOR_CONFIG, ConfigCodec.MAX_BYTES));
    } catch (IOException e) {
      log.error(
          "Configuration: cannot read it from fd {}: {}",
          ProcessFds.ACCEPTOR_CONFIG,
          e.getMessage());
      return ExitCodes.FATAL;
    }
    List<Listener> listeners = config.listeners();
    if (listeners.size() != arguments.listeners()) {
      log.error(
          "--listeners {} but the configuration has {} Listen directives",
          arguments.listeners(),
          listeners.size());
      return ExitCodes.FATAL;
    }
    List<ServerSocketChannel> channels = new ArrayList<>();
    List<Boolean> inet6 = new ArrayList<>();
    for (int i = 0; i < listeners.size(); i++) {
      Listener listener = listeners.get(i);
      // The launcher binds a Listen without an address as dual-stack [::].
      boolean v6 = !isIpv4Literal(listener.host());
      ServerSocketChannel channel =
          InheritedChannels.adoptListening(ProcessFds.ACCEPTOR_FIRST_LISTENER + i, v6);
      InetSocketAddress bound = (InetSocketAddress) channel.getLocalAddress();
      if (bound == null || bound.getPort() != listener.port()) {
        log.error(
            "fd {} is bound to {}, but Listen {} is {}",
            ProcessFds.ACCEPTOR_FIRST_LISTENER + i,
            bound,
            i,
            listener.address());
        return ExitCodes.FATAL;
      }
      channels.add(channel);
      inet6.add(v6);
    }
    AcceptorCounters counters = new AcceptorCounters();
    ControlChannel<LauncherToAcceptor, AcceptorToLauncher> control =
        new ControlChannel<>(
            new SeqPacketChannel(ProcessFds.CONTROL), "the launcher", LauncherToAcceptor::decode);
    AcceptorLoop loop =
        new AcceptorLoop(config, channels, inet6, counters, fd -> reload(fd, log), control::report);
    control.startReading("acceptor-control", true, loop);
    long pid = ProcessHandle.current().pid();
    if (!control.send(new AcceptorToLauncher.Ready(pid))) {
      log.error("Cannot tell the launcher READY");
      return ExitCodes.FATAL;
    }
    startCounterReports(control, counters);
    log.info(
        "Acceptor started: pid {}, uid {}, gid {}, listening on {}",
        pid,
        arguments.uid(),
        arguments.gid(),
        listeners.stream().map(Listener::address).toList());
    String stoppedBy;
    try {
      stoppedBy = loop.run();
    } catch (UncheckedIOException e) {
      log.error("Acceptor loop failed", e);
      return ExitCodes.FATAL;
    }
    log.info("Acceptor stopped ({}): {}", stoppedBy, counters);
    return ExitCodes.NORMAL;
  }

  /** COUNTERS every second on the control channel, for the launcher's scoreboard. */
  private static void startCounterReports(
      ControlChannel<LauncherToAcceptor, AcceptorToLauncher> control, AcceptorCounters counters) {
    Thread reporter =
        new Thread(
            () -> {
              while (true) {
                AcceptorCounters.Snapshot s = counters.snapshot();
                Scoreboard.Counters report =
                    new Scoreboard.Counters(
                        s.accepted(), s.handedOff(), new TreeMap<>(s.answeredByStatus()));
                if (!control.report(new AcceptorToLauncher.Counters(report))) {
                  return; // the launcher has gone, which the reader notices by itself
                }
                try {
                  Thread.sleep(1000);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "acceptor-counters");
    reporter.setDaemon(true);
    reporter.start();
  }

  static boolean isIpv4Literal(String host) {
    if (host == null) {
      return false;
    }
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
        return false;
      }
      if (Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }
}
