package org.perchild.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;

/**
 * The first step of parsing: reads configuration files in Apache httpd's syntax into a tree of
 * {@link Directive}s that keeps file and line. It knows the syntax (comments, {@code \}
 * continuation lines, quoted arguments, sections) and the two directives that decide which files
 * are read: {@code ServerRoot} (relative paths resolve against it) and {@code Include} / {@code
 * IncludeOptional} (globs, directories, in sorted order). Everything else is the {@link
 * DirectiveTable}'s business.
 */
final class DirectiveReader {

  /** httpd's AP_MAX_INCLUDE_DEPTH: deeper nesting is surely a loop. */
  private static final int MAX_INCLUDE_DEPTH = 128;

  private final List<ConfigProblem> problems;
  private final Deque<Path> including = new ArrayDeque<>();

  /** Every file read, in the order read, with the bytes that were parsed. */
  private final java.util.Map<Path, byte[]> read = new java.util.LinkedHashMap<>();

  private Path serverRoot;

  DirectiveReader(Path serverRoot, List<ConfigProblem> problems) {
    this.serverRoot = serverRoot.toAbsolutePath().normalize();
    this.problems = problems;
  }

  /** The server root in force after reading: the last top-level {@code ServerRoot}, if any. */
  Path serverRoot() {
    return serverRoot;
  }

  /**
   * The files read so far, in order, each with the exact bytes that were parsed (the file may have
   * changed since): what the launcher hashes to name the configuration it accepted.
   */
  java.util.Map<Path, byte[]> filesRead() {
    return java.util.Collections.unmodifiableMap(read);
  }

  /** Reads the main configuration file and every file it includes. */
  List<Directive> readMain(Path file) {
    Path resolved = serverRoot.resolve(file).normalize();
    if (!Files.isRegularFile(resolved)) {
      problems.add(ConfigProblem.error(null, 0, "could not open configuration file " + resolved));
      return List.of();
    }
    List<Directive> top = new ArrayList<>();
    readFile(resolved, top, true);
    return top;
  }

  private void readFile(Path file, List<Directive> into, boolean topLevel) {
    Path real;
    List<String> lines;
    try {
      real = file.toRealPath();
      // Read once: the bytes parsed are the bytes hashed, even if the file changes meanwhile.
      byte[] bytes = Files.readAllBytes(file);
      lines = lines(bytes);
      read.put(file, bytes);
    } catch (IOException | RuntimeException e) {
      problems.add(ConfigProblem.error(null, 0, "could not read " + file + ": " + e.getMessage()));
      return;
    }
    including.push(real);
    try {
      parseLines(file, lines, into, topLevel);
    } finally {
      including.pop();
    }
  }

  /** The lines of {@code bytes} as {@link Files#readAllLines} splits them, refusing bad UTF-8. */
  private static List<String> lines(byte[] bytes) throws IOException {
    List<String> lines = new ArrayList<>();
    try (java.io.BufferedReader reader =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(
                new java.io.ByteArrayInputStream(bytes), StandardCharsets.UTF_8.newDecoder()))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lines.add(line);
      }
    }
    return lines;
  }

  /** An open section while its lines are read. */
  private record OpenSection(String name, List<String> args, int line, List<Directive> children) {}

  private void parseLines(Path file, List<String> lines, List<Directive> into, boolean topLevel) {
    Deque<OpenSection> open = new ArrayDeque<>();
    int index = 0;
    while (index < lines.size()) {
      int firstLine = index + 1;
      StringBuilder logical = new StringBuilder(stripTrailingNewlineJunk(lines.get(index++)));
      // httpd joins a line that ends in a backslash with the next one.
      while (logical.length() > 0
          && logical.charAt(logical.length() - 1) == '\\'
          && index < lines.size()) {
        logical.setLength(logical.length() - 1);
        logical.append(stripTrailingNewlineJunk(lines.get(index++)));
      }
      String text = logical.toString().strip();
      if (text.isEmpty() || text.startsWith("#")) {
        continue;
      }
      List<Directive> target = open.isEmpty() ? into : open.peek().children();
      if (text.startsWith("</")) {
        closeSection(file, firstLine, text, open, into);
      } else if (text.startsWith("<")) {
        openSection(file, firstLine, text, open);
      } else {
        List<String> words = tokenize(file, firstLine, text);
        String name = words.get(0);
        List<String> args = words.subList(1, words.size());
        boolean atTop = topLevel && open.isEmpty();
        if (name.equalsIgnoreCase("Include") || name.equalsIgnoreCase("IncludeOptional")) {
          include(file, firstLine, name, args, target, atTop);
        } else {
          if (name.equalsIgnoreCase("ServerRoot") && args.size() == 1 && open.isEmpty()) {
            serverRoot = Path.of(args.get(0)).toAbsolutePath().normalize();
          }
          target.add(new Directive(name, args, file, firstLine));
        }
      }
    }
    while (!open.isEmpty()) {
      OpenSection section = open.pop();
      problems.add(
          ConfigProblem.error(
              file,
              section.line(),
              "<" + section.name() + "> was not closed (expected </" + section.name() + ">)"));
    }
  }

  private static String stripTrailingNewlineJunk(String line) {
    // Files edited on Windows: a CR before the LF is not part of the directive.
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }

  private void openSection(Path file, int line, String text, Deque<OpenSection> open) {
    if (!text.endsWith(">")) {
      String name = text.substring(1).split("\\s+", 2)[0];
      problems.add(ConfigProblem.error(file, line, "<" + name + "> directive missing closing '>'"));
      // Read it anyway so that its body is checked and its closing tag is not stray.
      text = text + ">";
    }
    String inner = text.substring(1, text.length() - 1).strip();
    if (inner.isEmpty()) {
      problems.add(ConfigProblem.error(file, line, "empty section tag '<>'"));
      inner = "?";
    }
    List<String> words = tokenize(file, line, inner);
    open.push(
        new OpenSection(
            words.get(0), List.copyOf(words.subList(1, words.size())), line, new ArrayList<>()));
  }

  private void closeSection(
      Path file, int line, String text, Deque<OpenSection> open, List<Directive> fileTop) {
    String name = text.substring(2).replaceFirst(">\\s*$", "").strip();
    if (open.isEmpty()) {
      problems.add(
          ConfigProblem.error(
              file, line, "</" + name + "> without matching <" + name + "> section"));
      return;
    }
    OpenSection section = open.peek();
    if (!section.name().equalsIgnoreCase(name)) {
      problems.add(
          ConfigProblem.error(
              file,
              line,
              "</"
                  + name
                  + "> does not close <"
                  + section.name()
                  + "> (opened at line "
                  + section.line()
                  + ")"));
      return;
    }
    open.pop();
    List<Directive> parent = open.isEmpty() ? fileTop : open.peek().children();
    parent.add(
        new Directive(
            section.name(), section.args(), file, section.line(), true, section.children()));
  }

  /**
   * Splits a line into words as httpd's {@code ap_getword_conf} does: whitespace separates words; a
   * word may be quoted with {@code "} or {@code '}, inside which a backslash escapes the quote
   * character. A {@code #} inside a line is an ordinary character ({@code User #1000}).
   */
  private List<String> tokenize(Path file, int line, String text) {
    List<String> words = new ArrayList<>();
    int i = 0;
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      StringBuilder word = new StringBuilder();
      if (c == '"' || c == '\'') {
        char quote = c;
        i++;
        boolean closed = false;
        while (i < n) {
          char d = text.charAt(i);
          if (d == '\\' && i + 1 < n && text.charAt(i + 1) == quote) {
            word.append(quote);
            i += 2;
          } else if (d == quote) {
            closed = true;
            i++;
            break;
          } else {
            word.append(d);
            i++;
          }
        }
        if (!closed) {
          problems.add(
              ConfigProblem.error(file, line, "unterminated quoted argument: " + quote + word));
        }
      } else {
        while (i < n && !Character.isWhitespace(text.charAt(i))) {
          word.append(text.charAt(i++));
        }
      }
      words.add(word.toString());
    }
    return words;
  }

  private void include(
      Path file, int line, String name, List<String> args, List<Directive> target, boolean top) {
    boolean optional = name.equalsIgnoreCase("IncludeOptional");
    if (args.size() != 1) {
      problems.add(
          ConfigProblem.error(file, line, name + " takes one argument, a file, directory or glob"));
      return;
    }
    if (including.size() >= MAX_INCLUDE_DEPTH) {
      problems.add(
          ConfigProblem.error(
              file, line, name + ": more than " + MAX_INCLUDE_DEPTH + " nested includes"));
      return;
    }
    String pattern = args.get(0);
    Path path = serverRoot.resolve(pattern).normalize();
    List<Path> files;
    try {
      files = expand(path);
    } catch (IOException e) {
      problems.add(ConfigProblem.error(file, line, name + " " + pattern + ": " + e.getMessage()));
      return;
    }
    if (files.isEmpty()) {
      if (!optional) {
        String what = hasWildcard(path.toString()) ? "no file matches " : "no such file ";
        problems.add(
            ConfigProblem.error(
                file,
                line,
                name + " " + pattern + ": " + what + path + " (IncludeOptional would allow it)"));
      }
      return;
    }
    for (Path included : files) {
      Path real;
      try {
        real = included.toRealPath();
      } catch (IOException e) {
        problems.add(ConfigProblem.error(file, line, name + ": " + e.getMessage()));
        continue;
      }
      if (including.contains(real)) {
        problems.add(
            ConfigProblem.error(
                file, line, name + " " + pattern + ": " + real + " includes itself"));
        continue;
      }
      readFile(included, target, top);
    }
  }

  private static boolean hasWildcard(String text) {
    return text.indexOf('*') >= 0 || text.indexOf('?') >= 0 || text.indexOf('[') >= 0;
  }

  /** The regular files a path names: itself, a directory's files recursively, or a glob's. */
  private static List<Path> expand(Path path) throws IOException {
    List<Path> matches = new ArrayList<>();
    if (!hasWildcard(path.toString())) {
      addFiles(path, matches);
      return matches;
    }
    List<Path> bases = List.of(path.getRoot());
    for (Path segment : path) {
      String part = segment.toString();
      List<Path> next = new ArrayList<>();
      for (Path base : bases) {
        if (!hasWildcard(part)) {
          Path child = base.resolve(part);
          if (Files.exists(child)) {
            next.add(child);
          }
          continue;
        }
        if (!Files.isDirectory(base)) {
          continue;
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + part);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(base)) {
          for (Path entry : entries) {
            if (matcher.matches(entry.getFileName())) {
              next.add(entry);
            }
          }
        }
      }
      next.sort(null);
      bases = next;
    }
    for (Path base : bases) {
      addFiles(base, matches);
    }
    return matches;
  }

  private static void addFiles(Path path, List<Path> into) throws IOException {
    if (Files.isRegularFile(path)) {
      into.add(path);
    } else if (Files.isDirectory(path)) {
      try (Stream<Path> walk = Files.walk(path)) {
        walk.filter(Files::isRegularFile).sorted().forEach(into::add);
      }
    }
  }
}
