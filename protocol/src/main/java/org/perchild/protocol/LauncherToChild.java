package org.perchild.protocol;

import static org.perchild.protocol.MessageText.bytes;
import static org.perchild.protocol.MessageText.expectNoFd;
import static org.perchild.protocol.MessageText.expectWords;
import static org.perchild.protocol.MessageText.number;
import static org.perchild.protocol.MessageText.text;
import static org.perchild.protocol.MessageText.words;

/**
 * What the launcher tells a child on its control channel. The launcher's supervisor sends them; the
 * child's control reader decodes them: {@code STOP}, {@code DUMP} for {@code perchild dump SLOT},
 * and {@code ROUTES} to a child kept across a graceful restart. The end of the channel (the
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

  /**
   * {@code DUMP <request>}: answer with this child's Jetty {@code dump()}, in {@link
   * ChildToLauncher.DumpPart}s that carry the same request number.
   *
   * @param request the launcher's number for this request, so that a late answer to an earlier one
   *     is told apart
   */
  record Dump(long request) implements LauncherToChild {
    public Dump {
      if (request < 0) {
        throw new IllegalArgumentException("DUMP request " + request);
      }
    }

    @Override
    public byte[] encode() {
      return bytes("DUMP " + request);
    }
  }

  /**
   * {@code ROUTES}, with a memory file of the new generation's view of the configuration for this
   * child's group ({@link ConfigViews#forChild}): a child whose group a graceful restart keeps
   * routes by its routing table from now on (the other tenants' hosts may have changed, its own
   * have not), so that it answers 421 exactly where the acceptor would route elsewhere.
   *
   * @param configFd the memory file, which the receiver reads and closes
   */
  record Routes(int configFd) implements LauncherToChild {
    public Routes {
      if (configFd < 0) {
        throw new IllegalArgumentException("ROUTES without its configuration");
      }
    }

    @Override
    public byte[] encode() {
      return bytes("ROUTES");
    }

    @Override
    public int fd() {
      return configFd;
    }
  }

  /** Reads one message; IllegalArgumentException if it is none of the above. */
  static LauncherToChild decode(byte[] payload, int fd) {
    String text = text(payload);
    if (text.equals("ROUTES")) {
      if (fd < 0) {
        throw new IllegalArgumentException("'" + text + "' came without its configuration");
      }
      return new Routes(fd);
    }
    expectNoFd(text, fd);
    if (text.equals("STOP")) {
      return new Stop();
    }
    String[] words = words(text);
    if (words[0].equals("DUMP")) {
      expectWords(text, words, 2);
      return new Dump(number(text, words[1]));
    }
    throw MessageText.unknown(text);
  }
}
