package org.perchild.container.threads;

import java.io.IOException;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.eclipse.jetty.util.thread.ThreadPoolBudget;

/**
 * The {@link ThreadPoolBudget} of a {@link SpareThreadPool}, through which Jetty's acceptors and
 * selectors lease their threads; the pool creates one and hands it out from {@code
 * getThreadPoolBudget()}, and asks it for {@link #getLeasedThreads()} to know its hard limit.
 *
 * <p>Leases grow the pool (see {@link SpareThreadPool}'s class comment) instead of eating into
 * MaxThreadsPerChild, so no number of acceptors or selectors can leave requests without threads.
 * Keeps their sum at hand: {@code ThreadPoolBudget} adds the leases up on every call, and the pool
 * asks on its busy paths.
 */
final class GrowingBudget extends ThreadPoolBudget {
  private volatile int leased;

  GrowingBudget(ThreadPool.SizedThreadPool pool) {
    super(pool);
  }

  @Override
  public Lease leaseTo(Object leasee, int threads) {
    Lease lease = super.leaseTo(leasee, threads);
    recount();
    return new Lease() {
      @Override
      public int getThreads() {
        return lease.getThreads();
      }

      @Override
      public void close() throws IOException {
        lease.close();
        recount();
      }
    };
  }

  @Override
  public void reset() {
    super.reset();
    recount();
  }

  @Override
  public int getLeasedThreads() {
    return leased;
  }

  private synchronized void recount() {
    leased = super.getLeasedThreads();
  }

  @Override
  public boolean check(int maxThreads) {
    if (maxThreads < 1) {
      throw new IllegalStateException("no threads left for requests: max=" + maxThreads);
    }
    return true;
  }
}
