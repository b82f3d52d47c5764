package org.perchild.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The flags of {@code bin/perchild}, httpd's where httpd has them. Parsed once in {@link
 * Perchild#main}; a usage error is an {@link IllegalArgumentException} whose message is printed
 * above the usage.
 *
 * @param configFile {@code -f}: the main configuration file, relative to the server root
 * @param serverRoot {@code -d}: the server root, or {@code null} for the installation directory
 * @param defines {@code -D}: parameters such as {@code FOREGROUND}
 * @param action what to do
 * @param signal the {@code -k} command, for {@link Action#SIGNAL} and {@code -k start}
 * @param json {@code status --json}: the scoreboard as JSON
 * @param slot {@code dump SLOT}: the slot whose child's Jetty dump to print, else 0
 */
public record CommandLine(
    Path configFile,
    Path serverRoot,
    Set<String> defines,
    Action action,
    String signal,
    boolean json,
    int slot) {

  /** What {@code bin/perchild} was asked to do. */
  public enum Action {
    /** Run the server (the default, {@code -D FOREGROUND}, or {@code -k start}). */
    RUN,
    /** {@code -X}: one process, every virtual host, no hand-off, no user switch. */
    DEBUG_SINGLE_PROCESS,
    /** {@code -t}: check the configuration. */
    CONFIG_TEST,
    /** {@code -S}: print the parsed layout. */
    DUMP_LAYOUT,
    /** {@code -L}: list the directives. */
    LIST_DIRECTIVES,
    /** {@code -k stop|restart|graceful|graceful-stop}: tell the running launcher. */
    SIGNAL,
    /**
     * {@code status [--json]}: print the running server's scoreboard. A subcommand word, not an
     * httpd flag, as {@code apachectl status}.
     */
    STATUS,
    /** {@code dump SLOT}: print the Jetty dump of that slot's child. A subcommand, as status. */
    DUMP,
    /** {@code -v}: print the version. */
    VERSION,
    /** {@code -h}: print the usage. */
    HELP
  }

  /** The {@code -k} commands, as httpd's. */
  public static final List<String> SIGNALS =
      List.of("start", "stop", "restart", "graceful", "graceful-stop");

  /** The default main configuration file, relative to the server root. */
  public static final Path DEFAULT_CONFIG = Path.of("conf/perchild.conf");

  public CommandLine {
    defines = Set.copyOf(defines);
  }

  /** Whether {@code -D name} was given. */
  public boolean defined(String name) {
    return defines.contains(name);
  }

  /** Parses the arguments of {@code bin/perchild}. */
  public static CommandLine parse(String[] args) {
    Path config = DEFAULT_CONFIG;
    Path root = null;
    Set<String> defines = new LinkedHashSet<>();
    List<Action> actions = new ArrayList<>();
    String signal = null;
    boolean json = false;
    int slot = 0;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "-f" -> config = Path.of(value(args, ++i, arg));
        case "-d" -> root = Path.of(value(args, ++i, arg));
        case "-D" -> defines.add(value(args, ++i, arg));
        case "-t" -> actions.add(Action.CONFIG_TEST);
        case "-S" -> actions.add(Action.DUMP_LAYOUT);
        case "-L" -> actions.add(Action.LIST_DIRECTIVES);
        case "-X" -> actions.add(Action.DEBUG_SINGLE_PROCESS);
        case "-v" -> actions.add(Action.VERSION);
        case "-h", "-?", "--help" -> actions.add(Action.HELP);
        case "status" -> actions.add(Action.STATUS);
        case "dump" -> {
          String word = value(args, ++i, arg);
          try {
            slot = Integer.parseInt(word);
          } catch (NumberFormatException e) {
            slot = 0;
          }
          if (slot < 1) {
            throw new IllegalArgumentException("dump " + word + ": the slot is a number from 1");
          }
          actions.add(Action.DUMP);
        }
        case "--json" -> json = true;
        case "-k" -> {
          signal = value(args, ++i, arg);
          if (!SIGNALS.contains(signal)) {
            throw new IllegalArgumentException(
                "-k " + signal + ": not one of " + String.join(", ", SIGNALS));
          }
          actions.add(signal.equals("start") ? Action.RUN : Action.SIGNAL);
        }
        default -> throw new IllegalArgumentException("unknown option " + arg);
      }
    }
    // httpd's -t -D DUMP_VHOSTS is -S.
    if (defines.contains("DUMP_VHOSTS") && actions.remove(Action.CONFIG_TEST)) {
      actions.add(Action.DUMP_LAYOUT);
    }
    Set<Action> distinct = new LinkedHashSet<>(actions);
    if (distinct.size() > 1) {
      throw new IllegalArgumentException(
          "give only one of -t, -S, -L, -X, -v, -h, -k, status and dump");
    }
    Action action = distinct.isEmpty() ? Action.RUN : distinct.iterator().next();
    if (json && action != Action.STATUS) {
      throw new IllegalArgumentException("--json goes with status only");
    }
    return new CommandLine(config, root, defines, action, signal, json, slot);
  }

  private static String value(String[] args, int index, String flag) {
    if (index >= args.length || args[index].isEmpty()) {
      throw new IllegalArgumentException(flag + " needs an argument");
    }
    return args[index];
  }
}
