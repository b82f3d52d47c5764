package org.perchild.protocol;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The command line of a class archive's training run after its class name ({@link
 * ProcessCommand#TRAINING_MAIN}): the launcher writes it ({@link #toArgv()}), the training run
 * reads it ({@link #parse}), as root and before it drops privileges. Every option is required:
 *
 * <pre>
 * --server-root DIR --config FILE --user NAME --uid U --gid G --app-base DIR
 * </pre>
 *
 * @param serverRoot the training's own directory, owned by {@code uid}, where it writes {@code
 *     config} and unpacks the WARs
 * @param config the configuration file the training run writes for itself, in {@code serverRoot}
 * @param user the user to run as (the server's {@code User}), a name or {@code #number}
 * @param uid its uid
 * @param gid the gid to run as
 * @param appBase the directory of the WARs we ship for training, read only
 */
public record TrainingArguments(
    Path serverRoot, Path config, String user, int uid, int gid, Path appBase) {

  /** The usage line a refused command line is answered with. */
  public static final String USAGE =
      "ClassArchiveTraining --server-root DIR --config FILE --user NAME --uid U --gid G"
          + " --app-base DIR";

  /** Reads the command line; IllegalArgumentException, saying why, if it is not one. */
  public static TrainingArguments parse(String[] argv) {
    ArgvOptions options = ArgvOptions.parse(argv, Set.of("--app-base"));
    return new TrainingArguments(
        options.path("--server-root"),
        options.path("--config"),
        options.required("--user"),
        options.number("--uid"),
        options.number("--gid"),
        options.path("--app-base"));
  }

  /** The command line, as {@link #parse} reads it. */
  public List<String> toArgv() {
    List<String> argv = ArgvOptions.common(serverRoot, config, user, uid, gid);
    ArgvOptions.add(argv, "--app-base", appBase.toString());
    return argv;
  }

  /** The name {@code PrivilegeDrop} takes: null for a numeric-only user ({@code #65534}). */
  public String userName() {
    return ArgvOptions.userName(user);
  }
}
