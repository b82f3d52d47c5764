package org.perchild.supervisor;

import org.perchild.config.ChildGroup;
import org.perchild.protocol.ChildToLauncher;
import org.perchild.protocol.ControlChannel;
import org.perchild.protocol.HostReports;
import org.perchild.protocol.LauncherToChild;

/**
 * One child process as the launcher tracks it: its slot (its number for the server's life), its
 * group, its pid, the launcher's ends of its control and hand-off channels, and whether it has said
 * READY. {@link ChildTable} holds them and only the supervisor thread touches them.
 */
final class ChildSlot {

  final int slot;

  /**
   * Its group's record in the configuration in force: a graceful restart that keeps the group's
   * children gives them the new generation's (equal but for where it is written).
   */
  ChildGroup group;

  /**
   * The generation whose configuration its process was started with: a kept child's stays its own
   * until its process is started again, then it is the running one's.
   */
  int generation;

  int pid;
  ControlChannel<ChildToLauncher, LauncherToChild> control;
  int handoffFd = -1;

  /**
   * The launcher's copy of the child's own end of its hand-off channel, for the child's life: every
   * acceptor that is told of the child ({@code CHILD}) gets a copy right after ({@code BACKLOG}).
   */
  int handoffChildFd = -1;

  boolean ready;
  boolean announced;

  /** Failures in a row, for {@link RespawnBackoff}. */
  int failures;

  /** How many processes this slot has started, for the scoreboard's restarts. */
  int starts;

  /** When the current process was started ({@link System#nanoTime()}). */
  long startedAt;

  /** When its LOAD last showed a connection or a new request ({@link OnDemandGroups}). */
  long lastActiveAt;

  /** Its LOAD's requests when {@link #lastActiveAt} was set. */
  long requestsSeen;

  /** When to start it again after it died ({@link System#nanoTime()}), or -1 if not due. */
  long respawnAt = -1;

  /** Its latest HOSTS report: per virtual host, requests, bytes and responses by class. */
  java.util.Map<String, long[]> hosts = java.util.Map.of();

  /** The parts of its HOSTS report under way, put together until the report is whole. */
  HostReports hostReports = new HostReports();

  /** Whether it said RETIRING (MaxRequestsPerChild): its successor is on the way. */
  boolean retiring;

  /** The process that takes over this slot once READY, while this one still serves. */
  ChildSlot successor;

  /** When to try a successor again after one died before READY, or -1. */
  long successorDueAt = -1;

  /** Its latest LOAD report, or none yet for its current process. */
  org.perchild.protocol.LoadReport load = org.perchild.protocol.LoadReport.NONE;

  ChildSlot(int slot, ChildGroup group, int generation) {
    this.slot = slot;
    this.group = group;
    this.generation = generation;
  }

  /**
   * Makes the successor this slot's current process, not yet announced to the acceptor. The one
   * place a successor is adopted: when it says READY while the retiring process still serves
   * ({@link ChildTable#takeOver}), and when the retiring process exits first. The caller has
   * already dealt with the old process's channels.
   */
  void adoptSuccessor() {
    ChildSlot next = successor;
    pid = next.pid;
    control = next.control;
    handoffFd = next.handoffFd;
    handoffChildFd = next.handoffChildFd;
    startedAt = next.startedAt;
    lastActiveAt = next.lastActiveAt;
    requestsSeen = 0;
    announced = false;
    retiring = false;
    successor = null;
    successorDueAt = -1;
  }

  /**
   * Closes the launcher's copy of the hand-off channel: once the acceptor's is closed too, the
   * child reads it to its end.
   */
  void closeHandoff() {
    ControlDispatch.close(handoffFd);
    handoffFd = -1;
    closeHandoffChildEnd();
  }

  /** Closes the launcher's copy of the child's end of the hand-off channel, if it still has it. */
  void closeHandoffChildEnd() {
    ControlDispatch.close(handoffChildFd);
    handoffChildFd = -1;
  }
}
