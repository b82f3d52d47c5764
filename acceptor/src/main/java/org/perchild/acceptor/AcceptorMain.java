package org.perchild.acceptor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.perchild.config.Listener;
import org.perchild.config.ServerConfig;
import org.perchild.posix.MemoryFile;
import org.perchild.posix.PrivilegeDrop;
import org.perchild.posix.PrivilegeDropException;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.ConfigCodec;
import org.perchild.protocol.ProcessFds;
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
 * with fd 3 its control channel to the launcher, fd 4 its configuration (a memory file the launcher
 * wrote, {@link ConfigCodec}; the acceptor never opens the configuration files) and fds 5 .. 5+N-1
 * the listen sockets, bound and listening, in the order of {@code config.listeners()}. It drops to
 * {@code User}/{@code Group} before anything else (no code that parses network input runs as root),
 * reads its configuration, adopts the listen sockets, says {@code READY <pid>} and runs the {@link
 * AcceptorLoop} until {@code STOP} or the end of the control channel. A graceful restart sends
 * {@code RELOAD} with the new generation's configuration attached.
 *
 * <p>Exit codes: 0 after {@code STOP} or when the launcher has gone; 2 for anything fatal (bad
 * arguments, a failed privilege drop, a bad configuration, listen sockets that do not match it),
 * which the launcher must not answer by respawning in a loop.
 */
public final class AcceptorMain {

  /** Normal exit. */
  public static final int EXIT_OK = 0;

  /** Fatal: never respawn in a loop. */
  public static final int EXIT_FATAL = 2;

  static final int CONTROL_FD = ProcessFds.CONTROL;
  static final int CONFIG_FD = ProcessFds.ACCEPTOR_CONFIG;
  static final int FIRST_LISTEN_FD = ProcessFds.ACCEPTOR_FIRST_LISTENER;

  private AcceptorMain() {}

  /** The process entry; exits with {@link #EXIT_OK} or {@link #EXIT_FATAL}. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  private static int run(String[] args) {
    Arguments arguments;
    try {
      arguments = Arguments.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("perchild acceptor: " + e.getMessage());
      System.err.println("usage: " + Arguments.USAGE);
      return EXIT_FATAL;
    }
    try {
      String name = arguments.user().startsWith("#") ? null : arguments.user();
      PrivilegeDrop.drop(name, arguments.uid(), arguments.gid());
    } catch (PrivilegeDropException | RuntimeException e) {
      System.err.println("perchild acceptor: privilege drop failed: " + e.getMessage());
      return EXIT_FATAL;
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
      return EXIT_FATAL;
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

  private static int serve(Arguments arguments, Logger log) throws IOException {
    ServerConfig config;
    try {
      config = ConfigCodec.decode(MemoryFile.readToEnd(CONFIG_FD, ConfigCodec.MAX_BYTES));
    } catch (IOException e) {
      log.error("Configuration: cannot read it from fd {}: {}", CONFIG_FD, e.getMessage());
      return EXIT_FATAL;
    }
    List<Listener> listeners = config.listeners();
    if (listeners.size() != arguments.listeners()) {
      log.error(
          "--listeners {} but the configuration has {} Listen directives",
          arguments.listeners(),
          listeners.size());
      return EXIT_FATAL;
    }
    List<ServerSocketChannel> channels = new ArrayList<>();
    List<Boolean> inet6 = new ArrayList<>();
    for (int i = 0; i < listeners.size(); i++) {
      Listener listener = listeners.get(i);
      // The launcher binds a Listen without an address as dual-stack [::].
      boolean v6 = !isIpv4Literal(listener.host());
      ServerSocketChannel channel = InheritedChannels.adoptListening(FIRST_LISTEN_FD + i, v6);
      InetSocketAddress bound = (InetSocketAddress) channel.getLocalAddress();
      if (bound == null || bound.getPort() != listener.port()) {
        log.error(
            "fd {} is bound to {}, but Listen {} is {}",
            FIRST_LISTEN_FD + i,
            bound,
            i,
            listener.address());
        return EXIT_FATAL;
      }
      channels.add(channel);
      inet6.add(v6);
    }
    AcceptorCounters counters = new AcceptorCounters();
    AcceptorLoop loop = new AcceptorLoop(config, channels, inet6, counters, fd -> reload(fd, log));
    SeqPacketChannel control = new SeqPacketChannel(CONTROL_FD);
    new ControlChannelReader(control, loop::deliver).start();
    long pid = ProcessHandle.current().pid();
    try {
      control.send(("READY " + pid).getBytes(StandardCharsets.UTF_8), -1);
    } catch (org.perchild.posix.PosixException e) {
      log.error("Cannot tell the launcher READY: {}", e.getMessage());
      return EXIT_FATAL;
    }
    startCounterReports(control, counters, log);
    log.info(
        "Acceptor started: pid {}, uid {}, gid {}, listening on {}",
        pid,
        arguments.uid(),
        arguments.gid(),
        listeners.stream().map(Listener::address).toList());
    ControlMessage stoppedBy;
    try {
      stoppedBy = loop.run();
    } catch (UncheckedIOException e) {
      log.error("Acceptor loop failed", e);
      return EXIT_FATAL;
    }
    log.info(
        "Acceptor stopped ({}): {}",
        stoppedBy instanceof ControlMessage.Stop ? "STOP" : "launcher gone",
        counters);
    return EXIT_OK;
  }

  /** COUNTERS every second on the control channel, for the launcher's scoreboard. */
  private static void startCounterReports(
      SeqPacketChannel control, AcceptorCounters counters, Logger log) {
    Thread reporter =
        new Thread(
            () -> {
              while (true) {
                AcceptorCounters.Snapshot s = counters.snapshot();
                String message =
                    new org.perchild.protocol.Scoreboard.Counters(
                            s.accepted(),
                            s.handedOff(),
                            new java.util.TreeMap<>(s.answeredByStatus()))
                        .message();
                try {
                  control.send(message.getBytes(StandardCharsets.UTF_8), -1);
                  Thread.sleep(1000);
                } catch (org.perchild.posix.PosixException e) {
                  log.debug("cannot report COUNTERS: {}", e.getMessage());
                  return;
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

  /** The command line; every option is required and given once. */
  record Arguments(String serverRoot, String config, String user, int uid, int gid, int listeners) {

    static final String USAGE =
        "AcceptorMain --server-root DIR --config FILE --user NAME --uid U --gid G --listeners N";

    static Arguments parse(String[] args) {
      if (args.length % 2 != 0) {
        throw new IllegalArgumentException("options come in pairs: " + String.join(" ", args));
      }
      Map<String, String> options = new HashMap<>();
      for (int i = 0; i < args.length; i += 2) {
        String option = args[i];
        if (!List.of("--server-root", "--config", "--user", "--uid", "--gid", "--listeners")
            .contains(option)) {
          throw new IllegalArgumentException("unknown option " + option);
        }
        if (options.put(option, args[i + 1]) != null) {
          throw new IllegalArgumentException(option + " given twice");
        }
      }
      return new Arguments(
          required(options, "--server-root"),
          required(options, "--config"),
          required(options, "--user"),
          number(options, "--uid"),
          number(options, "--gid"),
          number(options, "--listeners"));
    }

    private static String required(Map<String, String> options, String option) {
      String value = options.get(option);
      if (value == null || value.isEmpty()) {
        throw new IllegalArgumentException("missing " + option);
      }
      return value;
    }

    private static int number(Map<String, String> options, String option) {
      String value = required(options, option);
      try {
        int number = Integer.parseInt(value);
        if (number >= 0) {
          return number;
        }
      } catch (NumberFormatException e) {
        // said below
      }
      throw new IllegalArgumentException(option + " " + value + ": not a number");
    }
  }
}
