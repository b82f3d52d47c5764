package org.perchild.protocol;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The acceptor's command line after its class name: the launcher writes it ({@link #toArgv()}),
 * {@code AcceptorMain} reads it ({@link #parse}). Every option is required and given once:
 *
 * <pre>
 * --server-root DIR --config FILE --user NAME --uid U --gid G --listeners N
 * </pre>
 *
 * @param serverRoot the server's root directory
 * @param config the configuration file, relative to {@code serverRoot} or absolute
 * @param user the user to run as, a name or {@code #number}
 * @param uid its uid
 * @param gid the gid to run as
 * @param listeners how many listen sockets it inherits, from {@link
 *     ProcessFds#ACCEPTOR_FIRST_LISTENER} on
 */
public record AcceptorArguments(
    Path serverRoot, Path config, String user, int uid, int gid, int listeners) {

  /** The usage line a refused command line is answered with. */
  public static final String USAGE =
      "AcceptorMain --server-root DIR --config FILE --user NAME --uid U --gid G --listeners N";

  /** Reads the command line; IllegalArgumentException, saying why, if it is not one. */
  public static AcceptorArguments parse(String[] argv) {
    ArgvOptions options = ArgvOptions.parse(argv, Set.of("--listeners"));
    return new AcceptorArguments(
        options.path("--server-root"),
        options.path("--config"),
        options.required("--user"),
        options.number("--uid"),
        options.number("--gid"),
        options.number("--listeners"));
  }

  /** The command line, as {@link #parse} reads it. */
  public List<String> toArgv() {
    List<String> argv = ArgvOptions.common(serverRoot, config, user, uid, gid);
    ArgvOptions.add(argv, "--listeners", Integer.toString(listeners));
    return argv;
  }

  /** The name {@code PrivilegeDrop} takes: null for a numeric-only user ({@code #65534}). */
  public String userName() {
    return ArgvOptions.userName(user);
  }
}
