package org.perchild.operator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The command line's end of the control socket: sends one command, returns the launcher's reply.
 * Used by {@code bin/perchild -k ...} and {@code bin/perchild status}, and by the launcher itself
 * to tell a stale socket from a live one.
 */
public final class OperatorClient {

  /** No launcher listens: no socket file, or nobody accepts on it. */
  public static final class NoServerException extends IOException {
    NoServerException(String message) {
      super(message);
    }
  }

  private OperatorClient() {}

  /**
   * Sends {@code command} and reads the reply to its end.
   *
   * @throws NoServerException if no launcher runs behind {@code socket}
   * @throws IOException if the socket cannot be used (e.g. permission denied for a non-root user)
   */
  public static OperatorReply send(Path socket, OperatorCommand command) throws IOException {
    return send(socket, command.line());
  }

  /**
   * Sends one request line, e.g. {@link OperatorCommand#dumpLine}, and reads the reply to its end
   * (a dump is hundreds of KiB: the stream carries it whole).
   *
   * @throws NoServerException if no launcher runs behind {@code socket}
   * @throws IOException if the socket cannot be used
   */
  public static OperatorReply send(Path socket, String line) throws IOException {
    try (SocketChannel channel = connect(socket)) {
      ByteBuffer request = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
      while (request.hasRemaining()) {
        channel.write(request);
      }
      channel.shutdownOutput();
      byte[] reply = readAll(channel);
      try {
        return OperatorReply.decode(new String(reply, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new IOException("control socket " + socket + ": " + e.getMessage(), e);
      }
    }
  }

  /** Whether a launcher accepts connections on {@code socket}. */
  public static boolean answers(Path socket) {
    try (SocketChannel channel = connect(socket)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static SocketChannel connect(Path socket) throws IOException {
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      throw new NoServerException("no control socket at " + socket);
    }
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
      return channel;
    } catch (IOException e) {
      channel.close();
      String message = String.valueOf(e.getMessage());
      if (message.contains("Connection refused") || message.contains("No such file")) {
        throw new NoServerException("nothing answers on the control socket " + socket);
      }
      throw new IOException("control socket " + socket + ": " + message, e);
    }
  }

  private static byte[] readAll(SocketChannel channel) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(8192);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    while (channel.read(buffer) >= 0) {
      buffer.flip();
      all.write(buffer.array(), 0, buffer.limit());
      buffer.clear();
    }
    return all.toByteArray();
  }
}
