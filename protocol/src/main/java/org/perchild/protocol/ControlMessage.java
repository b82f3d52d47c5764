package org.perchild.protocol;

import java.nio.charset.StandardCharsets;

/**
 * One message on a control channel (a {@code SOCK_SEQPACKET} socketpair between the launcher and
 * the acceptor or a child): UTF-8 text, one message per packet, at most {@link #MAX_BYTES}. Each
 * direction is a sealed type of its own ({@link LauncherToChild}, {@link ChildToLauncher}, {@link
 * LauncherToAcceptor}, {@link AcceptorToLauncher}) whose records encode themselves and whose {@code
 * decode} reads them back, so that both ends use the same definition. {@link ControlChannel} sends
 * and receives them.
 */
public interface ControlMessage {

  /**
   * The largest message on any control channel, in bytes: a sender refuses a message above it (a
   * report that may grow, {@code HOSTS}, is split to stay below it) and a receiver's buffer is this
   * big. One {@code SOCK_SEQPACKET} message must fit the socket's send buffer (about 208 KiB by
   * default on Linux), so this stays well below that.
   */
  int MAX_BYTES = 128 * 1024;

  /** The payload, at most {@link #MAX_BYTES} for the channel to send it. */
  byte[] encode();

  /** The descriptor this message carries as {@code SCM_RIGHTS}, or -1. */
  default int fd() {
    return -1;
  }

  /** Whether it is the last message its channel carries: its reader stops after it. */
  default boolean isLast() {
    return false;
  }

  /** The name of the message, its first word, for log lines. */
  default String name() {
    String text = new String(encode(), StandardCharsets.UTF_8);
    int blank = text.indexOf(' ');
    return blank < 0 ? text : text.substring(0, blank);
  }

  /** Reads one direction's messages; what {@link ControlChannel} calls for each packet. */
  @FunctionalInterface
  interface Decoder<M extends ControlMessage> {
    /**
     * The message in {@code payload}.
     *
     * @param fd the descriptor that came with it, or -1; it belongs to the message if one is
     *     returned, and to the caller (who closes it) if this throws
     * @throws IllegalArgumentException if it is not a message of this direction, saying why
     */
    M decode(byte[] payload, int fd);
  }
}
