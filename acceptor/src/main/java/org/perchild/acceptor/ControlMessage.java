package org.perchild.acceptor;

import java.nio.charset.StandardCharsets;

/**
 * A message from the launcher on the acceptor's control channel (fd 3), parsed from its UTF-8 text:
 * {@code CHILD <slot> <uid> <gid>} with the child's hand-off channel attached, {@code GONE <slot>},
 * {@code STOP}. The end of the channel (the launcher died) is {@link EndOfStream}. {@link
 * ControlChannelReader} produces them and {@link AcceptorLoop} acts on them.
 */
public sealed interface ControlMessage {

  /**
   * A child of {@code uid}/{@code gid} is READY in {@code slot}; {@code handoffFd} is the
   * acceptor's end of its hand-off channel, now owned by the acceptor.
   */
  record Child(int slot, int uid, int gid, int handoffFd) implements ControlMessage {}

  /** The child in {@code slot} has exited: stop routing to it and close its channel. */
  record Gone(int slot) implements ControlMessage {}

  /** Close the listen sockets and exit 0. */
  record Stop() implements ControlMessage {}

  /**
   * {@code RELOAD} with the new generation's configuration attached (a memory file the launcher
   * wrote, {@code configFd}, now owned by the acceptor): route by its virtual hosts and limits.
   */
  record Reload(int configFd) implements ControlMessage {}

  /** {@code SCOREBOARD ...}: the launcher's scoreboard, for {@code /server-status}. */
  record Status(org.perchild.protocol.Scoreboard scoreboard) implements ControlMessage {}

  /** The launcher's end is closed: exit 0. */
  record EndOfStream() implements ControlMessage {}

  /**
   * Parses one message.
   *
   * @param fd the descriptor that came with it, or -1; only {@code CHILD} and {@code RELOAD} may
   *     carry one
   * @throws IllegalArgumentException if it is not one of the messages above, said why
   */
  static ControlMessage parse(byte[] payload, int fd) {
    String text = new String(payload, StandardCharsets.UTF_8);
    if (text.startsWith("SCOREBOARD ")) {
      return new Status(org.perchild.protocol.Scoreboard.parse(text));
    }
    String[] words = text.split(" ", -1);
    switch (words[0]) {
      case "CHILD" -> {
        expectWords(text, words, 4);
        if (fd < 0) {
          throw new IllegalArgumentException("'" + text + "' came without a hand-off channel");
        }
        return new Child(
            number(text, words[1]), number(text, words[2]), number(text, words[3]), fd);
      }
      case "GONE" -> {
        expectWords(text, words, 2);
        return new Gone(number(text, words[1]));
      }
      case "STOP" -> {
        expectWords(text, words, 1);
        return new Stop();
      }
      case "RELOAD" -> {
        expectWords(text, words, 1);
        if (fd < 0) {
          throw new IllegalArgumentException("'" + text + "' came without a configuration");
        }
        return new Reload(fd);
      }
      default -> throw new IllegalArgumentException("unknown message '" + text + "'");
    }
  }

  private static void expectWords(String text, String[] words, int count) {
    if (words.length != count) {
      throw new IllegalArgumentException(
          "'" + text + "': " + words.length + " words, expected " + count);
    }
  }

  private static int number(String text, String word) {
    try {
      int value = Integer.parseInt(word);
      if (value >= 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException("'" + text + "': '" + word + "' is not a number");
  }
}
