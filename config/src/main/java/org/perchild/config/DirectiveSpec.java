package org.perchild.config;

import java.util.Set;

/**
 * One row of the {@link DirectiveTable}: a directive's name, how it is written, where it may be
 * written, its default, what it does, and how it is applied. The README's directive reference and
 * {@code perchild -L} are printed from these rows, and the configuration is built by them: the
 * default they print is the value the configuration takes, and the application they carry is the
 * only code that gives the directive meaning, so the reference, {@code -L} and the behaviour cannot
 * disagree.
 */
public final class DirectiveSpec {

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

  /**
   * What a directive does to the configuration being built, once {@link ConfigBuilder} has checked
   * its name, context and number of arguments.
   */
  @FunctionalInterface
  interface Application {
    /**
     * Gives {@code d} its meaning.
     *
     * @param builder the configuration being built, with its values and its problems
     * @param host the host whose section {@code d} is written in (the main server outside any)
     * @param d the directive, its arguments already counted
     */
    void apply(ConfigBuilder builder, HostScope host, Directive d);
  }

  private final String name;
  private final String syntax;
  private final DirectiveDefault<?> typedDefault;
  private final Set<Context> contexts;
  private final int minArgs;
  private final int maxArgs;
  private final boolean section;
  private final String help;
  private final Application application;

  /**
   * A row.
   *
   * @param name the canonical spelling
   * @param syntax how it is written, e.g. {@code Listen [addr:]port [protocol]}
   * @param typedDefault the value without the directive
   * @param contexts where it may be written
   * @param minArgs fewest arguments
   * @param maxArgs most arguments, {@link Integer#MAX_VALUE} for a list
   * @param section whether it opens a section ({@code <VirtualHost>})
   * @param help one sentence on what it does
   * @param application what it does to the configuration
   */
  DirectiveSpec(
      String name,
      String syntax,
      DirectiveDefault<?> typedDefault,
      Set<Context> contexts,
      int minArgs,
      int maxArgs,
      boolean section,
      String help,
      Application application) {
    this.name = name;
    this.syntax = syntax;
    this.typedDefault = typedDefault;
    this.contexts = Set.copyOf(contexts);
    this.minArgs = minArgs;
    this.maxArgs = maxArgs;
    this.section = section;
    this.help = help;
    this.application = application;
  }

  /** The canonical spelling. */
  public String name() {
    return name;
  }

  /** How it is written, e.g. {@code Listen [addr:]port [protocol]}. */
  public String syntax() {
    return syntax;
  }

  /** The value without the directive, as {@code -L} prints it, or empty when there is none. */
  public String defaultValue() {
    return typedDefault.words();
  }

  /** Where it may be written. */
  public Set<Context> contexts() {
    return contexts;
  }

  /** Fewest arguments. */
  public int minArgs() {
    return minArgs;
  }

  /** Most arguments, {@link Integer#MAX_VALUE} for a list. */
  public int maxArgs() {
    return maxArgs;
  }

  /** Whether it opens a section ({@code <VirtualHost>}). */
  public boolean section() {
    return section;
  }

  /** One sentence on what it does. */
  public String help() {
    return help;
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

  /** This row, taking from {@code min} to {@code max} arguments rather than one. */
  DirectiveSpec arguments(int min, int max) {
    return new DirectiveSpec(
        name, syntax, typedDefault, contexts, min, max, section, help, application);
  }

  /** The typed default {@link #defaultValue()} is written from. */
  DirectiveDefault<?> typedDefault() {
    return typedDefault;
  }

  /** Gives a checked directive of this row its meaning. */
  void apply(ConfigBuilder builder, HostScope host, Directive d) {
    application.apply(builder, host, d);
  }

  @Override
  public String toString() {
    return syntax;
  }
}
