package org.perchild.supervisor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.perchild.posix.Descriptors;
import org.perchild.posix.PosixException;
import org.perchild.posix.ReceivedPacket;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.HostTable;
import org.perchild.protocol.LoadReport;
import org.perchild.protocol.Scoreboard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launcher's side of the control channels, in one place: one reader thread per channel turns
 * each message into a {@link SupervisorEvent} for the loop ({@link #readControl}); the loop hands
 * each one back here ({@link #control}), which acts on the acceptor ({@link AcceptorProcess}) and
 * the children ({@link ChildTable}, {@link Generations}); and every message the launcher sends goes
 * out through {@link #send}, a READY child's hand-off channel to the acceptor through {@link
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
  void attach(AcceptorProcess acceptor, ChildTable children, Generations generations) {
    this.acceptor = acceptor;
    this.children = children;
    this.generations = generations;
  }

  /** A message that came on the channel of {@code slot}'s process {@code pid}. */
  void control(int slot, int pid, String text) {
    String word = text.split(" ")[0];
    if (slot == ACCEPTOR) {
      if (word.equals("READY") && pid == acceptor.pid()) {
        acceptor.becameReady();
        LOG.info("acceptor ready: pid {}", acceptor.pid());
        for (ChildSlot child : children.current()) {
          announce(child);
        }
      } else if (word.equals("COUNTERS") && pid == acceptor.pid()) {
        try {
          acceptor.counters(Scoreboard.Counters.parse(text.split(" "), 1));
        } catch (IllegalArgumentException e) {
          LOG.warn("the acceptor (pid {}) sent a bad COUNTERS: {}: {}", pid, text, e.getMessage());
        }
      } else {
        LOG.warn("the acceptor (pid {}) said something unexpected: {}", pid, text);
      }
      return;
    }
    if (word.equals("LOAD")) {
      load(slot, pid, text);
      return;
    }
    if (word.equals("HOSTS")) {
      ChildSlot reporting = children.slotNumbered(slot);
      if (reporting != null && reporting.pid == pid) {
        try {
          reporting.hosts = HostTable.parse(text);
        } catch (IllegalArgumentException e) {
          LOG.warn("child {} (pid {}) sent a bad HOSTS: {}: {}", slot, pid, text, e.getMessage());
        }
      }
      return;
    }
    ChildSlot child = children.slotNumbered(slot);
    if (child == null) {
      LOG.debug("child {} (pid {}) is no longer current: {}", slot, pid, text);
      return;
    }
    if (children.inNextGeneration(child)) {
      if (word.equals("READY") && pid == child.pid) {
        child.ready = true;
        LOG.info("child {} ready: pid {}, gen {}", slot, pid, child.generation);
        generations.childReady();
      }
      return;
    }
    ChildSlot successor = child.successor;
    if (word.equals("READY") && pid == child.pid) {
      child.ready = true;
      LOG.info("child {} ready: pid {}", slot, child.pid);
      announce(child);
    } else if (word.equals("READY") && successor != null && pid == successor.pid) {
      LOG.info("child {} ready: pid {}, replacing retiring pid {}", slot, pid, child.pid);
      children.takeOver(child);
    } else if (word.equals("RETIRING")
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
      LOG.warn("child {} (pid {}) said something unexpected: {}", slot, pid, text);
    }
  }

  /** A child's LOAD: kept for the slot whose current process sent it; a retiring one's dropped. */
  private void load(int slot, int pid, String text) {
    ChildSlot child = children.slotNumbered(slot);
    if (child == null || child.pid != pid) {
      return;
    }
    try {
      child.load = LoadReport.parse(text.split(" "), 1);
    } catch (IllegalArgumentException e) {
      LOG.warn("child {} (pid {}) sent a bad LOAD: {}: {}", slot, pid, text, e.getMessage());
    }
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
    String message =
        "CHILD " + child.slot + " " + child.group.user().uid() + " " + child.group.group().gid();
    if (send(acceptor.control(), message, child.handoffFd)) {
      child.announced = true;
    }
    return child.announced;
  }

  /**
   * Sends one message, with {@code fd} or -1; false (logged) if there is no channel or it failed.
   */
  boolean send(SeqPacketChannel channel, String text, int fd) {
    if (channel == null) {
      return false;
    }
    try {
      channel.send(text.getBytes(StandardCharsets.UTF_8), fd);
      return true;
    } catch (PosixException e) {
      LOG.warn("could not send '{}': {}", text, e.getMessage());
      return false;
    }
  }

  /**
   * Starts the thread that reads {@code channel}, the control channel of {@code slot}'s process
   * {@code pid}, until its end: every message, and then the end, becomes an event for the loop.
   */
  void readControl(SeqPacketChannel channel, int slot, int pid) {
    Thread reader =
        new Thread(
            () -> {
              try {
                while (true) {
                  ReceivedPacket packet = channel.receive(4096);
                  if (packet.isEndOfStream()) {
                    events.accept(
                        new SupervisorEvent(SupervisorEvent.Kind.CONTROL_EOF, slot, pid, ""));
                    return;
                  }
                  if (packet.hasFd()) {
                    Descriptors.close(packet.fd());
                  }
                  events.accept(
                      new SupervisorEvent(
                          SupervisorEvent.Kind.CONTROL,
                          slot,
                          pid,
                          new String(packet.payload(), StandardCharsets.UTF_8)));
                }
              } catch (IOException e) {
                events.accept(
                    new SupervisorEvent(
                        SupervisorEvent.Kind.CONTROL_EOF, slot, pid, e.getMessage()));
              }
            },
            "control-" + (slot == ACCEPTOR ? "acceptor" : "child-" + slot));
    reader.setDaemon(true);
    reader.start();
  }

  /** The process of a channel's slot, for a log line. */
  static String who(int slot) {
    return slot == ACCEPTOR ? "the acceptor" : "child " + slot;
  }

  /** Closes the launcher's copy of {@code fd} (-1: none); a failure is logged. */
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
  static void close(SeqPacketChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        // already gone
      }
    }
  }
}
