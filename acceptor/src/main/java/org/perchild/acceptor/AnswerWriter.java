package org.perchild.acceptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/**
 * The answers the acceptor gives itself, and how it closes after them: the response is written
 * without blocking (the rest when the socket can take it, within {@code Timeout}), then the output
 * is shut down and whatever the client still sends is read and dropped until it closes or {@link
 * #LINGER_NANOS} pass (httpd's lingering close: unread request bytes would turn the answer into a
 * reset). Used by the {@link AcceptorLoop}'s thread only; the loop enforces the deadlines.
 */
final class AnswerWriter {

  /** Retry-After of a 503: about the time the launcher takes to replace a child. */
  static final long RETRY_AFTER_SECONDS = 5;

  static final long LINGER_NANOS = 2_000_000_000L;

  private final Selector selector;
  private final AcceptorCounters counters;
  private final AcceptorResponses responses;
  private final Consumer<ClientConnection> release;
  private final ByteBuffer discard = ByteBuffer.allocate(8192);

  /**
   * @param release lets go of a connection once it is done with (the loop's {@link
   *     ReleasedSockets})
   */
  AnswerWriter(
      Selector selector,
      AcceptorCounters counters,
      AcceptorResponses responses,
      Consumer<ClientConnection> release) {
    this.selector = selector;
    this.counters = counters;
    this.responses = responses;
    this.release = release;
  }

  /**
   * Refuses a connection that no child will get: an HTTP/1 one with the response of {@code status};
   * a TLS or h2c one, where the acceptor cannot answer in HTTP, is closed after what {@link
   * FirstBytesReader#farewell} says (a TLS alert, a GOAWAY, or nothing), and counted as closed
   * instead of {@code status}.
   *
   * @param timeoutNanos how long the answer may take to be written ({@code Timeout})
   */
  void refuse(ClientConnection connection, int status, long timeoutNanos) throws IOException {
    ByteBuffer farewell = connection.reader.farewell(status);
    if (farewell == null) {
      respond(
          connection,
          status,
          status == 503
              ? responses.serviceUnavailable(RETRY_AFTER_SECONDS)
              : responses.forStatus(status),
          timeoutNanos);
      return;
    }
    counters.closedInsteadOf(status);
    write(connection, farewell, timeoutNanos);
  }

  /** Answers with {@code response}, counted as {@code status}, then closes, lingering. */
  void respond(ClientConnection connection, int status, ByteBuffer response, long timeoutNanos)
      throws IOException {
    counters.answered(status);
    write(connection, response, timeoutNanos);
  }

  /** Writes {@code response} (which may be empty), then closes, lingering: see {@link #drain}. */
  private void write(ClientConnection connection, ByteBuffer response, long timeoutNanos)
      throws IOException {
    connection.state = ClientConnection.State.RESPONDING;
    connection.response = response;
    connection.deadline = System.nanoTime() + timeoutNanos;
    writeMore(connection);
  }

  /** Writes what the socket takes of the answer; once all of it is out, lingers. */
  void writeMore(ClientConnection connection) throws IOException {
    connection.channel.write(connection.response);
    if (connection.response.hasRemaining()) {
      connection.watch(selector, SelectionKey.OP_WRITE);
      return;
    }
    connection.channel.shutdownOutput();
    connection.state = ClientConnection.State.LINGERING;
    connection.deadline = System.nanoTime() + LINGER_NANOS;
    connection.watch(selector, SelectionKey.OP_READ);
    drain(connection);
  }

  /** Reads and drops what a lingering client sends; releases the connection at its EOF. */
  void drain(ClientConnection connection) throws IOException {
    while (true) {
      discard.clear();
      int count = connection.channel.read(discard);
      if (count < 0) {
        release.accept(connection);
        return;
      }
      if (count == 0) {
        return;
      }
    }
  }
}
