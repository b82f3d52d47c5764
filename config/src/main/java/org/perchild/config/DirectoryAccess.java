package org.perchild.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a user and group may read a directory, judged as the kernel would from the owner, group
 * and mode bits of the directory (read and search) and of each of its ancestors (search): {@link
 * ConfigBuilder} warns with the answer when a tenant's children could not read their {@code
 * AppBase} or {@code DocumentRoot} after dropping root. Supplementary groups and ACLs are not
 * consulted, so the answer errs on the side of a warning, never of an error.
 */
final class DirectoryAccess {

  private static final int READ = 4;
  private static final int SEARCH = 1;

  private DirectoryAccess() {}

  /**
   * Null when {@code uid}/{@code gid} can list {@code directory} and reach it, else why not, e.g.
   * {@code /srv/a is mode 0700, owner 1000, group 1000}.
   */
  static String whyUnreadable(Path directory, int uid, int gid) {
    Path absolute = directory.toAbsolutePath().normalize();
    try {
      String why = lacking(absolute, uid, gid, READ | SEARCH);
      for (Path up = absolute.getParent(); why == null && up != null; up = up.getParent()) {
        why = lacking(up, uid, gid, SEARCH);
      }
      return why;
    } catch (IOException | UnsupportedOperationException e) {
      // Not a POSIX file system (or no permission to stat): nothing can be said in advance.
      return null;
    }
  }

  private static String lacking(Path path, int uid, int gid, int needed) throws IOException {
    int owner = (Integer) Files.getAttribute(path, "unix:uid");
    int group = (Integer) Files.getAttribute(path, "unix:gid");
    int mode = (Integer) Files.getAttribute(path, "unix:mode") & 07777;
    int bits;
    if (owner == uid) {
      bits = (mode >> 6) & 7;
    } else if (group == gid) {
      bits = (mode >> 3) & 7;
    } else {
      bits = mode & 7;
    }
    if ((bits & needed) == needed) {
      return null;
    }
    return String.format(
        "%s is mode %04o, owner %d, group %d%s",
        path, mode, owner, group, needed == SEARCH ? " (no search permission)" : "");
  }
}
