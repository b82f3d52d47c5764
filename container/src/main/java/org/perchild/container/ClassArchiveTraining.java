package org.perchild.container;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.perchild.config.ConfigLoader;
import org.perchild.config.ServerConfig;
import org.perchild.posix.PrivilegeDrop;
import org.perchild.posix.SystemAccounts;
import org.perchild.protocol.ExitCodes;
import org.perchild.protocol.HandoffMessage;
import org.perchild.protocol.TrainingArguments;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training run of the children's class archive: a JVM the launcher spawns with {@code
 * -XX:ArchiveClassesAtExit} (Java 17) or {@code -XX:AOTCacheOutput} (Java 25) and the children's
 * own class path and archive-relevant options, which drops privileges to the server's {@code User}
 * first of all (as a child does), then does what a child does on its way to its first response:
 * builds a {@link ChildServer} with one virtual host whose {@code AppBase} holds only the WARs we
 * ship for this ({@code lib/training/}), starts it (deploys them), and serves a few requests
 * through the same hand-off connector a child's connections take, over loopback sockets it makes
 * itself; then it stops and exits 0, and the JVM writes the archive of every class that was loaded.
 * No tenant's code or class is ever in it. The launcher ({@code ClassArchives}) installs the file
 * root-owned and read-only.
 *
 * <pre>
 * java @options -cp lib/perchild-container-*.jar org.perchild.container.ClassArchiveTraining \
 *      --server-root DIR --config DIR/training.conf --user U --uid N --gid N --app-base lib/training
 * </pre>
 *
 * <p>Exit codes: {@link ExitCodes#NORMAL} trained (the JVM writes the archive as it exits), {@link
 * ExitCodes#FATAL} bad arguments or a failed privilege drop, {@link ExitCodes#CRASH} anything else;
 * the launcher logs a failure and serves on without the archive.
 */
public final class ClassArchiveTraining {

  private static final Logger LOG = LoggerFactory.getLogger(ClassArchiveTraining.class);

  /** The host name of the training's virtual host; .invalid is never a real one. */
  static final String HOST = "perchild-training.invalid";

  /**
   * What a first visitor asks of the whoami WAR: its servlet, a JSP (compiled on first use), a
   * session, a page that is not there; twice, so that what the first responses load lazily is in
   * the archive too.
   */
  static final List<String> PATHS =
      List.of("/whoami/", "/whoami/hello.jsp", "/whoami/session", "/no-such-page", "/");

  private static final int ROUNDS = 2;
  private static final int READ_TIMEOUT_MILLIS = 30_000;

  private ClassArchiveTraining() {}

  /** Trains and exits with the codes above. */
  public static void main(String[] argv) {
    TrainingArguments args;
    try {
      args = TrainingArguments.parse(argv);
    } catch (IllegalArgumentException e) {
      LOG.error(
          "class archive training not started: {} ({})", e.getMessage(), TrainingArguments.USAGE);
      System.exit(ExitCodes.FATAL);
      return;
    }
    try {
      PrivilegeDrop.drop(args.userName(), args.uid(), args.gid());
    } catch (Throwable e) { // LinkageError too: any doubt about the drop is fatal
      LOG.error(
          "class archive training not started: privilege drop to uid {}, gid {} failed: {}",
          args.uid(),
          args.gid(),
          e.toString());
      System.exit(ExitCodes.FATAL);
      return;
    }
    System.exit(run(args));
  }

  /** The training itself, after the drop: {@link ExitCodes#NORMAL} or {@link ExitCodes#CRASH}. */
  static int run(TrainingArguments args) {
    try (ServerSocketChannel listener = ServerSocketChannel.open()) {
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      InetSocketAddress address = (InetSocketAddress) listener.getLocalAddress();
      Path root = args.serverRoot();
      Path configFile = root.resolve(args.config());
      Files.writeString(configFile, configuration(address, args, root));
      ServerConfig config = new ConfigLoader(new SystemAccounts()).load(root, configFile);
      Path work = ownDirectory(root.resolve("work"));
      System.setProperty("java.io.tmpdir", work.toString());
      ChildServer server =
          new ChildServer(
              "perchild-training",
              config.threads(),
              config.virtualHostTable(),
              config.virtualHosts(),
              Duration.ofSeconds(5),
              work);
      server.storeSessionsIn(ownDirectory(root.resolve("sessions")));
      server.start();
      int served = 0;
      try {
        for (int round = 0; round < ROUNDS; round++) {
          for (String path : PATHS) {
            String status = request(server, listener, path);
            LOG.debug("class archive training: GET {}: {}", path, status);
            served++;
          }
        }
      } finally {
        server.stop();
      }
      LOG.info(
          "class archive training: {} webapp(s) deployed, {} requests served; the JVM writes the"
              + " archive as it exits",
          server.webApps().size(),
          served);
      return ExitCodes.NORMAL;
    } catch (Exception e) {
      LOG.error("class archive training failed: {}", e.toString(), e);
      return ExitCodes.CRASH;
    }
  }

  /** The configuration of the training: one virtual host on the loopback socket it listens on. */
  static String configuration(InetSocketAddress address, TrainingArguments args, Path root) {
    String listen = address.getAddress().getHostAddress() + ":" + address.getPort();
    return String.join(
        "\n",
        "Listen " + listen,
        "User #" + args.uid(),
        "Group #" + args.gid(),
        "PidFile " + root.resolve("training.pid"),
        "ErrorLog " + root.resolve("error_log"),
        "SessionDirectory " + root.resolve("sessions"),
        "<VirtualHost " + listen + ">",
        "  ServerName " + HOST,
        "  AppBase " + args.appBase(),
        "</VirtualHost>",
        "");
  }

  private static Path ownDirectory(Path directory) throws IOException {
    Files.createDirectories(
        directory,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return directory;
  }

  /**
   * One request as a child gets it: a connection accepted here, its head read by "the acceptor"
   * (written by us), handed to the connector with that head and a hand-off message; returns the
   * response's status line.
   */
  private static String request(ChildServer server, ServerSocketChannel listener, String path)
      throws IOException {
    try (SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
      SocketChannel accepted = listener.accept();
      byte[] head =
          ("GET " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      HandoffMessage message =
          new HandoffMessage(
              0,
              false,
              false,
              (InetSocketAddress) accepted.getRemoteAddress(),
              (InetSocketAddress) accepted.getLocalAddress(),
              null,
              HOST,
              head);
      server.connector().handOff(accepted, message.alreadyReadBuffer(), message);
      client.socket().setSoTimeout(READ_TIMEOUT_MILLIS);
      InputStream in = client.socket().getInputStream();
      byte[] response = in.readAllBytes();
      String text = new String(response, StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n");
      if (end < 0) {
        throw new IOException("GET " + path + ": no response");
      }
      return text.substring(0, end);
    } catch (SocketTimeoutException e) {
      throw new IOException("GET " + path + ": no response within " + READ_TIMEOUT_MILLIS + " ms");
    }
  }
}
