package org.perchild.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import org.perchild.config.ConfigException;
import org.perchild.config.ConfigLoader;
import org.perchild.config.ConfigProblem;
import org.perchild.config.DirectiveSpec;
import org.perchild.config.DirectiveTable;
import org.perchild.config.LoadedConfiguration;
import org.perchild.config.ServerConfig;
import org.perchild.posix.Account;
import org.perchild.posix.Native;
import org.perchild.posix.SystemAccounts;
import org.perchild.protocol.ExitCodes;
import org.perchild.supervisor.Supervisor;

/**
 * {@code bin/perchild}: the command line of the server, with httpd's flags. It checks and prints
 * configurations itself; running the server is the launcher's (the process model).
 *
 * <p>Exit codes ({@link ExitCodes}): {@link ExitCodes#CLI_OK} success, {@link
 * ExitCodes#CLI_REFUSED} a refused configuration or a usage error, {@link ExitCodes#CLI_FAILED} the
 * server could not start or failed. These are the command line's; the processes the launcher spawns
 * have their own contract with it ({@link ExitCodes#NORMAL}, {@link ExitCodes#FATAL}).
 */
public final class Perchild {

  static final String USAGE =
      """
      Usage: perchild [-D name] [-d directory] [-f file]
                      [-h] [-v] [-X] [-t] [-S] [-L] [-k start|restart|graceful|graceful-stop|stop]
             perchild [-d directory] [-f file] status [--json]
             perchild [-d directory] [-f file] dump SLOT
      Options:
        -D name            : define a name: FOREGROUND (stay in front), SINGLE_USER (without
                             root: every process runs as the caller, no tenant isolation)
        -d directory       : specify an alternate initial ServerRoot
        -f file            : specify an alternate ServerConfigFile (default conf/perchild.conf)
        -k start           : start the server in the background (the default without -D FOREGROUND)
        -k stop            : stop the server (SIGTERM) and wait until it has stopped
        -k restart         : restart: re-read the configuration, end requests at once (SIGHUP)
        -k graceful        : graceful restart: new children first, old ones finish (SIGUSR1)
        -k graceful-stop   : stop after the requests in progress (SIGWINCH)
        -v                 : show version number
        -h                 : list available command line options (this page)
        -X                 : debug mode: one process, every virtual host, no user switch
        -t                 : run syntax check for config files
        -S                 : show the parsed layout: listeners, virtual hosts, users, children
        -L                 : list configuration directives
        status             : show the running server's scoreboard (--json: as JSON)
        dump SLOT          : print the Jetty dump (its lifecycle tree) of that slot's child
      """;

  /** The container's entry point of {@code -X}, in lib/ but not on the launcher's compile path. */
  private static final String SINGLE_PROCESS_MAIN = "org.perchild.container.SingleProcessMain";

  private Perchild() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command line; returns the exit code instead of exiting (for tests). */
  static int run(String[] args, PrintStream out, PrintStream err) {
    CommandLine line;
    try {
      line = CommandLine.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("perchild: " + e.getMessage());
      err.print(USAGE);
      return ExitCodes.CLI_REFUSED;
    }
    return switch (line.action()) {
      case HELP -> {
        out.print(USAGE);
        yield ExitCodes.CLI_OK;
      }
      case VERSION -> {
        out.println("Server version: " + Version.serverVersion());
        out.println("Server built:   Java " + Runtime.version().feature() + " runtime");
        yield ExitCodes.CLI_OK;
      }
      case LIST_DIRECTIVES -> {
        listDirectives(out);
        yield ExitCodes.CLI_OK;
      }
      case CONFIG_TEST -> check(line, out, err, false);
      case DUMP_LAYOUT -> check(line, out, err, true);
      case RUN -> {
        LoadedConfiguration loaded = loadSource(line, err);
        if (loaded == null) {
          yield ExitCodes.CLI_REFUSED;
        }
        if (!line.defined("FOREGROUND")) {
          yield Daemon.start(args, loaded.config(), err);
        }
        yield serve(line, loaded, err);
      }
      case DEBUG_SINGLE_PROCESS -> {
        ServerConfig config = load(line, err);
        if (config == null) {
          yield ExitCodes.CLI_REFUSED;
        }
        yield debug(config, err);
      }
      case SIGNAL -> {
        ServerConfig config = load(line, err);
        if (config == null) {
          yield ExitCodes.CLI_REFUSED;
        }
        yield OperatorCommands.signal(config, line.signal(), err);
      }
      case STATUS -> {
        ServerConfig config = load(line, err);
        if (config == null) {
          yield ExitCodes.CLI_REFUSED;
        }
        yield OperatorCommands.status(config, line.json(), out, err);
      }
      case DUMP -> {
        ServerConfig config = load(line, err);
        if (config == null) {
          yield ExitCodes.CLI_REFUSED;
        }
        yield OperatorCommands.dump(config, line.slot(), out, err);
      }
    };
  }

  /** Runs the process model: the launcher must be root to start children as other users. */
  private static int serve(CommandLine line, LoadedConfiguration config, PrintStream err) {
    int euid = Native.posix().geteuid();
    Account singleUser = null;
    if (euid != 0) {
      if (!line.defined("SINGLE_USER")) {
        err.println(
            "perchild: the launcher runs as uid "
                + euid
                + ", not root: it cannot start children as the configured users and groups."
                + " Start it as root, or add -D SINGLE_USER to run every process as uid "
                + euid
                + " (no isolation between tenants)");
        return ExitCodes.CLI_REFUSED;
      }
      singleUser = currentUser(euid);
      err.println(
          "perchild: WARNING: single-user mode: every process runs as "
              + singleUser.name()
              + " (uid "
              + euid
              + "): tenants are NOT isolated from each other");
    }
    try {
      return new Supervisor(config, singleUser).run();
    } catch (IOException e) {
      err.println("perchild: " + e.getMessage());
      return ExitCodes.CLI_FAILED;
    }
  }

  private static Account currentUser(int uid) {
    int gid = Native.posix().getegid();
    Account known = new SystemAccounts().userById(uid).orElse(null);
    String name = known != null ? known.name() : "#" + uid;
    String home = known != null ? known.home() : "/";
    return new Account(name, uid, gid, home);
  }

  /**
   * Runs {@code -X} in this JVM: {@code SingleProcessMain.run} of the container, found by
   * reflection (the launcher does not compile against the container; lib/ holds both). In this JVM
   * rather than a new one, as httpd's -X is one process: the pid the operator sees is the server's,
   * signals reach Jetty directly, and there is no second JVM to supervise. {@code bin/perchild}
   * gives -X a child's JVM options ({@code PERCHILD_DEBUG_OPTS}) instead of the launcher's.
   */
  private static int debug(ServerConfig config, PrintStream err) {
    String[] argv = {
      "--server-root", config.serverRoot().toString(), "--config", config.configFile().toString()
    };
    try {
      Method run =
          Class.forName(SINGLE_PROCESS_MAIN).getMethod("run", String[].class, PrintStream.class);
      return (Integer) run.invoke(null, argv, err);
    } catch (ReflectiveOperationException | LinkageError e) {
      Throwable cause = e instanceof InvocationTargetException ite ? ite.getCause() : e;
      err.println("perchild: -X failed: " + cause);
      return ExitCodes.CLI_FAILED;
    }
  }

  private static int check(CommandLine line, PrintStream out, PrintStream err, boolean layout) {
    LoadedConfiguration loaded = loadSource(line, err);
    if (loaded == null) {
      return ExitCodes.CLI_REFUSED;
    }
    for (ConfigProblem warning : loaded.accessWarnings()) {
      err.println(warning);
    }
    if (layout) {
      LayoutReport.print(loaded, out);
    }
    out.println("Syntax OK");
    return ExitCodes.CLI_OK;
  }

  /** Loads the configuration; prints warnings, or every error, to {@code err}. */
  static ServerConfig load(CommandLine line, PrintStream err) {
    LoadedConfiguration loaded = loadSource(line, err);
    return loaded == null ? null : loaded.config();
  }

  /** Like {@link #load}, with the files read and their hash. */
  static LoadedConfiguration loadSource(CommandLine line, PrintStream err) {
    Path root = line.serverRoot() != null ? line.serverRoot() : installationDirectory();
    try {
      LoadedConfiguration loaded =
          new ConfigLoader(new SystemAccounts()).loadSource(root, line.configFile());
      for (ConfigProblem warning : loaded.config().warnings()) {
        err.println(warning);
      }
      return loaded;
    } catch (ConfigException e) {
      for (ConfigProblem problem : e.problems()) {
        err.println(problem);
      }
      long errors = e.errors().size();
      err.println(errors + (errors == 1 ? " error" : " errors") + " in the configuration");
      return null;
    }
  }

  private static Path installationDirectory() {
    String home = System.getProperty("perchild.home");
    return Path.of(home != null ? home : ".");
  }

  private static void listDirectives(PrintStream out) {
    for (DirectiveSpec spec : DirectiveTable.all()) {
      out.println(spec.syntax());
      out.println("\t" + spec.help());
      out.println(
          "\tContext: "
              + spec.contextWords()
              + (spec.defaultValue().isEmpty() ? "" : "; default: " + spec.defaultValue()));
    }
  }
}
