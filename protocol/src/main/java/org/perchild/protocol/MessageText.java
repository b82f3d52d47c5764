package org.perchild.protocol;

import java.nio.charset.StandardCharsets;

/**
 * The text form the control messages share: words separated by one blank, numbers in decimal. The
 * decoders of every direction read their words through it, so that they refuse the same things in
 * the same words.
 */
final class MessageText {

  private MessageText() {}

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] payload) {
    return new String(payload, StandardCharsets.UTF_8);
  }

  /** The words of {@code text}; an empty word (two blanks, a trailing blank) is kept, to refuse. */
  static String[] words(String text) {
    return text.split(" ", -1);
  }

  static void expectWords(String text, String[] words, int count) {
    if (words.length != count) {
      throw new IllegalArgumentException(
          "'" + shown(text) + "': " + words.length + " words, expected " + count);
    }
  }

  static void expectNoFd(String text, int fd) {
    if (fd >= 0) {
      throw new IllegalArgumentException("'" + shown(text) + "' came with fd " + fd);
    }
  }

  /** A number that is not negative. */
  static long number(String text, String word) {
    try {
      long value = Long.parseLong(word);
      if (value >= 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException("'" + shown(text) + "': '" + word + "' is not a number");
  }

  static int intNumber(String text, String word) {
    long value = number(text, word);
    if (value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("'" + shown(text) + "': " + word + " is too big");
    }
    return (int) value;
  }

  /** {@code text} made safe and short for a log line: a peer may send anything. */
  static String shown(String text) {
    String shown = text.length() > 80 ? text.substring(0, 80) + "…" : text;
    return shown.replaceAll("\\p{Cntrl}", "?");
  }

  static IllegalArgumentException unknown(String text) {
    return new IllegalArgumentException("unknown message '" + shown(text) + "'");
  }
}
