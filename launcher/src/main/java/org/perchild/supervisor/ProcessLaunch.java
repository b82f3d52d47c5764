package org.perchild.supervisor;

import java.nio.file.Path;
import java.util.List;
import org.perchild.config.ChildGroup;
import org.perchild.config.ServerConfig;
import org.perchild.posix.Account;
import org.perchild.protocol.AcceptorArguments;
import org.perchild.protocol.ChildArguments;
import org.perchild.protocol.ProcessCommand;
import org.perchild.protocol.ProcessFds;

/**
 * What the launcher decides about each process it spawns, the acceptor ({@link #acceptor}) and a
 * child ({@link #child}): its class path ({@link ProcessClassPath}), its JVM options (the
 * acceptor's fixed ones, a child's argument file), whom it runs as ({@link RunAs}) and its clean
 * environment. The command itself is put together by {@link ProcessCommand}, which the tests that
 * start a real acceptor or child use too. {@link AcceptorProcess} and {@link ChildTable} call it
 * and hand the result to the {@link ProcessSpawner}.
 */
final class ProcessLaunch {

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
  static ProcessCommand acceptor(
      ServerConfig running,
      RunAs runAs,
      int errorLogFd,
      int controlFd,
      int configFd,
      List<Integer> listenFds) {
    Account user = runAs.user();
    return ProcessCommand.acceptor(
        ProcessCommand.Jvm.current(ACCEPTOR_JVM_OPTIONS, ProcessClassPath.acceptor()),
        new AcceptorArguments(
            running.serverRoot(),
            running.configFile(),
            user.name(),
            user.uid(),
            runAs.gid(),
            listenFds.size()),
        environment(user),
        new ProcessCommand.AcceptorFds(errorLogFd, controlFd, configFd, listenFds));
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
  static ProcessCommand child(
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
    Account user = runAs.user();
    // The group's JVM options are not on the command line, which every user can read: they are
    // in a root-only file that java reads before main (null: the group has none).
    List<String> options = argFile == null ? List.of() : List.of("@" + argFile);
    // In single-user mode the child finds its virtual hosts by the group it serves, not by who it
    // runs as: the serve uid and gid say which (they are written only when they differ).
    return ProcessCommand.child(
        ProcessCommand.Jvm.current(options, ProcessClassPath.child()),
        childArguments(running, runAs, group, slot, generation),
        environment(user),
        new ProcessCommand.ChildFds(logFd, controlFd, handoffFd, configFd));
  }

  /** A child's arguments: a spawned child's command line, and a spare's assignment. */
  static ChildArguments childArguments(
      ServerConfig running, RunAs runAs, ChildGroup group, int slot, int generation) {
    Account user = runAs.user();
    return new ChildArguments(
        running.serverRoot(),
        running.configFile(),
        slot,
        generation,
        user.name(),
        user.uid(),
        runAs.gid(),
        group.user().uid(),
        group.group().gid());
  }

  /** A clean environment: nothing of root's leaks into a tenant's process. */
  static List<String> environment(Account user) {
    return ProcessCommand.environment(user.name(), user.home());
  }
}
