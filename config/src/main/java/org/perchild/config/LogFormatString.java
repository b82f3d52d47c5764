package org.perchild.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The syntax of an httpd {@code LogFormat} string, split into literal text and {@code %}
 * directives. {@link ConfigBuilder} parses every format at configuration time, so that an unknown
 * directive is a {@code file:line:} error of {@code configtest}; the child's access log compiles
 * the same items into a renderer, so both agree on what a format means.
 *
 * <p>A directive is {@code %[!][status,...][<|>][{argument}]letter}, as in httpd's mod_log_config:
 * the optional status list logs the item only for (or, with {@code !}, except for) those statuses,
 * and {@code <}/{@code >} choose the original or final request (one and the same here).
 */
public final class LogFormatString {

  /** The directive letters perchild renders; anything else is refused. */
  public static final String LETTERS = "%aAbBDhHilmopqrstTuUvV";

  /**
   * One piece of a format: literal text (when {@link #letter()} is 0) or a directive.
   *
   * @param literal the text to copy as it is, or {@code null} for a directive
   * @param letter the directive letter, 0 for a literal
   * @param argument what was between the braces, or {@code null}
   * @param statuses the status condition, empty for none
   * @param negated whether the condition is "except these statuses"
   */
  public record Item(
      String literal, char letter, String argument, Set<Integer> statuses, boolean negated) {

    public Item {
      statuses = Set.copyOf(statuses);
    }

    static Item text(String literal) {
      return new Item(literal, (char) 0, null, Set.of(), false);
    }

    /** Whether this item is literal text. */
    public boolean isLiteral() {
      return letter == 0;
    }

    /** Whether the status condition lets a response with {@code status} log this item. */
    public boolean appliesTo(int status) {
      return statuses.isEmpty() || statuses.contains(status) != negated;
    }
  }

  private LogFormatString() {}

  /**
   * Splits {@code format} into items.
   *
   * @throws IllegalArgumentException naming the directive that perchild does not know, or the
   *     malformed part
   */
  public static List<Item> parse(String format) {
    List<Item> items = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    int i = 0;
    while (i < format.length()) {
      char c = format.charAt(i);
      if (c != '%') {
        text.append(c);
        i++;
        continue;
      }
      int start = i++;
      Set<Integer> statuses = new LinkedHashSet<>();
      boolean negated = false;
      String argument = null;
      char letter = 0;
      while (letter == 0) {
        if (i >= format.length()) {
          throw new IllegalArgumentException(
              "'" + format.substring(start) + "' at the end of the format names no directive");
        }
        char m = format.charAt(i);
        if (m == '!' && statuses.isEmpty() && !negated) {
          negated = true;
          i++;
        } else if (Character.isDigit(m)) {
          int end = i;
          while (end < format.length() && Character.isDigit(format.charAt(end))) {
            end++;
          }
          if (end - i != 3) {
            throw new IllegalArgumentException(
                "'" + format.substring(start, end) + "': a status condition has 3 digits");
          }
          statuses.add(Integer.parseInt(format.substring(i, end)));
          i = end;
          if (i < format.length() && format.charAt(i) == ',') {
            i++;
          }
        } else if (m == '<' || m == '>') {
          i++;
        } else if (m == '{') {
          int close = format.indexOf('}', i);
          if (close < 0) {
            throw new IllegalArgumentException(
                "'" + format.substring(start) + "': '{' without '}'");
          }
          argument = format.substring(i + 1, close);
          i = close + 1;
        } else {
          letter = m;
          i++;
        }
      }
      if (LETTERS.indexOf(letter) < 0) {
        throw new IllegalArgumentException(
            "unknown directive '%"
                + letter
                + "' in '"
                + format.substring(start, i)
                + "' (perchild knows %"
                + String.join(" %", LETTERS.split(""))
                + ")");
      }
      if ((letter == 'i' || letter == 'o') && (argument == null || argument.isEmpty())) {
        throw new IllegalArgumentException(
            "'" + format.substring(start, i) + "' needs a header name: %{Name}" + letter);
      }
      if (letter == 't' && argument != null) {
        throw new IllegalArgumentException(
            "'" + format.substring(start, i) + "': %t takes no {format} here; write %t");
      }
      if (letter == 'T'
          && argument != null
          && !(argument.equals("s") || argument.equals("ms") || argument.equals("us"))) {
        throw new IllegalArgumentException(
            "'" + format.substring(start, i) + "': the unit of %T is s, ms or us");
      }
      if (letter == '%') {
        text.append('%');
        continue;
      }
      if (!text.isEmpty()) {
        items.add(Item.text(text.toString()));
        text.setLength(0);
      }
      items.add(new Item(null, letter, argument, statuses, negated));
    }
    if (!text.isEmpty()) {
      items.add(Item.text(text.toString()));
    }
    return items;
  }
}
