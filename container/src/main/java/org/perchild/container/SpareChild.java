package org.perchild.container;

import java.io.IOException;
import java.util.Optional;
import org.perchild.environment.ServletEnvironments;
import org.perchild.posix.Descriptors;
import org.perchild.posix.Environ;
import org.perchild.posix.PrivilegeDrop;
import org.perchild.posix.PrivilegeDropException;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.ChildArguments;
import org.perchild.protocol.ProcessFds;
import org.perchild.protocol.SpareAssignment;

/**
 * A spare child ({@code ChildMain --spare}, {@code ChildSpares}): a child's JVM that the launcher
 * started ahead, before it knows for which tenant. While it waits it is still root, as every child
 * is until its privilege drop, and runs only this: it binds the C library and loads the classes a
 * child's start needs — the container's and Jetty's, never a web application's — and then blocks on
 * its control channel. The launcher's {@link SpareAssignment} makes it a tenant's child: its
 * descriptors go to the numbers a spawned child has them at, the tenant's variables into the
 * environment, and {@link ChildMain} goes on with the arguments it carries exactly as a spawned
 * child's, privilege drop first.
 */
final class SpareChild {

  /**
   * Classes whose loading and static initialisation a child's start waits for: the server and its
   * parts, the servlet environments' discovery, the configuration's decoding. Loading them is all
   * that happens to them here: none is started.
   */
  private static final String[] PRELOADED = {
    "org.perchild.protocol.ConfigCodec",
    "org.perchild.protocol.ControlChannel",
    "org.perchild.protocol.LauncherToChild",
    "org.perchild.protocol.ChildToLauncher",
    "org.perchild.container.ChildServer",
    "org.perchild.container.ChildProcess",
    "org.perchild.container.HandoffReceiver",
    "org.perchild.container.deploy.AppBaseDeployer",
    "org.perchild.container.sessions.SessionFileStoreFactory",
    "org.perchild.environment.ServletEnvironments",
    "org.eclipse.jetty.server.Server",
    "org.eclipse.jetty.server.HttpConnectionFactory",
    "org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory",
    "org.eclipse.jetty.server.handler.ContextHandlerCollection",
    "org.eclipse.jetty.util.thread.QueuedThreadPool",
  };

  private SpareChild() {}

  /**
   * Prepares, then waits for the assignment and puts it in place.
   *
   * @return the child's arguments, or empty when the channel ended first (the spare is not wanted:
   *     exit 0)
   * @throws IOException if the assignment was malformed or its descriptors cannot be placed; the
   *     process must exit then
   */
  static Optional<ChildArguments> await() throws IOException, PrivilegeDropException {
    PrivilegeDrop.prepare();
    preload();
    // What preparing left on the heap is garbage: the child starts with a heap as small as -Xms.
    System.gc();
    SeqPacketChannel control = new SeqPacketChannel(ProcessFds.CONTROL);
    SpareAssignment.sayWaiting(control);
    Optional<SpareAssignment> assignment = SpareAssignment.receive(control);
    if (assignment.isEmpty()) {
      return Optional.empty();
    }
    SpareAssignment a = assignment.get();
    // The placeholders at the hand-off and configuration numbers (the control channel's copies)
    // are closed by dup2 as the child's own descriptors take their place.
    Descriptors.copyTo(a.logFd(), 1);
    Descriptors.moveTo(a.logFd(), 2);
    Descriptors.moveTo(a.handoffFd(), ProcessFds.CHILD_HANDOFF);
    Descriptors.moveTo(a.configFd(), ProcessFds.CHILD_CONFIG);
    for (String variable : a.environment()) {
      int eq = variable.indexOf('=');
      Environ.set(variable.substring(0, eq), variable.substring(eq + 1));
    }
    return Optional.of(a.arguments());
  }

  private static void preload() {
    try {
      // ee10, the environment of every jakarta WAR: its loader, its classes, its annotation scan.
      ServletEnvironments.installed().get("ee10").prepare();
    } catch (RuntimeException | LinkageError e) {
      // Only speed is lost: a deploy loads it as it would have.
    }
    ClassLoader loader = SpareChild.class.getClassLoader();
    for (String name : PRELOADED) {
      try {
        Class.forName(name, true, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        // Only speed is lost: the child's start loads it again, and says what is wrong.
      }
    }
  }
}
