package org.perchild.container.sessions;

import java.nio.file.Path;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.session.DefaultSessionIdManager;
import org.eclipse.jetty.session.NullSessionCacheFactory;

/**
 * How a child's Jetty keeps HTTP sessions so that every child of its tenant shares them: as beans
 * of the {@link Server}, which every {@code SessionHandler} (ee10, and the ee8/ee9 nested ones)
 * looks up when it starts ({@code AbstractSessionManager.doStart}: {@code
 * server.getBean(SessionCacheFactory.class)}, {@code SessionDataStoreFactory}, {@code
 * SessionIdManager}), so no environment needs a setting of its own. {@code ChildServer} calls it.
 *
 * <ul>
 *   <li>{@link #sameIdsInEveryChild}: one {@link DefaultSessionIdManager} with no worker name, so
 *       an id is the same in every child and a cookie issued by one is accepted, as it is, by
 *       another (Jetty's default worker name {@code node0}, or a different one per child, would be
 *       a suffix that a child not its own answers with a new cookie).
 *   <li>{@link #storeIn}: no session cache ({@link NullSessionCacheFactory}: each request reads the
 *       session from its file, or finds it is still the file it last read or wrote, so it sees what
 *       another child wrote a moment ago), the session written when it is created and again before
 *       the response is committed (so the client's next request, wherever it goes, finds what this
 *       one did), an unreadable session dropped, and the {@link SessionFileStore} over the tenant's
 *       directory. {@code savePeriodSec} {@value #SAVE_PERIOD_SEC}: a request that used a session
 *       but changed nothing in it writes its access time and expiry at its end only if the
 *       session's file is older than that (and a request that changed it, already written before
 *       its response, is not written again for the few milliseconds its end moved the expiry); the
 *       store lets a session live that much past the expiry in its file, so it never ends early.
 * </ul>
 *
 * <p>Without {@link #storeIn} (that is {@code perchild -X}, one process that shares nothing) Jetty
 * keeps sessions in memory.
 */
public final class SharedSessions {

  /**
   * The context attribute that names a web application's virtual host for its sessions: its {@code
   * ServerName}, so that two virtual hosts of one tenant with a web application at the same path
   * keep their sessions apart. The deployer sets it on every context it makes.
   */
  public static final String VIRTUAL_HOST = "org.perchild.sessions.virtualHost";

  /**
   * How long a session's file may go unwritten by requests that change nothing but its access time
   * (Jetty's {@code savePeriodSec}); a changed session is written by every request that changes it.
   */
  static final int SAVE_PERIOD_SEC = 5;

  private SharedSessions() {}

  /** Adds the one session id manager every child has (before the server starts). */
  public static DefaultSessionIdManager sameIdsInEveryChild(Server server) {
    DefaultSessionIdManager ids = new DefaultSessionIdManager(server);
    // No worker name: not the JETTY_WORKER_INSTANCE of the environment, not a suffix on the id.
    ids.setWorkerName(null);
    server.addBean(ids, true);
    return ids;
  }

  /**
   * Makes every session handler of {@code server} keep its sessions in files under {@code
   * directory}, shared with the other processes that use it (before the server starts).
   */
  public static SessionFileStoreFactory storeIn(Server server, Path directory) {
    NullSessionCacheFactory cache = new NullSessionCacheFactory();
    cache.setSaveOnCreate(true);
    cache.setFlushOnResponseCommit(true);
    cache.setRemoveUnloadableSessions(true);
    server.addBean(cache);
    SessionFileStoreFactory store = new SessionFileStoreFactory(directory);
    store.setSavePeriodSec(SAVE_PERIOD_SEC);
    server.addBean(store);
    return store;
  }
}
