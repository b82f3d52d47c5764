package org.perchild.posix;

/**
 * What one receive on a {@link SeqPacketChannel} produced: a message (its payload and, if the
 * sender attached one, a descriptor now owned by the receiver), the end of the stream (the peer
 * closed its end), or nothing yet (a non-blocking receive on an empty channel).
 *
 * @param status which of the three outcomes this is
 * @param payload the message bytes; empty unless {@code status} is {@code MESSAGE}
 * @param fd the descriptor that came with the message, close-on-exec and owned by the receiver, or
 *     -1
 */
public record ReceivedPacket(Status status, byte[] payload, int fd) {

  /** The three outcomes of a receive. */
  public enum Status {
    /** A whole message arrived. */
    MESSAGE,
    /** The peer has closed its end: no message will ever come again. */
    END_OF_STREAM,
    /** Non-blocking receive and the channel is empty. */
    NOTHING_YET
  }

  static final ReceivedPacket END = new ReceivedPacket(Status.END_OF_STREAM, new byte[0], -1);
  static final ReceivedPacket NOTHING = new ReceivedPacket(Status.NOTHING_YET, new byte[0], -1);

  /** Whether a message arrived. */
  public boolean isMessage() {
    return status == Status.MESSAGE;
  }

  /** Whether the peer has closed its end. */
  public boolean isEndOfStream() {
    return status == Status.END_OF_STREAM;
  }

  /** Whether a descriptor came with the message. */
  public boolean hasFd() {
    return fd >= 0;
  }
}
