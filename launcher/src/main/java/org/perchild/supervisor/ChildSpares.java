package org.perchild.supervisor;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.perchild.config.ServerConfig;
import org.perchild.posix.ChannelPair;
import org.perchild.posix.ExitStatus;
import org.perchild.posix.PosixException;
import org.perchild.posix.SeqPacketChannel;
import org.perchild.protocol.ProcessCommand;
import org.perchild.protocol.SpareAssignment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ChildSpares}: JVMs started ahead of need with no tenant, so that a group's next child — a
 * cold tenant's first, a crashed child's replacement, a graceful restart's — skips the JVM's start,
 * the C library's binding and the container's class loading. A spare is a child's JVM with {@code
 * --spare} ({@link ProcessCommand#spare}): root until its assignment, as every child is until its
 * privilege drop, and running nothing but the container's own code; it has only its control
 * channel. {@link ChildTable} takes one for a child whose JVM options are the spare's (the server's
 * {@code ChildJavaOptions} and its class archive) and sends it the child's arguments and
 * descriptors ({@link SpareAssignment}); from then on it is that child, with the spare's pid.
 *
 * <pre>
 *   turn: fewer than ChildSpares ──spawn──▶ waiting ──take──▶ a child (ChildTable)
 *                                             │ options no longer the server's, a restart, stop
 *                                             └──▶ channel closed ──▶ exits 0 (reaped quietly)
 *           exit while waiting ──▶ next spawn after a backoff (1 s, doubled up to 5 min)
 * </pre>
 *
 * <p>Spares are not children: {@code ServerLimit} does not count them. Used by the {@link
 * Supervisor} on its thread only.
 */
final class ChildSpares {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  private static final Duration LAST_BACKOFF = Duration.ofMinutes(5);

  /** A spare waiting for its assignment. */
  static final class Spare {
    private final int pid;
    private final int controlFd;
    private final List<String> options;
    private final SeqPacketChannel channel;

    /** It said SPARE-READY: prepared, blocked on its channel. */
    private boolean ready;

    /**
     * @param pid its process
     * @param controlFd the launcher's end of its control channel
     * @param options every JVM option it started with ({@link ChildArgFiles#optionsOf})
     */
    Spare(int pid, int controlFd, List<String> options) {
      this.pid = pid;
      this.controlFd = controlFd;
      this.options = List.copyOf(options);
      this.channel = new SeqPacketChannel(controlFd);
    }

    int pid() {
      return pid;
    }

    int controlFd() {
      return controlFd;
    }

    List<String> options() {
      return options;
    }

    boolean ready() {
      return ready;
    }
  }

  private final ProcessSpawner spawner;
  private final ChildArgFiles argFiles;
  private final int logFd;
  private final LongSupplier nanoTime;
  private final List<Spare> waiting = new ArrayList<>();

  /** Spares told to go (their channel closed): their exits are expected. */
  private final Set<Integer> leaving = new HashSet<>();

  private int failures;
  private long nextStartAt;
  private boolean closed;

  ChildSpares(ProcessSpawner spawner, ChildArgFiles argFiles, int logFd, LongSupplier nanoTime) {
    this.spawner = spawner;
    this.argFiles = argFiles;
    this.logFd = logFd;
    this.nanoTime = nanoTime;
    this.nextStartAt = nanoTime.getAsLong();
  }

  /**
   * Retires the spares that no longer have the options a child of the server's own would start with
   * (a class archive installed, a restart's new {@code ChildJavaOptions}), and starts one when
   * fewer than {@code ChildSpares} wait, no backoff is running and no child is starting ({@code
   * childrenStarting}): a spare's own start would take the CPU that a starting child waits for, the
   * very wait it is there to shorten.
   */
  void turn(ServerConfig config, boolean childrenStarting) {
    long now = nanoTime.getAsLong();
    boolean startDue =
        waiting.size() < config.childSpares() && now - nextStartAt >= 0 && !childrenStarting;
    if (closed || (waiting.isEmpty() && !startDue)) {
      return;
    }
    List<String> options = argFiles.optionsOf(config.defaultGroup().javaOptions());
    for (Iterator<Spare> it = waiting.iterator(); it.hasNext(); ) {
      Spare spare = it.next();
      if (!spare.options().equals(options)) {
        it.remove();
        dismiss(spare, "its JVM options are no longer the server's");
        continue;
      }
      try {
        if (!spare.ready && SpareAssignment.waitingSaid(spare.channel)) {
          spare.ready = true;
          LOG.debug("spare child pid {} waits", spare.pid);
        }
      } catch (IOException e) {
        // It has gone or is broken: its exit is reaped as a spare's that was told to go, and the
        // next waits as after any spare that died waiting.
        it.remove();
        dismiss(spare, e.getMessage());
        failures++;
        nextStartAt = nanoTime.getAsLong() + backoff(failures).toNanos();
      }
    }
    if (waiting.size() < config.childSpares() && now - nextStartAt >= 0 && !childrenStarting) {
      start(options);
    }
  }

  /**
   * A waiting spare started with exactly {@code options}, now the caller's: it must be sent its
   * {@link SpareAssignment} on {@link Spare#controlFd()}, which the caller owns from now on.
   */
  Optional<Spare> take(List<String> options) {
    // A ready one first; one still starting has done part of a spawn's work all the same.
    Optional<Spare> spare =
        waiting.stream()
            .filter(s -> s.options.equals(options))
            .min(java.util.Comparator.comparing(s -> !s.ready));
    spare.ifPresent(waiting::remove);
    return spare;
  }

  /**
   * Sends {@code assignment} to {@code spare}, taken with {@link #take}.
   *
   * @return whether it was sent; if not (the spare had exited), the caller {@link #abandon}s it and
   *     spawns the child instead
   */
  boolean assign(Spare spare, SpareAssignment assignment) {
    try {
      assignment.send(spare.channel);
      failures = 0;
      return true;
    } catch (PosixException e) {
      LOG.warn("spare child pid {} cannot be assigned: {}", spare.pid(), e.getMessage());
      return false;
    }
  }

  /** A spare taken with {@link #take} that did not become a child: it goes. */
  void abandon(Spare spare) {
    dismiss(spare, "its assignment failed");
  }

  /** Whether {@code status} is a spare's, one that waited or was told to go; acts on it. */
  boolean exited(ExitStatus status) {
    if (leaving.remove(status.pid())) {
      return true;
    }
    for (Iterator<Spare> it = waiting.iterator(); it.hasNext(); ) {
      Spare spare = it.next();
      if (spare.pid() == status.pid()) {
        it.remove();
        ControlDispatch.close(spare.controlFd());
        failures++;
        Duration delay = backoff(failures);
        nextStartAt = nanoTime.getAsLong() + delay.toNanos();
        LOG.warn(
            "spare child pid {} {} while it waited; the next spare starts in {} s",
            spare.pid(),
            status,
            delay.toSeconds());
        return true;
      }
    }
    return false;
  }

  /** Every waiting spare goes (a restart: the next ones start with its jars and options). */
  void dismissAll(String why) {
    for (Spare spare : waiting) {
      dismiss(spare, why);
    }
    waiting.clear();
  }

  /** At stop: every spare goes, and none starts again. */
  void close() {
    closed = true;
    dismissAll("the server stops");
  }

  /** The spares, ready ones first, for {@code perchild status}. */
  List<Spare> waiting() {
    return waiting.stream().sorted(java.util.Comparator.comparing(s -> !s.ready)).toList();
  }

  private void dismiss(Spare spare, String why) {
    LOG.info("spare child pid {} dismissed: {}", spare.pid(), why);
    leaving.add(spare.pid());
    // Its end of the channel ends: it exits 0 as soon as it reads that.
    ControlDispatch.close(spare.controlFd());
  }

  private void start(List<String> options) {
    Path argFile = null;
    ChannelPair control = null;
    try {
      argFile = argFiles.writeSpare(options);
      control = ChannelPair.open();
      ProcessCommand command =
          ProcessCommand.spare(
              ProcessCommand.Jvm.current(
                  argFile == null ? List.of() : List.of("@" + argFile), ProcessClassPath.child()),
              ProcessCommand.spareEnvironment(),
              logFd,
              control.childFd());
      int pid = spawner.spawn(command);
      argFiles.spawned(pid, argFile);
      waiting.add(new Spare(pid, control.parentFd(), options));
      ControlDispatch.close(control.childFd());
      // One at a time: the next waits a second, so that spares never crowd out children.
      nextStartAt = nanoTime.getAsLong() + FIRST_BACKOFF.toNanos();
      LOG.info("spare child started: pid {}", pid);
    } catch (IOException | RuntimeException e) {
      argFiles.delete(argFile);
      if (control != null) {
        ControlDispatch.close(control.childFd());
        ControlDispatch.close(control.parentFd());
      }
      failures++;
      Duration delay = backoff(failures);
      nextStartAt = nanoTime.getAsLong() + delay.toNanos();
      LOG.warn("cannot start a spare child: {}; trying again in {} s", e, delay.toSeconds());
    }
  }

  private static Duration backoff(int failures) {
    Duration delay = FIRST_BACKOFF.multipliedBy(1L << Math.min(failures - 1, 20));
    return delay.compareTo(LAST_BACKOFF) > 0 ? LAST_BACKOFF : delay;
  }
}
