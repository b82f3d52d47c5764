package org.perchild.protocol;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A child's command line after its class name: the launcher writes it ({@link #toArgv()}), {@code
 * ChildMain} reads it ({@link #parse}), as root and before anything else:
 *
 * <pre>
 * --server-root DIR --config FILE --user NAME --uid U --gid G [--serve-uid U --serve-gid G]
 *     --slot N --generation G
 * </pre>
 *
 * @param serverRoot the server's root directory
 * @param config the configuration file, relative to {@code serverRoot} or absolute
 * @param slot the child's slot, its number for the server's life
 * @param generation the generation it belongs to (1, then one more per graceful restart)
 * @param user the user to run as, a name or {@code #number}
 * @param uid its uid
 * @param gid the gid to run as
 * @param serveUid the uid of the child group whose virtual hosts it serves: {@code uid}, except in
 *     single-user mode, where every child runs as the caller
 * @param serveGid the gid of that group
 */
public record ChildArguments(
    Path serverRoot,
    Path config,
    int slot,
    int generation,
    String user,
    int uid,
    int gid,
    int serveUid,
    int serveGid) {

  /** The usage line a refused command line is answered with. */
  public static final String USAGE =
      "usage: ChildMain --server-root DIR --config FILE --slot N --generation G"
          + " --user NAME --uid U --gid G [--serve-uid U --serve-gid G]";

  /** Reads the command line; IllegalArgumentException, saying why, if it is not one. */
  public static ChildArguments parse(String[] argv) {
    ArgvOptions options =
        ArgvOptions.parse(argv, Set.of("--slot", "--generation", "--serve-uid", "--serve-gid"));
    int uid = options.number("--uid");
    int gid = options.number("--gid");
    return new ChildArguments(
        options.path("--server-root"),
        options.path("--config"),
        options.number("--slot"),
        options.number("--generation"),
        options.required("--user"),
        uid,
        gid,
        options.number("--serve-uid", uid),
        options.number("--serve-gid", gid));
  }

  /** The command line, as {@link #parse} reads it. */
  public List<String> toArgv() {
    List<String> argv = ArgvOptions.common(serverRoot, config, user, uid, gid);
    if (serveUid != uid || serveGid != gid) {
      // Single-user mode: the child finds its virtual hosts by the group it serves, not by who
      // it runs as.
      ArgvOptions.add(argv, "--serve-uid", Integer.toString(serveUid));
      ArgvOptions.add(argv, "--serve-gid", Integer.toString(serveGid));
    }
    ArgvOptions.add(argv, "--slot", Integer.toString(slot));
    ArgvOptions.add(argv, "--generation", Integer.toString(generation));
    return argv;
  }

  /** The name {@code PrivilegeDrop} takes: null for a numeric-only user ({@code #40001}). */
  public String userName() {
    return ArgvOptions.userName(user);
  }

  /** The user in file and thread names: {@code alice}, or {@code 40001} for {@code #40001}. */
  public String label() {
    return (user.startsWith("#") ? user.substring(1) : user).replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
