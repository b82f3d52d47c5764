package org.perchild.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Whether a user and group may read a directory or a file, judged as the kernel would from the
 * owner, group and mode bits of the directory (read and search) or file (read) and of each of its
 * ancestors (search): {@link VirtualHostAssembly} warns with the answer when a tenant's children
 * could not read their {@code AppBase}, {@code DocumentRoot}, {@code WebAppRealm} file or TLS
 * certificate and key after dropping root, when everyone could read a realm file, or when anyone
 * but its owner could read a private key. Only attributes are read, never a file's bytes.
 * Supplementary groups and ACLs are not consulted, so the answer errs on the side of a warning,
 * never of an error.
 */
final class DirectoryAccess {

  private static final int READ = 4;
  private static final int SEARCH = 1;

  /** No user and no group: chown(2) takes -1 for "unchanged", so nothing is owned by it. */
  private static final int NO_ID = -1;

  private DirectoryAccess() {}

  /**
   * Null when {@code uid}/{@code gid} can list {@code directory} and reach it, else why not, e.g.
   * {@code /srv/a is mode 0700, owner 1000, group 1000}.
   */
  static String whyUnreadable(Path directory, int uid, int gid) {
    try {
      return lackingOnTheWay(directory, uid, gid, READ | SEARCH);
    } catch (IOException | UnsupportedOperationException e) {
      // Not a POSIX file system (or no permission to stat): nothing can be said in advance.
      return null;
    }
  }

  /**
   * Null when {@code uid}/{@code gid} can read {@code file} and reach it, else why not, e.g. {@code
   * /srv/realms/a.properties is mode 0600, owner 0, group 0}.
   */
  static String whyUnreadableFile(Path file, int uid, int gid) {
    try {
      return lackingOnTheWay(file, uid, gid, READ);
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  /**
   * Null unless a user who is neither the owner nor of the group of {@code file} (nor of its
   * ancestors') can read it; else its mode, e.g. {@code /srv/realms/a.properties is mode 0644,
   * owner 2001, group 2001}. A file of mode 0644 in a directory others cannot search is not.
   */
  static String readableByEveryone(Path file) {
    try {
      if (lackingOnTheWay(file, NO_ID, NO_ID, READ) != null) {
        return null;
      }
      return describe(file.toAbsolutePath().normalize());
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  /**
   * Null unless {@code file}'s mode lets its group or others read it (a private key must be its
   * owner's alone, as ssh wants it, whatever its directory allows); else its mode, e.g. {@code
   * /srv/keys/a.key is mode 0640, owner 2001, group 2001}.
   */
  static String readableByOthersThanOwner(Path file) {
    try {
      Stat stat = Stat.of(file.toAbsolutePath().normalize());
      return (stat.mode() & 044) == 0 ? null : stat.describe(file.toAbsolutePath().normalize());
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  /** Why {@code path} lacks {@code needed} for uid/gid, or one of its ancestors lacks search. */
  private static String lackingOnTheWay(Path path, int uid, int gid, int needed)
      throws IOException {
    Path absolute = path.toAbsolutePath().normalize();
    String why = lacking(absolute, uid, gid, needed);
    for (Path up = absolute.getParent(); why == null && up != null; up = up.getParent()) {
      why = lacking(up, uid, gid, SEARCH);
    }
    return why;
  }

  private static String lacking(Path path, int uid, int gid, int needed) throws IOException {
    Stat stat = Stat.of(path);
    int bits;
    if (stat.owner() == uid) {
      bits = (stat.mode() >> 6) & 7;
    } else if (stat.group() == gid) {
      bits = (stat.mode() >> 3) & 7;
    } else {
      bits = stat.mode() & 7;
    }
    if ((bits & needed) == needed) {
      return null;
    }
    return stat.describe(path) + (needed == SEARCH ? " (no search permission)" : "");
  }

  private static String describe(Path path) throws IOException {
    return Stat.of(path).describe(path);
  }

  /** The owner, group and permission bits of a path, from one stat. */
  private record Stat(int owner, int group, int mode) {

    static Stat of(Path path) throws IOException {
      Map<String, Object> a = Files.readAttributes(path, "unix:uid,gid,mode");
      return new Stat(
          (Integer) a.get("uid"), (Integer) a.get("gid"), (Integer) a.get("mode") & 07777);
    }

    String describe(Path path) {
      return String.format("%s is mode %04o, owner %d, group %d", path, mode, owner, group);
    }
  }
}
