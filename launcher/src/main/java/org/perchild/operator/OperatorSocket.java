package org.perchild.operator;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launcher's end of the control socket (docs/ARCHITECTURE.md, invariant 7), opened by the
 * supervisor in its {@code run()}: a Unix-domain stream socket next to the {@code PidFile}, mode
 * 0600 and owned by the launcher's user (root), so that only root can even connect; and every
 * connection's peer credentials ({@code SO_PEERCRED}) are checked again before a byte is read. Each
 * connection carries one {@link OperatorCommand} line and gets one {@link OperatorReply}, which the
 * supervisor gives through {@link Commands}; then it is closed.
 *
 * <p>The socket is bound inside a fresh 0700 directory, made 0600, and only then renamed into
 * place, so there is no moment at which it exists with a wider mode at its public path. A socket
 * left by a launcher that died is replaced; one that still answers means another launcher runs, and
 * this one refuses to start.
 */
public final class OperatorSocket implements Closeable {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");
  private static final long REPLY_TIMEOUT_SECONDS = 30;

  /** What the supervisor does with a command; completes with the reply. */
  @FunctionalInterface
  public interface Commands {
    CompletableFuture<OperatorReply> submit(OperatorCommand command);

    /** {@code dump SLOT}: that slot's child's Jetty dump; none unless the supervisor says so. */
    default CompletableFuture<OperatorReply> dump(int slot) {
      return CompletableFuture.completedFuture(OperatorReply.error("dump is not served here"));
    }
  }

  private final Path path;
  private final ServerSocketChannel server;
  private final Set<UserPrincipal> allowed;
  private final Commands commands;
  private volatile boolean closed;

  private OperatorSocket(
      Path path, ServerSocketChannel server, Set<UserPrincipal> allowed, Commands commands) {
    this.path = path;
    this.server = server;
    this.allowed = allowed;
    this.commands = commands;
  }

  /**
   * The control socket of the server whose pid file is {@code pidFile}: in the same directory,
   * named after it ({@code logs/perchild.pid} → {@code logs/perchild.sock}).
   */
  public static Path pathFor(Path pidFile) {
    String name = pidFile.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return pidFile.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".sock");
  }

  /**
   * Creates the socket at {@code path} and starts accepting connections on a daemon thread.
   *
   * @throws IOException if another launcher answers on {@code path}, or the socket cannot be made
   */
  public static OperatorSocket open(Path path, Commands commands) throws IOException {
    Path directory = path.toAbsolutePath().getParent();
    Files.createDirectories(directory);
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      if (OperatorClient.answers(path)) {
        throw new IOException(
            "another perchild launcher answers on the control socket "
                + path
                + ": stop it first (perchild -k stop)");
      }
      LOG.info("replacing the stale control socket {} (no launcher answers on it)", path);
    }
    Path staging =
        Files.createTempDirectory(
            directory,
            ".control-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path staged = staging.resolve("s");
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      server.bind(UnixDomainSocketAddress.of(staged));
      Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-------"));
      Files.move(staged, path, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      server.close();
      throw new IOException("cannot create the control socket " + path + ": " + e, e);
    } finally {
      Files.deleteIfExists(staged);
      Files.deleteIfExists(staging);
    }
    // Root may always connect; so may the launcher's own user (the caller, in single-user mode).
    UserPrincipal root =
        FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("root");
    OperatorSocket socket =
        new OperatorSocket(
            path, server, new HashSet<>(List.of(root, Files.getOwner(path))), commands);
    Thread acceptor = new Thread(socket::accept, "control-socket");
    acceptor.setDaemon(true);
    acceptor.start();
    LOG.info("control socket {} (mode 0600): perchild -k and perchild status talk to it", path);
    return socket;
  }

  /** Where the socket is. */
  public Path path() {
    return path;
  }

  private void accept() {
    while (!closed) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (AsynchronousCloseException e) {
        return;
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("control socket {}: accept: {}", path, e.toString());
        }
        return;
      }
      // One thread per connection: only root gets this far, and a slow client must not block
      // the next one.
      Thread serving = new Thread(() -> serve(client), "control-client");
      serving.setDaemon(true);
      serving.start();
    }
  }

  private void serve(SocketChannel client) {
    try (client) {
      UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
      String refusal = refusal(peer, allowed);
      if (refusal != null) {
        LOG.warn("control socket: refused a connection from {}", refusal);
        write(client, OperatorReply.error("refused: only root may control this server"));
        return;
      }
      String line = readLine(client);
      CompletableFuture<OperatorReply> answer;
      String asked;
      try {
        int dumpSlot = OperatorCommand.dumpSlot(line);
        if (dumpSlot > 0) {
          asked = OperatorCommand.dumpLine(dumpSlot);
          answer = commands.dump(dumpSlot);
        } else {
          OperatorCommand command = OperatorCommand.parse(line);
          asked = command.line();
          answer = commands.submit(command);
        }
      } catch (IllegalArgumentException e) {
        write(client, OperatorReply.error(e.getMessage()));
        return;
      }
      OperatorReply reply;
      try {
        reply = answer.get(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        reply =
            OperatorReply.error("the launcher did not answer in " + REPLY_TIMEOUT_SECONDS + " s");
      } catch (ExecutionException e) {
        reply = OperatorReply.error(asked + " failed: " + e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      write(client, reply);
    } catch (IOException e) {
      LOG.debug("control socket: a client went away: {}", e.toString());
    }
  }

  /**
   * Why a peer may not use the control socket, or {@code null} if it may: its user must be one of
   * {@code allowed} (root, and the launcher's own user). Package-private for its unit test.
   */
  static String refusal(UnixDomainPrincipal peer, Set<UserPrincipal> allowed) {
    if (peer != null && allowed.contains(peer.user())) {
      return null;
    }
    return peer == null
        ? "a peer without credentials"
        : "user " + peer.user().getName() + ", group " + peer.group().getName();
  }

  /** Reads one request line (up to {@link OperatorCommand#MAX_LINE} bytes). */
  private static String readLine(SocketChannel client) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(OperatorCommand.MAX_LINE);
    while (buffer.hasRemaining()) {
      int read = client.read(buffer);
      if (read < 0) {
        break;
      }
      int end = buffer.position();
      for (int i = end - read; i < end; i++) {
        if (buffer.get(i) == '\n') {
          return new String(buffer.array(), 0, i, StandardCharsets.UTF_8);
        }
      }
    }
    return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
  }

  private static void write(SocketChannel client, OperatorReply reply) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(reply.encode().getBytes(StandardCharsets.UTF_8));
    while (bytes.hasRemaining()) {
      client.write(bytes);
    }
  }

  /** Stops accepting and removes the socket file. */
  @Override
  public void close() throws IOException {
    closed = true;
    try {
      server.close();
    } finally {
      Files.deleteIfExists(path);
    }
  }
}
