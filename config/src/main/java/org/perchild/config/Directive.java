package org.perchild.config;

import java.nio.file.Path;
import java.util.List;

/**
 * One node of the directive tree: a directive as written, with its arguments already unquoted, and
 * where it was written. A section ({@code <VirtualHost *:80>} ... {@code </VirtualHost>}) is a
 * directive whose name is the section's name and whose children are the directives inside it. The
 * tree is the first of the two steps of parsing; {@link DirectiveTable} gives it meaning.
 *
 * @param name the name as written (directive names are case-insensitive)
 * @param args the arguments, unquoted
 * @param file the file it was read from (after {@code Include})
 * @param line the 1-based line it starts on
 * @param section whether it is a section
 * @param children the directives inside a section, empty for a plain directive
 */
public record Directive(
    String name,
    List<String> args,
    Path file,
    int line,
    boolean section,
    List<Directive> children) {

  /** A plain directive. */
  public Directive(String name, List<String> args, Path file, int line) {
    this(name, args, file, line, false, List.of());
  }

  public Directive {
    args = List.copyOf(args);
    children = List.copyOf(children);
  }

  /** {@code file:line}, for messages. */
  public String where() {
    return file + ":" + line;
  }

  /** How an operator would recognise it: {@code <VirtualHost>} for a section, else its name. */
  public String displayName() {
    return section ? "<" + name + ">" : name;
  }
}
