/**
 * The child's spare-thread pool: the threads that serve one tenant's requests inside embedded
 * Jetty, kept between MinSpareThreads and MaxSpareThreads idle and never more than
 * MaxThreadsPerChild serving at once, as httpd's perchild MPM described. {@link
 * org.perchild.container.threads.SpareThreadPolicy} decides how many threads to start or end;
 * {@link org.perchild.container.threads.SpareThreadPool} owns the threads and is given to Jetty's
 * {@code Server} as its thread pool. Its lock-free core is the pool and its threads ({@code
 * PoolWorker}, in a file of its own only for length); around it stand the pool's cold parts: {@code
 * GrowingBudget} (the threads Jetty leases on top of MaxThreadsPerChild), {@code PoliteStop} (the
 * end of a stop), {@link org.perchild.container.threads.SpareThreadStatus} and {@code
 * PoolThreadDump} (what the pool reports), and the {@link
 * org.perchild.container.threads.MaintenanceTicker} that drives its tick.
 *
 * <p>The life of a pool thread, as the pool drives it:
 *
 * <pre>
 *            start / tick                 arrival (no idle thread, room)
 *                 │                                    │
 *                 ▼   arrival / tryExecute: woken      ▼
 *               IDLE ─────────────────────────────▶ BUSY ──┐ job done, queue not empty:
 *                 ▲                                 │  ▲   │ take the next job
 *                 │  queue empty (job done, or      │  └───┘
 *                 │  woken but the job was taken)   │
 *                 └─────────────────────────────────┘
 *                 │                                 │ job done while stopping,
 *   tick: idle above MaxSpareThreads,               │ or above the hard limit
 *   longest idle first; or stopping                 │
 *                 ▼                                 ▼
 *              ENDING ──▶ (thread exits)  ◀──── ENDING
 * </pre>
 */
package org.perchild.container.threads;
