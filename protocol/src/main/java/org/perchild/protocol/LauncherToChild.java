package org.perchild.protocol;

import static org.perchild.protocol.MessageText.bytes;
import static org.perchild.protocol.MessageText.expectNoFd;
import static org.perchild.protocol.MessageText.text;

/**
 * What the launcher tells a child on its control channel. The launcher's supervisor sends them; the
 * child's control reader decodes them. Only {@code STOP} so far: the end of the channel (the
 * launcher has died) is the other thing a child obeys.
 */
public sealed interface LauncherToChild extends ControlMessage {

  /** {@code STOP}: take what is left on the hand-off channel, finish, exit 0. */
  record Stop() implements LauncherToChild {
    @Override
    public byte[] encode() {
      return bytes("STOP");
    }

    @Override
    public boolean isLast() {
      return true;
    }
  }

  /** Reads one message; IllegalArgumentException if it is none of the above. */
  static LauncherToChild decode(byte[] payload, int fd) {
    String text = text(payload);
    expectNoFd(text, fd);
    if (text.equals("STOP")) {
      return new Stop();
    }
    throw MessageText.unknown(text);
  }
}
