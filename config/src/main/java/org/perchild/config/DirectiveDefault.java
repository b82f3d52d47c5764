package org.perchild.config;

import java.time.Duration;
import java.util.List;

/**
 * What a directive means when it is not written: the typed value the configuration takes, and the
 * words {@code perchild -L} and the README's directive reference print, which are derived from that
 * value so that the two cannot disagree. A directive whose default is not a value (the installation
 * directory, "the server's User and Group") has words and no value.
 *
 * <p>Each instance stands for one directive's setting: two defaults that happen to be equal (five
 * start threads, five spare threads) are still two settings, so the class keeps identity equality
 * and {@link ServerScope} may key its numbers by it.
 *
 * @param <T> the type of the value
 */
final class DirectiveDefault<T> {

  private static final DirectiveDefault<Void> NONE = new DirectiveDefault<>(null, "");

  private final T value;
  private final String words;

  private DirectiveDefault(T value, String words) {
    this.value = value;
    this.words = words;
  }

  /** No default: the directive does nothing unless written. */
  static DirectiveDefault<Void> none() {
    return NONE;
  }

  /** A default that is a behaviour rather than a value, described in words. */
  static DirectiveDefault<Void> described(String words) {
    return new DirectiveDefault<>(null, words);
  }

  static DirectiveDefault<Integer> number(int value) {
    return new DirectiveDefault<>(value, Integer.toString(value));
  }

  static DirectiveDefault<Long> bytes(long value) {
    return new DirectiveDefault<>(value, Long.toString(value));
  }

  /** A duration, written in whole seconds as the directive takes it. */
  static DirectiveDefault<Duration> seconds(Duration value) {
    if (value.toMillis() % 1000 != 0) {
      throw new IllegalArgumentException("not whole seconds: " + value);
    }
    return new DirectiveDefault<>(value, Long.toString(value.toSeconds()));
  }

  static DirectiveDefault<Boolean> onOff(boolean value) {
    return new DirectiveDefault<>(value, value ? "On" : "Off");
  }

  /** A word taken as written: a name, a level, a path relative to the server root. */
  static DirectiveDefault<String> word(String value) {
    return new DirectiveDefault<>(value, value);
  }

  /** Arguments, written one after the other. */
  static DirectiveDefault<List<String>> words(List<String> value) {
    return new DirectiveDefault<>(List.copyOf(value), String.join(" ", value));
  }

  /** A value that the directive writes in words of its own, e.g. {@code all -SSLv3}. */
  static <T> DirectiveDefault<T> writtenAs(T value, String words) {
    return new DirectiveDefault<>(value, words);
  }

  /** A uid or gid, written {@code #number} as {@code User} and {@code Group} take one. */
  static DirectiveDefault<Integer> id(int value) {
    return new DirectiveDefault<>(value, "#" + value);
  }

  /** The value the configuration takes without the directive; {@code null} for words only. */
  T value() {
    return value;
  }

  /** How {@code -L} and the README write it; empty when there is no default. */
  String words() {
    return words;
  }

  @Override
  public String toString() {
    return words;
  }
}
