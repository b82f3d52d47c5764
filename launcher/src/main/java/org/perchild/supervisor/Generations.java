package org.perchild.supervisor;

import java.io.IOException;
import java.util.List;
import org.perchild.config.ServerConfig;
import org.perchild.posix.ExitStatus;
import org.perchild.posix.PosixException;
import org.perchild.protocol.LauncherToAcceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generations of children, httpd's habit: the running one, numbered from 1, and while a
 * graceful restart is under way the next one and its configuration. {@link GracefulRestart} starts
 * the next generation here; {@link ControlDispatch} reports each of its READYs, and once all of it
 * is READY it {@link #switchGeneration() switches} in one go; the {@link Supervisor} reports a
 * child of it that exits first, which abandons it. The slots themselves are in the {@link
 * ChildTable}.
 *
 * <pre>
 *   N serves ──begin()──▶ N serves, N+1 starts ──every child of N+1 READY──▶ N+1 serves, N retired
 *                                   └──a child of N+1 exits first──▶ N serves (N+1 retired)
 * </pre>
 */
final class Generations {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  private final ChildTable children;
  private final ControlDispatch dispatch;
  private final AcceptorProcess acceptor;
  private final ProcessSpawner spawner;

  private int generation = 1;

  /** The configuration of the next generation while it starts, else null. */
  private ServerConfig nextConfig;

  /** Whether the graceful restart under way is a restart (HUP): the old generation is cut short. */
  private boolean hardRestart;

  Generations(
      ChildTable children,
      ControlDispatch dispatch,
      AcceptorProcess acceptor,
      ProcessSpawner spawner) {
    this.children = children;
    this.dispatch = dispatch;
    this.acceptor = acceptor;
    this.spawner = spawner;
  }

  /** The running generation's number. */
  int generation() {
    return generation;
  }

  /** Whether the next restart, or the one under way, cuts the old generation short (HUP). */
  void cutOldGenerationShort(boolean hard) {
    hardRestart = hard;
  }

  /** Whether a graceful restart's generation is starting. */
  boolean restartUnderWay() {
    return !children.nextGeneration().isEmpty();
  }

  /**
   * Makes {@code fresh} the configuration of the next generation and returns its first slot: slots
   * are never reused while a process of the old generation may still hold one.
   */
  int beginNextGeneration(ServerConfig fresh) {
    nextConfig = fresh;
    return children.highestSlot() + 1;
  }

  /** Adds a child of the next generation and starts it. */
  void startInNextGeneration(ChildSlot child) throws IOException {
    children.startInNextGeneration(child, nextConfig);
  }

  /** A child of the next generation said READY: the switch comes once all of them have. */
  void childReady() {
    if (children.nextGeneration().stream().allMatch(c -> c.ready)) {
      switchGeneration();
    }
  }

  /**
   * Every child of the new generation is READY: the acceptor reads the configuration again and gets
   * the new children, then loses the old ones, in this order, so that every moment has a child for
   * every group; the old generation finishes what it has and exits.
   */
  void switchGeneration() {
    List<ChildSlot> next = children.nextGeneration();
    generation = next.isEmpty() ? generation + 1 : next.get(0).generation;
    List<ChildSlot> old = children.promoteNextGeneration(nextConfig, generation);
    nextConfig = null;
    reloadAcceptor(children.config());
    for (ChildSlot child : children.current()) {
      dispatch.announce(child);
    }
    for (ChildSlot child : old) {
      if (child.announced) {
        ControlDispatch.send(acceptor.control(), new LauncherToAcceptor.Gone(child.slot));
      }
      children.retire(child);
      if (child.successor != null) {
        children.retire(child.successor);
      }
      if (hardRestart) {
        // A restart does not wait for the old generation's requests.
        spawner.signalIfRunning(child.pid, 9);
        if (child.successor != null) {
          spawner.signalIfRunning(child.successor.pid, 9);
        }
      }
    }
    LOG.info(
        "generation {} serves: {} children; the old generation {}",
        generation,
        children.current().size(),
        hardRestart ? "is stopped at once" : "finishes its requests");
  }

  /** A child of the new generation failed before READY: the old generation keeps serving. */
  void abandonGeneration() {
    children.abandonNextGeneration();
    nextConfig = null;
  }

  /**
   * Whether {@code status} was the exit of a child of the next generation, before it was READY; if
   * so, that generation is abandoned and the running one keeps serving.
   */
  boolean nextGenerationExited(ExitStatus status) {
    for (ChildSlot child : children.nextGeneration()) {
      if (child.pid == status.pid()) {
        child.pid = 0;
        ControlDispatch.close(child.control);
        LOG.error(
            "graceful restart abandoned: child {} of generation {} exited before it was ready: {};"
                + " the running generation keeps serving",
            child.slot,
            child.generation,
            status);
        abandonGeneration();
        return true;
      }
    }
    return false;
  }

  /** RELOAD to the acceptor, with the new configuration in a memory file of its own. */
  private void reloadAcceptor(ServerConfig config) {
    if (acceptor.control() == null) {
      return; // the acceptor that starts next gets the new one at its spawn
    }
    int fd;
    try {
      fd = ConfigurationHandover.acceptorFile(config);
    } catch (PosixException e) {
      LOG.error("the acceptor keeps routing by the old configuration: {}", e.getMessage());
      return;
    }
    ControlDispatch.send(acceptor.control(), new LauncherToAcceptor.Reload(fd));
    ControlDispatch.close(fd);
  }
}
