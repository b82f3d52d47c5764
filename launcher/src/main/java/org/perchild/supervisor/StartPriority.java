package org.perchild.supervisor;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.perchild.posix.PosixException;
import org.perchild.posix.Priorities;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A starting child runs at nice {@value #STARTING} until it is READY, for {@value #LIMIT_SECONDS} s
 * at most and as many at once as there are CPUs: on a machine whose CPUs its tenants' busy children
 * keep full, a cold start would otherwise get its fair share among all of them and take tens of
 * seconds, while the connections held for it wait. The boost is bounded by the starts themselves
 * (one at a time per group, a few a second) and by the time limit, after which a child that is
 * still not READY (a WAR that takes long to start, or never does) runs at nice 0 as every other.
 * Root only: a launcher in single-user mode cannot raise a priority and does nothing. Used by the
 * {@link Supervisor} on its thread only.
 */
final class StartPriority {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  /** The nice value of a starting child: about 30 times a serving thread's CPU weight. */
  static final int STARTING = -15;

  static final long LIMIT_SECONDS = 10;

  private final LongSupplier nanoTime;
  private final boolean root;
  private final Map<Integer, Long> boosted = new HashMap<>();

  /** At most this many children run boosted at once (the CPUs): a flood of starts is not. */
  private final int most = Math.max(1, Runtime.getRuntime().availableProcessors());

  StartPriority(LongSupplier nanoTime, boolean root) {
    this.nanoTime = nanoTime;
    this.root = root;
  }

  /** {@code pid} has just been spawned or assigned as a child. */
  void starting(int pid) {
    if (!root || pid <= 0 || boosted.size() >= most) {
      return;
    }
    if (set(pid, STARTING)) {
      boosted.put(pid, nanoTime.getAsLong());
    }
  }

  /** {@code pid} said READY (or exited): back to nice 0. */
  void started(int pid) {
    if (boosted.remove(pid) != null) {
      set(pid, 0);
    }
  }

  /** Every turn: a child boosted for longer than the limit goes back to nice 0. */
  void turn() {
    long now = nanoTime.getAsLong();
    for (Iterator<Map.Entry<Integer, Long>> it = boosted.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Integer, Long> e = it.next();
      if (now - e.getValue() > TimeUnit.SECONDS.toNanos(LIMIT_SECONDS)) {
        it.remove();
        set(e.getKey(), 0);
        LOG.info(
            "child pid {} is not READY after {} s: it starts on at normal priority",
            e.getKey(),
            LIMIT_SECONDS);
      }
    }
  }

  private static boolean set(int pid, int nice) {
    try {
      return Priorities.set(pid, nice) > 0;
    } catch (PosixException e) {
      LOG.debug("cannot set the priority of pid {}: {}", pid, e.getMessage());
      return false;
    }
  }
}
