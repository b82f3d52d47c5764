package org.perchild.config;

import java.util.Set;

/**
 * One row of the {@link DirectiveTable}: a directive's name, how it is written, where it may be
 * written, its default and what it does. The README's directive reference and {@code perchild -L}
 * are printed from these rows.
 *
 * @param name the canonical spelling
 * @param syntax how it is written, e.g. {@code Listen [addr:]port [protocol]}
 * @param defaultValue the value without the directive, or empty when there is none
 * @param contexts where it may be written
 * @param minArgs fewest arguments
 * @param maxArgs most arguments, {@link Integer#MAX_VALUE} for a list
 * @param section whether it opens a section ({@code <VirtualHost>})
 * @param help one sentence on what it does
 */
public record DirectiveSpec(
    String name,
    String syntax,
    String defaultValue,
    Set<Context> contexts,
    int minArgs,
    int maxArgs,
    boolean section,
    String help) {

  /** Where a directive may be written, in httpd's words. */
  public enum Context {
    /** Outside any section. */
    SERVER("server config"),
    /** Inside {@code <VirtualHost>}. */
    VIRTUAL_HOST("virtual host"),
    /** Inside {@code <Location>} (httpd's "directory" context, as far as perchild has one). */
    LOCATION("location");

    private final String words;

    Context(String words) {
      this.words = words;
    }

    /** httpd's name for the context, as its documentation writes it. */
    public String words() {
      return words;
    }
  }

  public DirectiveSpec {
    contexts = Set.copyOf(contexts);
  }

  /** How an operator would recognise it: {@code <VirtualHost>} for a section, else its name. */
  public String displayName() {
    return section ? "<" + name + ">" : name;
  }

  /** The contexts in httpd's words: {@code server config, virtual host}. */
  public String contextWords() {
    StringBuilder words = new StringBuilder();
    for (Context context : Context.values()) {
      if (contexts.contains(context)) {
        words.append(words.length() == 0 ? "" : ", ").append(context.words());
      }
    }
    return words.toString();
  }
}
