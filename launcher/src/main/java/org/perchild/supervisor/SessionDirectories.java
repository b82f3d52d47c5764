package org.perchild.supervisor;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.perchild.config.ChildGroup;
import org.perchild.config.ServerConfig;
import org.perchild.posix.Account;
import org.perchild.posix.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares the session directories before any child of a generation starts. The children of a
 * tenant share their web applications' HTTP sessions through files in {@code
 * <SessionDirectory>/<uid>}, which they can neither create nor protect themselves once they have
 * dropped root: so the launcher makes {@code SessionDirectory} root-owned, mode 0711 (each tenant
 * may pass through it to its own directory, none may list it), and, for every user that runs
 * children, the subdirectory named by its numeric uid, owned by that user and its children's group,
 * mode 0700. Only that tenant's children can read it (docs/ARCHITECTURE.md, invariant 11).
 *
 * <p>A directory that exists is given the right owner and mode; one that is a symbolic link (or not
 * a directory) is refused, never followed: every look is an {@code lstat}, and owner and mode are
 * set without following a link. A {@code SessionDirectory} in a directory that others may write
 * (without the sticky bit) is refused too, since a link could be swapped in for it. In single-user
 * mode (a launcher that is not root) everything is the launcher's own user's: one subdirectory, its
 * uid, for every child.
 *
 * <p>{@link Supervisor} calls {@link #prepare} once at start, where a failure stops the server, and
 * {@link GracefulRestart} before each new generation, where a failure refuses the restart and the
 * running generation serves on.
 */
final class SessionDirectories {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");

  /** {@code SessionDirectory}: searchable by every tenant, listable by none. */
  static final Set<PosixFilePermission> TOP_MODE = PosixFilePermissions.fromString("rwx--x--x");

  /** A tenant's directory: its own alone. */
  static final Set<PosixFilePermission> TENANT_MODE = PosixFilePermissions.fromString("rwx------");

  private static final int TYPE_MASK = 0170000;
  private static final int DIRECTORY = 0040000;
  private static final int SYMBOLIC_LINK = 0120000;

  private SessionDirectories() {}

  /**
   * Creates or fixes {@code SessionDirectory} and the directory of every user that runs children.
   *
   * @param singleUser in single-user mode, the user every child runs as; {@code null} when each
   *     tenant runs as itself
   * @throws IOException naming the path and the reason, when a directory cannot be made right
   */
  static void prepare(ServerConfig config, Account singleUser) throws IOException {
    boolean root = Native.posix().geteuid() == 0;
    int selfUid = Native.posix().geteuid();
    int selfGid = Native.posix().getegid();
    Path top = config.sessionDirectory().toAbsolutePath().normalize();
    Path parent = top.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      createParents(parent);
    }
    checkParent(top, parent);
    ensure(top, root ? 0 : selfUid, root ? 0 : selfGid, TOP_MODE, "SessionDirectory " + top, root);
    for (Map.Entry<Integer, Integer> owner : owners(config, singleUser).entrySet()) {
      int uid = root ? owner.getKey() : selfUid;
      int gid = root ? owner.getValue() : selfGid;
      ensure(
          config.sessionDirectory(owner.getKey()).toAbsolutePath().normalize(),
          uid,
          gid,
          TENANT_MODE,
          "the session directory of uid " + owner.getKey(),
          root);
    }
  }

  /**
   * Every uid that runs children, with the gid of its first group: a uid that runs two groups (with
   * two gids) has one directory, and its mode 0700 makes the group immaterial.
   */
  static Map<Integer, Integer> owners(ServerConfig config, Account singleUser) {
    Map<Integer, Integer> owners = new LinkedHashMap<>();
    for (ChildGroup group : config.childGroups()) {
      if (group.max() == 0) {
        continue;
      }
      if (singleUser != null) {
        owners.putIfAbsent(singleUser.uid(), singleUser.primaryGid());
      } else {
        owners.putIfAbsent(group.user().uid(), group.group().gid());
      }
    }
    return owners;
  }

  /** A directory that others may write lets them swap a link in for {@code SessionDirectory}. */
  private static void checkParent(Path top, Path parent) throws IOException {
    if (parent == null) {
      return;
    }
    int mode = (Integer) Files.getAttribute(parent, "unix:mode");
    boolean sticky = (mode & 01000) != 0;
    if ((mode & 022) != 0 && !sticky) {
      throw new IOException(
          "SessionDirectory "
              + top
              + " is in "
              + parent
              + ", which others may write (mode "
              + Integer.toOctalString(mode & 07777)
              + "): keep it in a directory only root can write; refusing to start");
    }
  }

  /**
   * Makes {@code path} a directory (not a link) owned by {@code uid}/{@code gid} with {@code mode}.
   */
  private static void ensure(
      Path path, int uid, int gid, Set<PosixFilePermission> mode, String what, boolean root)
      throws IOException {
    Map<String, Object> before = lstat(path);
    if (before == null) {
      try {
        Files.createDirectory(path, PosixFilePermissions.asFileAttribute(mode));
      } catch (FileAlreadyExistsException e) {
        throw refused(path, what, "appeared while it was being created");
      } catch (IOException e) {
        throw refused(path, what, "cannot be created: " + e);
      }
    } else {
      int type = (Integer) before.get("mode") & TYPE_MASK;
      if (type == SYMBOLIC_LINK) {
        throw refused(path, what, "is a symbolic link; it must be a directory of its own");
      }
      if (type != DIRECTORY) {
        throw refused(path, what, "is not a directory");
      }
    }
    try {
      if (root) {
        // lchown: the owner of whatever is at the path now, never of what a link points to.
        Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
      }
      // Without following links the JDK opens the path O_NOFOLLOW and uses fchmod; this also
      // clears set-id and sticky bits, and undoes what the umask took from a new directory.
      Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setPermissions(mode);
    } catch (IOException e) {
      throw refused(path, what, "cannot be given owner " + uid + ":" + gid + ": " + e);
    }
    Map<String, Object> after = lstat(path);
    int owner = after == null ? -1 : (Integer) after.get("uid");
    int group = after == null ? -1 : (Integer) after.get("gid");
    int bits = after == null ? -1 : (Integer) after.get("mode") & 07777;
    int wanted = modeBits(mode);
    if (owner != uid || group != gid || bits != wanted || after == null) {
      throw refused(
          path,
          what,
          "is owner "
              + owner
              + ":"
              + group
              + ", mode "
              + Integer.toOctalString(bits)
              + " instead of "
              + uid
              + ":"
              + gid
              + ", mode "
              + Integer.toOctalString(wanted));
    }
    if (before == null) {
      LOG.info(
          "session directory {} created: owner {}:{}, mode {}",
          path,
          uid,
          gid,
          Integer.toOctalString(wanted));
    } else if ((Integer) before.get("uid") != uid
        || (Integer) before.get("gid") != gid
        || ((Integer) before.get("mode") & 07777) != wanted) {
      LOG.warn(
          "session directory {} was owner {}:{}, mode {}: now {}:{}, mode {}",
          path,
          before.get("uid"),
          before.get("gid"),
          Integer.toOctalString((Integer) before.get("mode") & 07777),
          uid,
          gid,
          Integer.toOctalString(wanted));
    }
  }

  /** The {@code lstat} of {@code path} (mode, uid, gid), or {@code null} when there is none. */
  private static Map<String, Object> lstat(Path path) throws IOException {
    try {
      return Files.readAttributes(path, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static int modeBits(Set<PosixFilePermission> mode) {
    int bits = 0;
    for (PosixFilePermission p : mode) {
      bits |= 0400 >> p.ordinal();
    }
    return bits;
  }

  /** The missing directories above {@code SessionDirectory}: root's, mode 0755, as for logs. */
  private static void createParents(Path directory) throws IOException {
    Path parent = directory.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      createParents(parent);
    }
    Set<PosixFilePermission> mode = PosixFilePermissions.fromString("rwxr-xr-x");
    try {
      Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(mode));
      Files.setPosixFilePermissions(directory, mode);
    } catch (IOException e) {
      throw new IOException(
          "SessionDirectory: cannot create " + directory + ": " + e + "; refusing to start", e);
    }
  }

  private static IOException refused(Path path, String what, String why) {
    return new IOException(what + " (" + path + ") " + why + "; refusing to start");
  }
}
