package org.perchild.protocol;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.perchild.posix.InheritedFd;
import org.perchild.posix.PosixException;
import org.perchild.posix.PosixSpawn;

/**
 * One spawned process as a whole: its argv, its environment and the descriptors it inherits, each
 * at its {@link ProcessFds} number. {@link #acceptor} and {@link #child} are the only places that
 * put a process's command line together; the launcher's {@code ProcessLaunch} calls them with what
 * it chose (class path, argument file, whom the process runs as), and the tests that start a real
 * acceptor or child call them too, so a test spawns exactly what the launcher spawns.
 *
 * <p>argv is, in this order: the {@code java} binary, the process's own JVM options, {@link
 * #JVM_FLAGS}, {@code -cp} and the class path, the main class, and the argument record's {@code
 * toArgv()}.
 *
 * @param argv the argument vector, {@code argv[0]} (the {@code java} binary) included
 * @param environment the whole environment, {@code NAME=value} entries
 * @param fds the descriptors the process gets, each at its number of {@link ProcessFds}
 */
public record ProcessCommand(List<String> argv, List<String> environment, List<InheritedFd> fds) {

  /** The JVM flags of every spawned process, after its own options. */
  public static final List<String> JVM_FLAGS =
      List.of(
          "--add-opens",
          "java.base/sun.nio.ch=ALL-UNNAMED",
          "--enable-native-access=ALL-UNNAMED",
          "-Dorg.slf4j.simpleLogger.showDateTime=true",
          "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ");

  /** The acceptor's main class (named, not referenced: protocol does not depend on acceptor). */
  public static final String ACCEPTOR_MAIN = "org.perchild.acceptor.AcceptorMain";

  /** A child's main class. */
  public static final String CHILD_MAIN = "org.perchild.container.ChildMain";

  /** The only argument of a spare child ({@link #spare}): it learns the rest later. */
  public static final String SPARE_ARGUMENT = "--spare";

  /** A class archive's training run's main class (container: protocol does not depend on it). */
  public static final String TRAINING_MAIN = "org.perchild.container.ClassArchiveTraining";

  /** Copies the lists; argv needs at least {@code argv[0]}. */
  public ProcessCommand {
    argv = List.copyOf(argv);
    environment = List.copyOf(environment);
    fds = List.copyOf(fds);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("argv needs at least argv[0]");
    }
  }

  /**
   * The JVM a process runs in.
   *
   * @param binary the {@code java} to execute, {@code argv[0]}
   * @param options the process's own JVM options, before {@link #JVM_FLAGS}
   * @param classPath the {@code -cp} value
   */
  public record Jvm(String binary, List<String> options, String classPath) {

    /** Copies the options. */
    public Jvm {
      options = List.copyOf(options);
    }

    /** This JVM's own {@code java} binary, with {@code options} and {@code classPath}. */
    public static Jvm current(List<String> options, String classPath) {
      return new Jvm(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), options, classPath);
    }
  }

  /**
   * The acceptor's descriptors, as open in the spawning process.
   *
   * @param log its standard output and error
   * @param control its end of the control channel, at {@link ProcessFds#CONTROL}
   * @param config its configuration, at {@link ProcessFds#ACCEPTOR_CONFIG}
   * @param listeners the listen sockets, from {@link ProcessFds#ACCEPTOR_FIRST_LISTENER} on
   */
  public record AcceptorFds(int log, int control, int config, List<Integer> listeners) {

    /** Copies the listeners. */
    public AcceptorFds {
      listeners = List.copyOf(listeners);
    }
  }

  /**
   * A child's descriptors, as open in the spawning process.
   *
   * @param log its standard output and error
   * @param control its end of the control channel, at {@link ProcessFds#CONTROL}
   * @param handoff its end of the hand-off channel, at {@link ProcessFds#CHILD_HANDOFF}
   * @param config its part of the configuration, at {@link ProcessFds#CHILD_CONFIG}
   */
  public record ChildFds(int log, int control, int handoff, int config) {}

  /**
   * The acceptor: standard output and error to {@code fds.log()}, then its control channel, its
   * configuration and the listen sockets at their {@link ProcessFds} numbers.
   */
  public static ProcessCommand acceptor(
      Jvm jvm, AcceptorArguments arguments, List<String> environment, AcceptorFds fds) {
    if (arguments.listeners() != fds.listeners().size()) {
      // The acceptor adopts exactly as many sockets as argv says: a mismatch is a socket lost.
      throw new IllegalArgumentException(
          "--listeners "
              + arguments.listeners()
              + " but "
              + fds.listeners().size()
              + " listen sockets");
    }
    List<InheritedFd> inherited = new ArrayList<>(standardFds(fds.log()));
    inherited.add(new InheritedFd(fds.control(), ProcessFds.CONTROL));
    inherited.add(new InheritedFd(fds.config(), ProcessFds.ACCEPTOR_CONFIG));
    for (int i = 0; i < fds.listeners().size(); i++) {
      inherited.add(
          new InheritedFd(fds.listeners().get(i), ProcessFds.ACCEPTOR_FIRST_LISTENER + i));
    }
    List<String> argv = java(jvm);
    argv.add(ACCEPTOR_MAIN);
    argv.addAll(arguments.toArgv());
    return new ProcessCommand(argv, environment, inherited);
  }

  /**
   * A child: standard output and error to {@code fds.log()}, then its control channel, its hand-off
   * channel and its part of the configuration at their {@link ProcessFds} numbers.
   */
  public static ProcessCommand child(
      Jvm jvm, ChildArguments arguments, List<String> environment, ChildFds fds) {
    List<InheritedFd> inherited = new ArrayList<>(standardFds(fds.log()));
    inherited.add(new InheritedFd(fds.control(), ProcessFds.CONTROL));
    inherited.add(new InheritedFd(fds.handoff(), ProcessFds.CHILD_HANDOFF));
    inherited.add(new InheritedFd(fds.config(), ProcessFds.CHILD_CONFIG));
    List<String> argv = java(jvm);
    argv.add(CHILD_MAIN);
    argv.addAll(arguments.toArgv());
    return new ProcessCommand(argv, environment, inherited);
  }

  /**
   * A spare child ({@link SpareAssignment}): a child's JVM with {@link #SPARE_ARGUMENT} instead of
   * a child's arguments, standard output and error to {@code logFd} (the server's error log until
   * it is told its own), its control channel at {@link ProcessFds#CONTROL} and that same channel
   * again at {@link ProcessFds#CHILD_HANDOFF} and {@link ProcessFds#CHILD_CONFIG}: the numbers stay
   * taken, so that the JVM opens none of its own files there, until the assignment puts the child's
   * descriptors in their place.
   */
  public static ProcessCommand spare(Jvm jvm, List<String> environment, int logFd, int controlFd) {
    List<InheritedFd> inherited = new ArrayList<>(standardFds(logFd));
    inherited.add(new InheritedFd(controlFd, ProcessFds.CONTROL));
    inherited.add(new InheritedFd(controlFd, ProcessFds.CHILD_HANDOFF));
    inherited.add(new InheritedFd(controlFd, ProcessFds.CHILD_CONFIG));
    List<String> argv = java(jvm);
    argv.add(CHILD_MAIN);
    argv.add(SPARE_ARGUMENT);
    return new ProcessCommand(argv, environment, inherited);
  }

  /**
   * The environment of a spare child: {@link #environment} without the variables that name a user
   * ({@code HOME}, {@code USER}, {@code LOGNAME}), which its assignment sets.
   */
  public static List<String> spareEnvironment() {
    return List.of(
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "LANG=C.UTF-8",
        // glibc's malloc gives each thread that allocates an arena of its own, up to 8 per CPU,
        // each holding freed memory back: a JVM's native memory (its compilers, zip inflaters,
        // NIO) in two arenas is several MiB smaller per process.
        "MALLOC_ARENA_MAX=2");
  }

  /**
   * A class archive's training run: standard output and error to {@code logFd}, no other
   * descriptor. Its JVM options name the archive it writes at exit.
   */
  public static ProcessCommand training(
      Jvm jvm, TrainingArguments arguments, List<String> environment, int logFd) {
    List<String> argv = java(jvm);
    argv.add(TRAINING_MAIN);
    argv.addAll(arguments.toArgv());
    return new ProcessCommand(argv, environment, standardFds(logFd));
  }

  /**
   * A clean environment for a process that runs as {@code user} with home {@code home}: nothing of
   * the spawner's (root's) environment leaks into a tenant's process.
   */
  public static List<String> environment(String user, String home) {
    List<String> environment = new ArrayList<>(spareEnvironment());
    environment.addAll(1, List.of("HOME=" + home, "USER=" + user, "LOGNAME=" + user));
    return List.copyOf(environment);
  }

  /** The program to run: {@code argv[0]}. */
  public String program() {
    return argv.get(0);
  }

  /** Starts it ({@link PosixSpawn}) and returns its pid. */
  public int spawn() throws PosixException {
    return PosixSpawn.spawn(program(), argv, environment, fds);
  }

  /** Standard output and error of a spawned process: both to {@code logFd}. */
  private static List<InheritedFd> standardFds(int logFd) {
    return List.of(new InheritedFd(logFd, 1), new InheritedFd(logFd, 2));
  }

  /** The JVM part of argv: the binary, the options, {@link #JVM_FLAGS}, the class path. */
  private static List<String> java(Jvm jvm) {
    List<String> argv = new ArrayList<>();
    argv.add(jvm.binary());
    argv.addAll(jvm.options());
    argv.addAll(JVM_FLAGS);
    argv.add("-cp");
    argv.add(jvm.classPath());
    return argv;
  }
}
