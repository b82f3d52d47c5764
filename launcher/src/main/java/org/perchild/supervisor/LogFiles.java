package org.perchild.supervisor;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.perchild.config.ChildGroup;
import org.perchild.config.CustomLog;
import org.perchild.config.ServerConfig;
import org.perchild.config.VirtualHost;
import org.perchild.posix.Account;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares the access-log files before any child starts. A child opens its own logs after it has
 * dropped root, so it can write only files its tenant owns: the launcher creates each {@code
 * CustomLog} file that is missing, owned by the user and group of the children that write it (a
 * virtual host's {@code AssignUserID}, else {@code User}/{@code Group}), mode 0640, in a directory
 * it creates root-owned, mode 0755, when that is missing too.
 *
 * <p>It refuses, and the server does not start, when a tenant could use its log to reach another's
 * file: a log path that is a symbolic link, a file owned by another user, a file named by virtual
 * hosts of two different users, or a directory that someone other than root and the file's owner
 * may write (a link could be swapped in). {@link Supervisor} calls {@link #prepare} once, as root.
 */
public final class LogFiles {

  private static final Logger LOG = LoggerFactory.getLogger("perchild");
  private static final Set<PosixFilePermission> FILE_MODE =
      PosixFilePermissions.fromString("rw-r-----");
  private static final Set<PosixFilePermission> DIRECTORY_MODE =
      PosixFilePermissions.fromString("rwxr-xr-x");

  /** Who writes one log file, and which virtual hosts name it. */
  private record Writer(int uid, int gid, String label, List<String> hosts) {}

  private LogFiles() {}

  /**
   * Creates or checks every access-log file of {@code config}.
   *
   * @param singleUser in single-user mode, the user every child runs as (it then owns every log);
   *     {@code null} when each tenant runs as itself
   * @throws IOException with a message for the operator when a log is refused or cannot be made
   */
  public static void prepare(ServerConfig config, Account singleUser) throws IOException {
    boolean root = "root".equals(System.getProperty("user.name"));
    for (Map.Entry<Path, Writer> each : writers(config, singleUser).entrySet()) {
      prepare(each.getKey(), each.getValue(), root);
    }
  }

  /** Each log file and its one writer; two writers for one file is refused. */
  static Map<Path, Writer> writers(ServerConfig config, Account singleUser) throws IOException {
    Map<Path, Writer> writers = new LinkedHashMap<>();
    List<VirtualHost> hosts = new ArrayList<>(config.virtualHosts());
    hosts.add(config.mainServer());
    for (VirtualHost host : hosts) {
      ChildGroup group = host.group();
      int uid = singleUser != null ? singleUser.uid() : group.user().uid();
      int gid = singleUser != null ? singleUser.primaryGid() : group.group().gid();
      String label = singleUser != null ? singleUser.name() : group.label();
      String where =
          (host.isMainServer() ? "the main server" : "virtual host " + host.serverName())
              + (host.file() == null || host.line() == 0
                  ? ""
                  : " (" + host.file() + ":" + host.line() + ")");
      for (CustomLog log : host.customLogs()) {
        Path path = log.path().toAbsolutePath().normalize();
        Writer known = writers.get(path);
        if (known == null) {
          writers.put(path, new Writer(uid, gid, label, new ArrayList<>(List.of(where))));
        } else if (known.uid() != uid || known.gid() != gid) {
          throw new IOException(
              "CustomLog "
                  + path
                  + " is the log of "
                  + known.hosts().get(0)
                  + ", written by "
                  + known.label()
                  + ", and of "
                  + where
                  + ", written by "
                  + label
                  + ": each tenant writes only its own logs; give each a file of its own");
        } else {
          known.hosts().add(where);
        }
      }
    }
    // The children's own messages: a tenant's error log is the tenant's, like its access logs.
    Path mainErrorLog = config.mainServer().errorLog().toAbsolutePath().normalize();
    for (ChildGroup group : config.childGroups()) {
      Path path = config.childErrorLog(group).toAbsolutePath().normalize();
      if (path.equals(mainErrorLog) || group.max() == 0) {
        continue;
      }
      int uid = singleUser != null ? singleUser.uid() : group.user().uid();
      int gid = singleUser != null ? singleUser.primaryGid() : group.group().gid();
      String label = singleUser != null ? singleUser.name() : group.label();
      String where = "the ErrorLog of the children of " + group.label();
      Writer known = writers.get(path);
      if (known == null) {
        writers.put(path, new Writer(uid, gid, label, new ArrayList<>(List.of(where))));
      } else if (known.uid() != uid || known.gid() != gid) {
        throw new IOException(
            "ErrorLog "
                + path
                + " is also the log of "
                + known.hosts().get(0)
                + ", written by "
                + known.label()
                + ": each tenant writes only its own logs; give each a file of its own");
      } else {
        known.hosts().add(where);
      }
    }
    return writers;
  }

  private static void prepare(Path path, Writer writer, boolean root) throws IOException {
    Path directory = path.getParent();
    if (!Files.isDirectory(directory)) {
      createDirectories(directory);
    }
    checkDirectory(path, directory, writer);
    if (Files.isSymbolicLink(path)) {
      throw refused(path, writer, "is a symbolic link; a log must be a plain file of its own");
    }
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
        throw refused(path, writer, "is not a regular file");
      }
      int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      if (owner == writer.uid()) {
        return; // the tenant's own file, as the tenant left it
      }
      if (owner != 0 || !root) {
        throw refused(path, writer, "is owned by uid " + owner + ", not by " + writer.label());
      }
      // A root-owned file (made by hand, or by an older server): hand it to its writer.
      own(path, writer);
      LOG.info("access log {} now owned by {}", path, writer.label());
      return;
    }
    try {
      Files.createFile(path, PosixFilePermissions.asFileAttribute(FILE_MODE));
    } catch (FileAlreadyExistsException e) {
      throw refused(path, writer, "appeared while it was being created");
    }
    if (root) {
      own(path, writer);
    }
    Files.setPosixFilePermissions(path, FILE_MODE); // whatever the umask took away
    LOG.info("access log {} created for {}", path, writer.label());
  }

  private static void own(Path path, Writer writer) throws IOException {
    Files.setAttribute(path, "unix:gid", writer.gid(), LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(path, "unix:uid", writer.uid(), LinkOption.NOFOLLOW_LINKS);
    Files.setPosixFilePermissions(path, FILE_MODE);
  }

  /** A directory anyone else may write lets them swap the log for a link between check and use. */
  private static void checkDirectory(Path path, Path directory, Writer writer) throws IOException {
    int owner = (Integer) Files.getAttribute(directory, "unix:uid");
    int mode = (Integer) Files.getAttribute(directory, "unix:mode");
    boolean sticky = (mode & 01000) != 0;
    if ((owner != 0 && owner != writer.uid()) || ((mode & 022) != 0 && !sticky)) {
      throw refused(
          path,
          writer,
          "is in "
              + directory
              + ", which others may write (owner uid "
              + owner
              + ", mode "
              + Integer.toOctalString(mode & 07777)
              + "); keep logs in a directory only root or "
              + writer.label()
              + " can write");
    }
  }

  private static void createDirectories(Path directory) throws IOException {
    Path parent = directory.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      createDirectories(parent);
    }
    Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(DIRECTORY_MODE));
    Files.setPosixFilePermissions(directory, DIRECTORY_MODE);
  }

  private static IOException refused(Path path, Writer writer, String why) {
    return new IOException(
        "access log "
            + path
            + " of "
            + String.join(", ", writer.hosts())
            + " "
            + why
            + ": refusing to start");
  }
}
