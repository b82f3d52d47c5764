package org.perchild.posix;

import java.io.IOException;

/**
 * A message on a {@link SeqPacketChannel} did not fit the receive buffer ({@code MSG_TRUNC}) or its
 * descriptors did not fit the control buffer ({@code MSG_CTRUNC}). The rest of the message is gone
 * and any descriptor that did arrive has already been closed: the receiver counts the loss and
 * carries on, it never guesses at what was cut off.
 */
public final class TruncatedMessageException extends IOException {

  private static final long serialVersionUID = 1L;

  TruncatedMessageException(String message) {
    super(message);
  }
}
