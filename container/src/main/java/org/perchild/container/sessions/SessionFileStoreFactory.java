package org.perchild.container.sessions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.session.AbstractSessionDataStoreFactory;
import org.eclipse.jetty.session.SessionDataStore;
import org.eclipse.jetty.session.SessionManager;

/**
 * Makes a {@link SessionFileStore} over one directory for each context's session handler: a bean of
 * the Jetty server ({@link SharedSessions#storeIn}), where every {@code SessionHandler}, ee10 or
 * the ee8/ee9 nested ones, looks for a {@code SessionDataStoreFactory} when it starts.
 */
public final class SessionFileStoreFactory extends AbstractSessionDataStoreFactory {

  private final Path directory;

  /** Stores over {@code directory}, which the launcher made; see {@link #checkOwn}. */
  public SessionFileStoreFactory(Path directory) {
    this.directory = directory.toAbsolutePath().normalize();
  }

  @Override
  public SessionDataStore getSessionDataStore(SessionManager manager) {
    SessionFileStore store = new SessionFileStore(directory);
    store.setGracePeriodSec(getGracePeriodSec());
    store.setSavePeriodSec(getSavePeriodSec());
    return store;
  }

  /** The directory the stores keep their files in. */
  public Path directory() {
    return directory;
  }

  /**
   * Checks that {@code directory} is what the launcher makes for a tenant: a directory (not a link)
   * owned by {@code uid} that no one else may read, write or search.
   *
   * @throws IOException saying what is wrong
   */
  public static void checkOwn(Path directory, int uid) throws IOException {
    Map<String, Object> attributes;
    try {
      attributes = Files.readAttributes(directory, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw new IOException(
          "session directory " + directory + " does not exist (the launcher makes it)", e);
    }
    int mode = (Integer) attributes.get("mode");
    int owner = (Integer) attributes.get("uid");
    if ((mode & 0170000) != 0040000) {
      throw new IOException("session directory " + directory + " is not a directory");
    }
    if (owner != uid || (mode & 077) != 0) {
      throw new IOException(
          "session directory "
              + directory
              + " is owner "
              + owner
              + ", mode "
              + Integer.toOctalString(mode & 07777)
              + ": it must be uid "
              + uid
              + "'s alone (mode 0700)");
    }
  }
}
