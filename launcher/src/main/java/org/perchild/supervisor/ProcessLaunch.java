package org.perchild.supervisor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.perchild.config.ChildGroup;
import org.perchild.config.ServerConfig;
import org.perchild.posix.Account;
import org.perchild.posix.InheritedFd;
import org.perchild.protocol.AcceptorArguments;
import org.perchild.protocol.ChildArguments;
import org.perchild.protocol.ProcessFds;

/**
 * The command line, environment and inherited descriptors of every process the launcher spawns: the
 * acceptor ({@link #acceptor}) and a child ({@link #child}). All argv is built here and only here,
 * in four parts that each have one method: the JVM ({@link #java}: binary, options, flags, class
 * path from {@link ProcessClassPath}), the main class, the arguments every process gets ({@link
 * #common}) and the process's own; then {@link #environment}. {@link AcceptorProcess} and {@link
 * ChildTable} call it and hand the result to the {@link ProcessSpawner}.
 */
final class ProcessLaunch {

  /** The JVM flags of every spawned process, after its own options. */
  static final List<String> JVM_FLAGS =
      List.of(
          "--add-opens",
          "java.base/sun.nio.ch=ALL-UNNAMED",
          "--enable-native-access=ALL-UNNAMED",
          "-Dorg.slf4j.simpleLogger.showDateTime=true",
          "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ");

  static final String ACCEPTOR_MAIN = "org.perchild.acceptor.AcceptorMain";
  static final String CHILD_MAIN = "org.perchild.container.ChildMain";

  /** The acceptor's own JVM options: it holds no application, only buffers and channels. */
  private static final List<String> ACCEPTOR_JVM_OPTIONS = List.of("-Xmx64m", "-XX:+UseSerialGC");

  private ProcessLaunch() {}

  /**
   * The acceptor: standard output and error to the error log, its control channel at {@link
   * ProcessFds#CONTROL}, its configuration at {@link ProcessFds#ACCEPTOR_CONFIG} and the listen
   * sockets from {@link ProcessFds#ACCEPTOR_FIRST_LISTENER} on.
   *
   * @param running the configuration in force
   * @param runAs who it runs as ({@link RunAs#acceptor})
   */
  static SpawnCommand acceptor(
      ServerConfig running,
      RunAs runAs,
      int errorLogFd,
      int controlFd,
      int configFd,
      List<Integer> listenFds) {
    List<InheritedFd> fds = new ArrayList<>(standardFds(errorLogFd));
    fds.add(new InheritedFd(controlFd, ProcessFds.CONTROL));
    fds.add(new InheritedFd(configFd, ProcessFds.ACCEPTOR_CONFIG));
    for (int i = 0; i < listenFds.size(); i++) {
      fds.add(new InheritedFd(listenFds.get(i), ProcessFds.ACCEPTOR_FIRST_LISTENER + i));
    }
    Account user = runAs.user();
    List<String> argv = new ArrayList<>(java(ACCEPTOR_JVM_OPTIONS, ProcessClassPath.acceptor()));
    argv.add(ACCEPTOR_MAIN);
    argv.addAll(
        new AcceptorArguments(
                running.serverRoot(),
                running.configFile(),
                user.name(),
                user.uid(),
                runAs.gid(),
                listenFds.size())
            .toArgv());
    return new SpawnCommand(argv, environment(user), fds);
  }

  /**
   * A child of {@code group}: standard output and error to its error log, its control channel at
   * {@link ProcessFds#CONTROL}, its hand-off channel at {@link ProcessFds#CHILD_HANDOFF} and its
   * part of the configuration at {@link ProcessFds#CHILD_CONFIG}; its JVM options in {@code
   * argFile}.
   *
   * @param running the configuration in force (also while a graceful restart starts the next
   *     generation: the server root and the configuration file do not change)
   * @param runAs who it runs as ({@link RunAs#child})
   * @param singleUser whether every process runs as the launcher's user
   */
  static SpawnCommand child(
      ServerConfig running,
      RunAs runAs,
      boolean singleUser,
      ChildGroup group,
      int slot,
      int generation,
      int logFd,
      int controlFd,
      int handoffFd,
      int configFd,
      Path argFile) {
    List<InheritedFd> fds = new ArrayList<>(standardFds(logFd));
    fds.add(new InheritedFd(controlFd, ProcessFds.CONTROL));
    fds.add(new InheritedFd(handoffFd, ProcessFds.CHILD_HANDOFF));
    fds.add(new InheritedFd(configFd, ProcessFds.CHILD_CONFIG));
    Account user = runAs.user();
    // The group's JVM options are not on the command line, which every user can read: they are
    // in a root-only file that java reads before main (null: the group has none).
    List<String> options = argFile == null ? List.of() : List.of("@" + argFile);
    List<String> argv = new ArrayList<>(java(options, ProcessClassPath.child()));
    argv.add(CHILD_MAIN);
    // In single-user mode the child finds its virtual hosts by the group it serves, not by who it
    // runs as: the serve uid and gid say which (they are written only when they differ).
    argv.addAll(
        new ChildArguments(
                running.serverRoot(),
                running.configFile(),
                slot,
                generation,
                user.name(),
                user.uid(),
                runAs.gid(),
                group.user().uid(),
                group.group().gid())
            .toArgv());
    return new SpawnCommand(argv, environment(user), fds);
  }

  /** Standard output and error of a spawned process: both to {@code logFd}. */
  static List<InheritedFd> standardFds(int logFd) {
    return List.of(new InheritedFd(logFd, 1), new InheritedFd(logFd, 2));
  }

  /**
   * The JVM part of argv: this JVM's {@code java}, the options, {@link #JVM_FLAGS}, the class path.
   */
  static List<String> java(List<String> options, String classPath) {
    List<String> argv = new ArrayList<>();
    argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    argv.addAll(options);
    argv.addAll(JVM_FLAGS);
    argv.add("-cp");
    argv.add(classPath);
    return argv;
  }

  /** A clean environment: nothing of root's leaks into a tenant's process. */
  static List<String> environment(Account user) {
    return List.of(
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "HOME=" + user.home(),
        "USER=" + user.name(),
        "LOGNAME=" + user.name(),
        "LANG=C.UTF-8");
  }
}
