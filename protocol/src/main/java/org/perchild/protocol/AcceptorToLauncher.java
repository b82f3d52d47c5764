package org.perchild.protocol;

import static org.perchild.protocol.MessageText.bytes;
import static org.perchild.protocol.MessageText.expectNoFd;
import static org.perchild.protocol.MessageText.expectWords;
import static org.perchild.protocol.MessageText.intNumber;
import static org.perchild.protocol.MessageText.number;
import static org.perchild.protocol.MessageText.text;
import static org.perchild.protocol.MessageText.words;

/**
 * What the acceptor tells the launcher on its control channel: that it accepts ({@code READY}),
 * every second its counters ({@code COUNTERS}), and that it holds connections for a group with no
 * READY child to take them ({@code WANTED}). The acceptor sends them; the launcher's supervisor
 * decodes them.
 */
public sealed interface AcceptorToLauncher extends ControlMessage {

  /** {@code READY <pid>}: the listen sockets are adopted; children may be announced. */
  record Ready(long pid) implements AcceptorToLauncher {
    @Override
    public byte[] encode() {
      return bytes("READY " + pid);
    }
  }

  /** {@code COUNTERS accepted handedOff <status>=<n> ...} ({@link Scoreboard.Counters}). */
  record Counters(Scoreboard.Counters counters) implements AcceptorToLauncher {
    @Override
    public byte[] encode() {
      return bytes(counters.message());
    }
  }

  /**
   * {@code WANTED <uid> <gid> <held>}: the acceptor holds {@code held} connections for the group of
   * these ids, which no READY child took (it has none, or none had room). Sent when the first is
   * held and again every second while any is: the launcher starts a child of an on-demand group on
   * it, and may ignore it (a fixed group, one at its maximum, a child already starting).
   */
  record Wanted(int uid, int gid, int held) implements AcceptorToLauncher {
    @Override
    public byte[] encode() {
      return bytes("WANTED " + uid + " " + gid + " " + held);
    }
  }

  /** Reads one message; IllegalArgumentException if it is none of the above. */
  static AcceptorToLauncher decode(byte[] payload, int fd) {
    String text = text(payload);
    expectNoFd(text, fd);
    String[] words = words(text);
    switch (words[0]) {
      case "READY" -> {
        expectWords(text, words, 2);
        return new Ready(number(text, words[1]));
      }
      case "WANTED" -> {
        expectWords(text, words, 4);
        return new Wanted(
            intNumber(text, words[1]), intNumber(text, words[2]), intNumber(text, words[3]));
      }
      case "COUNTERS" -> {
        return new Counters(Scoreboard.Counters.parse(words, 1));
      }
      default -> throw MessageText.unknown(text);
    }
  }
}
