package org.perchild.protocol;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --option value} pairs of a spawned process's command line, read the one way both the
 * acceptor's and the child's arguments are read: every option known, given once, with a value.
 */
final class ArgvOptions {

  /** The options every spawned process takes: where the server is, and whom it runs as. */
  static final Set<String> COMMON = Set.of("--server-root", "--config", "--user", "--uid", "--gid");

  private final Map<String, String> values;

  private ArgvOptions(Map<String, String> values) {
    this.values = values;
  }

  static ArgvOptions parse(String[] argv, Set<String> known) {
    if (argv.length % 2 != 0) {
      throw new IllegalArgumentException("options come in pairs: " + String.join(" ", argv));
    }
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < argv.length; i += 2) {
      String option = argv[i];
      if (!COMMON.contains(option) && !known.contains(option)) {
        throw new IllegalArgumentException("unknown option " + option);
      }
      if (values.put(option, argv[i + 1]) != null) {
        throw new IllegalArgumentException(option + " given twice");
      }
    }
    return new ArgvOptions(values);
  }

  /** The common options, in the order the launcher has always written them. */
  static List<String> common(Path serverRoot, Path config, String user, int uid, int gid) {
    List<String> argv = new ArrayList<>();
    add(argv, "--server-root", serverRoot.toString());
    add(argv, "--config", config.toString());
    add(argv, "--user", user);
    add(argv, "--uid", Integer.toString(uid));
    add(argv, "--gid", Integer.toString(gid));
    return argv;
  }

  static void add(List<String> argv, String option, String value) {
    argv.add(option);
    argv.add(value);
  }

  String required(String option) {
    String value = values.get(option);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("missing " + option);
    }
    return value;
  }

  Path path(String option) {
    return Path.of(required(option));
  }

  int number(String option) {
    return number(option, required(option));
  }

  /** The option's number, or {@code otherwise} if it is not given. */
  int number(String option, int otherwise) {
    String value = values.get(option);
    return value == null ? otherwise : number(option, value);
  }

  private static int number(String option, String value) {
    try {
      int number = Integer.parseInt(value);
      if (number >= 0) {
        return number;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException(option + " " + value + ": not a number");
  }

  /** The name {@code PrivilegeDrop} takes for {@code user}: null for a number ({@code #40001}). */
  static String userName(String user) {
    return user.startsWith("#") ? null : user;
  }
}
