package org.perchild.acceptor;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ObjIntConsumer;
import org.perchild.config.ChildGroup;

/**
 * The connections the acceptor holds for a group that has no READY child, oldest first by group,
 * with the bounds that keep a flood for a tenant that cannot start cheap: at most {@value
 * #MAX_PER_GROUP} for one group and {@value #MAX} in all. {@link AcceptorLoop} decides when one is
 * held, handed off or refused; this keeps them. Used by the selector thread only.
 */
final class HeldConnections {

  /** Connections held at most for one group with no READY child; more get 503 at once. */
  static final int MAX_PER_GROUP = 256;

  /** Connections held at most in all; more get 503 at once. */
  static final int MAX = 2048;

  /** Tries to hand one held connection to a child; whether it is gone from the acceptor's hands. */
  interface HandOff {
    boolean tried(ClientConnection connection);
  }

  /** How often the launcher is asked again for a child of a group whose connections wait. */
  static final long ASK_AGAIN_NANOS = 1_000_000_000L;

  private final Map<ChildGroup, ArrayDeque<ClientConnection>> byGroup = new LinkedHashMap<>();
  private final Map<ChildGroup, Long> askedAt = new HashMap<>();
  private int count;

  /** Holds {@code connection} for its virtual host's group, if there is room; whether it did. */
  boolean add(ClientConnection connection) {
    ChildGroup group = connection.vhost.group();
    ArrayDeque<ClientConnection> queue = byGroup.get(group);
    if (count >= MAX || (queue != null && queue.size() >= MAX_PER_GROUP)) {
      return false;
    }
    byGroup.computeIfAbsent(group, g -> new ArrayDeque<>()).add(connection);
    count++;
    return true;
  }

  /** How many are held for {@code group}. */
  int heldFor(ChildGroup group) {
    ArrayDeque<ClientConnection> queue = byGroup.get(group);
    return queue == null ? 0 : queue.size();
  }

  /** How many are held in all. */
  int count() {
    return count;
  }

  /** Stops holding {@code connection} (its wait is over, or it failed); nothing if not held. */
  void remove(ClientConnection connection) {
    ChildGroup group = connection.vhost.group();
    ArrayDeque<ClientConnection> queue = byGroup.get(group);
    if (queue != null && queue.remove(connection)) {
      count--;
      if (queue.isEmpty()) {
        byGroup.remove(group);
      }
    }
  }

  /**
   * Gives {@code ask} each group that holds connections, with how many, unless it was given within
   * {@link #ASK_AGAIN_NANOS} before {@code now}: the first connection held for a group is asked for
   * at once, and the ask is repeated while any waits (a lost or ignored one is not the end).
   */
  void askForChildren(long now, ObjIntConsumer<ChildGroup> ask) {
    askedAt.keySet().retainAll(byGroup.keySet());
    for (Map.Entry<ChildGroup, ArrayDeque<ClientConnection>> entry : byGroup.entrySet()) {
      Long at = askedAt.get(entry.getKey());
      if (at == null || now - at >= ASK_AGAIN_NANOS) {
        askedAt.put(entry.getKey(), now);
        ask.accept(entry.getKey(), entry.getValue().size());
      }
    }
  }

  /**
   * Offers each group's connections, oldest first, to {@code handOff}; a group's turn ends at the
   * first one it does not take (its group has no READY child that takes it).
   */
  void handOff(HandOff handOff) {
    Iterator<ArrayDeque<ClientConnection>> groups = byGroup.values().iterator();
    while (groups.hasNext()) {
      ArrayDeque<ClientConnection> queue = groups.next();
      while (!queue.isEmpty() && handOff.tried(queue.peekFirst())) {
        queue.removeFirst();
        count--;
      }
      if (queue.isEmpty()) {
        groups.remove();
      }
    }
  }
}
