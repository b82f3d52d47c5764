package org.perchild.supervisor;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.perchild.config.ServerConfig;
import org.perchild.posix.ExitStatus;
import org.perchild.posix.PosixException;
import org.perchild.protocol.LauncherToAcceptor;
import org.perchild.protocol.LauncherToChild;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generations of children, httpd's habit: the running one, numbered from 1, and while a
 * graceful restart is under way the next one, its configuration and which running groups it keeps
 * ({@link GroupChanges}: the fingerprints of what the running groups' children started from are
 * kept here). {@link GracefulRestart} plans and starts the next generation here: new children for
 * the changed and new groups only; {@link ControlDispatch} reports each of their READYs, and once
 * all are READY it {@link #switchGeneration() switches} in one go, the kept groups' running
 * children going into the new generation as they are; the {@link Supervisor} reports a new child
 * that exits first, which abandons it. The slots themselves are in the {@link ChildTable}.
 *
 * <pre>
 *   N serves ──begin()──▶ N serves, N+1's new children start ──all READY──▶ N+1 serves: the new
 *                 │                    │                                    children and N's kept
 *                 │                    │                                    ones; N's others retire
 *                 │                    └──one exits first──▶ N serves (the new ones retired)
 *                 └──nothing changed──▶ N+1 serves at once: every child of N, kept
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

  /** Which running groups the next generation keeps, while it starts, else null. */
  private GroupChanges.Plan nextPlan;

  /** What the running groups' children started from, by group: what a restart compares. */
  private Map<GroupChanges.Key, GroupChanges.Fingerprint> running;

  /** The fingerprints of the next generation's configuration, while it starts. */
  private Map<GroupChanges.Key, GroupChanges.Fingerprint> nextPrints;

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
    this.running = GroupChanges.fingerprints(children.config());
  }

  /** The running generation's number. */
  int generation() {
    return generation;
  }

  /** Whether the next restart, or the one under way, cuts the old generation short (HUP). */
  void cutOldGenerationShort(boolean hard) {
    hardRestart = hard;
  }

  /**
   * Which groups of {@code fresh} restart and which keep their children; a restart (HUP) restarts
   * every one.
   */
  GroupChanges.Plan plan(ServerConfig fresh) {
    nextPrints = GroupChanges.fingerprints(fresh);
    return GroupChanges.plan(
        running,
        fresh,
        nextPrints,
        hardRestart ? "a restart (HUP, -k restart) restarts every group" : null);
  }

  /** The generations whose configuration some running process was started with. */
  java.util.Set<Integer> generationsRunning() {
    java.util.Set<Integer> running = new java.util.HashSet<>();
    for (ChildSlot child : children.everyChild()) {
      running.add(child.generation);
    }
    return running;
  }

  /** Whether a graceful restart's generation is starting. */
  boolean restartUnderWay() {
    return !children.nextGeneration().isEmpty();
  }

  /**
   * Makes {@code fresh} the configuration of the next generation, which keeps the running children
   * of {@code plan}'s kept groups, and returns its first slot: slots are never reused while a
   * process of the old generation may still hold one.
   */
  int beginNextGeneration(ServerConfig fresh, GroupChanges.Plan plan) {
    nextPlan = plan;
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
   * the new children, then loses the replaced ones, in this order, so that every moment has a child
   * for every group; the replaced children finish what they have and exit. The children of a kept
   * group are in the new generation as they were: not told of again (the acceptor routes to them by
   * their uid and gid under the new configuration), not GONE, not retired.
   */
  void switchGeneration() {
    List<ChildSlot> next = List.copyOf(children.nextGeneration());
    generation = next.isEmpty() ? generation + 1 : next.get(0).generation;
    List<ChildSlot> old = children.promoteNextGeneration(nextConfig, generation, nextPlan::keptAs);
    running = nextPrints;
    nextConfig = null;
    nextPlan = null;
    nextPrints = null;
    reloadAcceptor(children.config());
    for (ChildSlot child : children.current()) {
      // A kept child the acceptor already has is not told of again (announce skips it).
      dispatch.announce(child);
      if (!next.contains(child)) {
        // Kept: the acceptor routes to it as before; it learns the other tenants' new hosts.
        reroute(child, child);
        reroute(child, child.successor);
      }
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
        "generation {} serves: {} children, {} of them kept; the old generation {}",
        generation,
        children.current().size(),
        children.current().size() - next.size(),
        hardRestart ? "is stopped at once" : "finishes its requests");
  }

  /** A child of the new generation failed before READY: the old generation keeps serving. */
  void abandonGeneration() {
    children.abandonNextGeneration();
    nextConfig = null;
    nextPlan = null;
    nextPrints = null;
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

  /**
   * ROUTES to {@code process} (a kept slot's current process or its successor), with the new
   * generation's view for the slot's group: its own hosts are the same, the other tenants' may not
   * be, and it must answer 421 where the acceptor now routes elsewhere.
   */
  private void reroute(ChildSlot slot, ChildSlot process) {
    if (process == null || process.control == null) {
      return;
    }
    int fd;
    try {
      fd = ConfigurationHandover.childFile(children.config(), slot.group);
    } catch (PosixException e) {
      LOG.error("child {} keeps routing by the old configuration: {}", slot.slot, e.getMessage());
      return;
    }
    ControlDispatch.send(process.control, new LauncherToChild.Routes(fd));
    ControlDispatch.close(fd);
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
