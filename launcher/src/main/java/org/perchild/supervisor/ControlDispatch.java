package org.perchild.supervisor;

import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.perchild.posix.Descriptors;
import org.perchild.posix.PosixException;
import org.perchild.protocol.AcceptorToLauncher;
import org.perchild.protocol.ChildToLauncher;
import org.perchild.protocol.ControlChannel;
import org.perchild.protocol.ControlMessage;
import org.perchild.protocol.LauncherToAcceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launcher's side of the control channels, in one place: one reader thread per channel turns
 * each message into a {@link SupervisorEvent} for the loop ({@link #listen}); the loop hands each
 * one back here ({@link #control}), which acts on the acceptor ({@link AcceptorProcess}) and the
 * children ({@link ChildTable}, {@link Generations}); and every message the launcher sends goes out
 * through {@link #send}, a READY child's hand-off channel to the acceptor through {@link
 * #announce}. A report is keyed by the channel it came on (its slot and pid), never by what it
 * says: docs/ARCHITECTURE.md, invariant 6.
 *
 * <p>Only the supervisor thread calls it, except the reader threads, which only enqueue.
 */
final class ControlDispatch {

  /** The slot of the acceptor's channel. */
  static final int ACCEPTOR = -1;

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  private final Consumer<SupervisorEvent> events;
  private final BooleanSupplier stopping;
  private AcceptorProcess acceptor;
  private ChildTable children;
  private Generations generations;
  private OnDemandGroups onDemand;
  private ChildArgFiles argFiles;
  private final ChildDumps dumps = new ChildDumps();

  /**
   * The dispatch of one supervisor.
   *
   * @param events the loop's queue
   * @param stopping whether the server is stopping: then no child is announced or replaced
   */
  ControlDispatch(Consumer<SupervisorEvent> events, BooleanSupplier stopping) {
    this.events = events;
    this.stopping = stopping;
  }

  /**
   * The processes it acts on. They speak through it as well (they are created with it), so they are
   * given to it once they exist, before any channel is read.
   */
  void attach(
      AcceptorProcess acceptor,
      ChildTable children,
      Generations generations,
      OnDemandGroups onDemand,
      ChildArgFiles argFiles) {
    this.acceptor = acceptor;
    this.children = children;
    this.generations = generations;
    this.onDemand = onDemand;
    this.argFiles = argFiles;
  }

  /** A message that came on the channel of {@code slot}'s process {@code pid}. */
  void control(int slot, int pid, ControlMessage message) {
    if (message instanceof ChildToLauncher.Ready) {
      argFiles.release(pid); // its java read its options long ago
    }
    if (slot == ACCEPTOR) {
      if (message instanceof AcceptorToLauncher.Ready && pid == acceptor.pid()) {
        acceptor.becameReady();
        LOG.info("acceptor ready: pid {}", acceptor.pid());
        for (ChildSlot child : children.current()) {
          announce(child);
        }
      } else if (message instanceof AcceptorToLauncher.Counters counters && pid == acceptor.pid()) {
        acceptor.counters(counters.counters());
      } else if (message instanceof AcceptorToLauncher.Wanted wanted && pid == acceptor.pid()) {
        LOG.debug(
            "acceptor holds {} connections for {}/{}", wanted.held(), wanted.uid(), wanted.gid());
        onDemand.wanted(wanted.uid(), wanted.gid(), wanted.held());
      }
      return;
    }
    if (message instanceof ChildToLauncher.Load load) {
      ChildSlot child = children.slotNumbered(slot);
      // Kept for the slot whose current process sent it; a retiring one's is dropped.
      if (child != null && child.pid == pid) {
        child.load = load.load();
      }
      return;
    }
    if (message instanceof ChildToLauncher.DumpPart part) {
      dumps.part(slot, pid, part);
      return;
    }
    if (message instanceof ChildToLauncher.Hosts part) {
      ChildSlot reporting = children.slotNumbered(slot);
      if (reporting != null && reporting.pid == pid) {
        Map<String, long[]> whole = reporting.hostReports.add(part);
        if (whole != null) {
          reporting.hosts = whole;
        }
      }
      return;
    }
    boolean ready = message instanceof ChildToLauncher.Ready;
    if (ready && priority != null) {
      priority.started(pid);
    }
    ChildSlot child = children.slotNumbered(slot);
    if (child == null) {
      LOG.debug("child {} (pid {}) is no longer current: {}", slot, pid, message.name());
      return;
    }
    if (children.inNextGeneration(child)) {
      if (ready && pid == child.pid) {
        child.ready = true;
        LOG.info("child {} ready: pid {}, gen {}", slot, pid, child.generation);
        generations.childReady();
      }
      return;
    }
    ChildSlot successor = child.successor;
    if (ready && pid == child.pid) {
      child.ready = true;
      LOG.info("child {} ready: pid {}", slot, child.pid);
      onDemand.childReady(child.group);
      announce(child);
    } else if (ready && successor != null && pid == successor.pid) {
      LOG.info("child {} ready: pid {}, replacing retiring pid {}", slot, pid, child.pid);
      children.takeOver(child);
    } else if (message instanceof ChildToLauncher.Retiring
        && pid == child.pid
        && !child.retiring
        && !stopping.getAsBoolean()) {
      child.retiring = true;
      LOG.info(
          "child {} retiring: pid {} has served MaxRequestsPerChild {} connections; starting"
              + " its replacement first",
          slot,
          pid,
          children.config().maxRequestsPerChild());
      children.startSuccessor(child);
    } else {
      LOG.warn("child {} (pid {}) said something unexpected: {}", slot, pid, message.name());
    }
  }

  /** The dumps asked of children and not answered yet. */
  ChildDumps dumps() {
    return dumps;
  }

  /** Gives the acceptor a READY child's hand-off channel, once both are ready. */
  boolean announce(ChildSlot child) {
    if (!acceptor.ready()
        || !child.ready
        || child.announced
        || child.pid == 0
        || stopping.getAsBoolean()) {
      return false;
    }
    LauncherToAcceptor.Child message =
        new LauncherToAcceptor.Child(
            child.slot, child.group.user().uid(), child.group.group().gid(), child.handoffFd);
    if (send(acceptor.control(), message)) {
      child.announced = true;
      // The child's own end, from which the acceptor takes back what a child that dies never took.
      if (child.handoffChildFd >= 0) {
        send(acceptor.control(), new LauncherToAcceptor.Backlog(child.slot, child.handoffChildFd));
      }
    }
    return child.announced;
  }

  /**
   * Sends one message on the loop's thread, which may wait; false (logged by the channel) if there
   * is no channel or it failed.
   */
  static <M extends ControlMessage> boolean send(ControlChannel<?, M> channel, M message) {
    return channel != null && channel.send(message);
  }

  /**
   * Reads {@code channel}, the control channel of {@code slot}'s process {@code pid}, on a thread
   * of its own: every message it decodes becomes a CONTROL event for the loop, and its end a
   * CONTROL_EOF. A message too long or malformed is counted and skipped by the channel, never the
   * end of listening to that process.
   */
  void listen(ControlChannel<? extends ControlMessage, ?> channel, int slot, int pid) {
    channel.startReading(
        "control-" + (slot == ACCEPTOR ? "acceptor" : "child-" + slot),
        true,
        new ControlChannel.Receiver<ControlMessage>() {
          @Override
          public void received(ControlMessage message) {
            events.accept(
                new SupervisorEvent(SupervisorEvent.Kind.CONTROL, slot, pid, "", message, null));
          }

          @Override
          public void ended(String why) {
            events.accept(new SupervisorEvent(SupervisorEvent.Kind.CONTROL_EOF, slot, pid, why));
          }
        });
  }

  /** The process of a channel's slot, for a log line. */
  static String who(int slot) {
    return slot == ACCEPTOR ? "the acceptor" : "child " + slot;
  }

  /** Closes the launcher's copy of {@code fd} (-1: none); a failure is logged. */
  /** Starting children's priority, back to normal at their READY; null: none. */
  private StartPriority priority;

  void readyEnds(StartPriority priority) {
    this.priority = priority;
  }

  static void close(int fd) {
    if (fd >= 0) {
      try {
        Descriptors.close(fd);
      } catch (PosixException e) {
        LOG.warn("{}", e.getMessage());
      }
    }
  }

  /** Closes the launcher's end of a channel (null: none). */
  static void close(ControlChannel<?, ?> channel) {
    if (channel != null) {
      channel.close();
    }
  }
}
