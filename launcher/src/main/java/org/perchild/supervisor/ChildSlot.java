package org.perchild.supervisor;

import org.perchild.config.ChildGroup;
import org.perchild.posix.SeqPacketChannel;

/**
 * One child process as the launcher tracks it: its slot (its number for the server's life), its
 * group, its pid, the launcher's ends of its control and hand-off channels, and whether it has said
 * READY. Only the supervisor thread touches it.
 */
final class ChildSlot {

  final int slot;
  final ChildGroup group;
  final int generation;
  int pid;
  SeqPacketChannel control;
  int handoffFd = -1;
  boolean ready;
  boolean announced;

  ChildSlot(int slot, ChildGroup group, int generation) {
    this.slot = slot;
    this.group = group;
    this.generation = generation;
  }
}
