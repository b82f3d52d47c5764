package org.perchild.posix;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;

/**
 * Turns a root process into a tenant's user for good, then proves it (docs/ARCHITECTURE.md,
 * invariant 1: webapp code never runs as root). A child calls {@link #drop} as the first thing in
 * {@code main}, before any other class of ours or any webapp is loaded, and exits with the fatal
 * code if it throws.
 *
 * <p>Order: {@code setgroups} (the user's groups, as {@code initgroups} would set them) → {@code
 * setresgid} → {@code setresuid} → {@code prctl(PR_SET_NO_NEW_PRIVS)}. glibc applies each
 * credential change to every thread of the JVM; no_new_privs is per thread, so an allow-all seccomp
 * filter installed with {@code TSYNC} carries it to the JVM's other threads. Then it checks, and
 * throws on any mismatch: real, effective and saved uid and gid; {@code CapEff} and {@code CapPrm}
 * are 0 and {@code NoNewPrivs} is 1 in {@code /proc/self/status}; {@code setuid(0)} fails; every
 * thread in {@code /proc/self/task} shows the target uid, gid and groups.
 *
 * <p>Everything this class needs afterwards is loaded before the first change: once it is no longer
 * root, the process may be unable to read the jars it has not opened yet.
 */
public final class PrivilegeDrop {

  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path TASKS = Path.of("/proc/self/task");

  private PrivilegeDrop() {}

  /**
   * Binds the C library and loads everything {@link #drop} needs, changing nothing: what a spare
   * child does while it waits to be told whom to become, so that the drop itself is quick.
   *
   * @throws PrivilegeDropException if the native layer cannot be loaded
   */
  public static void prepare() throws PrivilegeDropException {
    try {
      LibC.get();
    } catch (LinkageError | RuntimeException e) {
      throw new PrivilegeDropException("cannot bind the C library", e);
    }
    warmUp();
  }

  /**
   * Drops every privilege and becomes {@code uid}/{@code gid}.
   *
   * @param userName the login name whose supplementary groups to take, or {@code null} for a
   *     numeric user with no entry in the user database: then the only group is {@code gid}
   * @param uid the target user; 0 is refused
   * @param gid the target group; 0 is refused, and so is a user who belongs to group 0
   * @throws PrivilegeDropException if a call failed or a check did not hold; the process is then in
   *     an unknown state and must exit
   */
  public static void drop(String userName, int uid, int gid) throws PrivilegeDropException {
    if (uid <= 0 || gid <= 0) {
      throw new PrivilegeDropException(
          "refusing to drop to uid " + uid + ", gid " + gid + ": a child never runs as root");
    }
    LibC.Functions libc = LibC.get();
    warmUp();
    if (alreadyUnprivileged(libc, uid, gid)) {
      keepIdentity(libc, uid, gid);
      return;
    }
    int[] groups = userName == null ? new int[] {gid} : groupsOf(libc, userName, gid);
    for (int group : groups) {
      if (group == 0) {
        throw new PrivilegeDropException(
            "refusing to drop to user " + userName + ": member of group 0 (root)");
      }
    }
    try {
      if (libc.setgroups(groups.length, groups) != 0) {
        throw PosixException.lastError("setgroups(" + Arrays.toString(groups) + ")");
      }
      if (libc.setresgid(gid, gid, gid) != 0) {
        throw PosixException.lastError("setresgid(" + gid + ")");
      }
      if (libc.setresuid(uid, uid, uid) != 0) {
        throw PosixException.lastError("setresuid(" + uid + ")");
      }
      if (libc.prctl(LibC.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        throw PosixException.lastError("prctl(PR_SET_NO_NEW_PRIVS)");
      }
      noNewPrivilegesOnEveryThread(libc);
    } catch (PosixException e) {
      throw new PrivilegeDropException("dropping to uid " + uid + ", gid " + gid + " failed", e);
    }
    List<String> wrong = verify(libc, uid, gid, groups, true);
    if (!wrong.isEmpty()) {
      throw new PrivilegeDropException(
          "dropped to uid " + uid + ", gid " + gid + " but: " + String.join("; ", wrong));
    }
  }

  /**
   * Whether this process already is the target user and group, without root: what a child of a
   * launcher started by an ordinary user in single-user mode is. Then no id can or need change.
   */
  private static boolean alreadyUnprivileged(LibC.Functions libc, int uid, int gid) {
    IntByReference real = new IntByReference();
    IntByReference effective = new IntByReference();
    IntByReference saved = new IntByReference();
    if (libc.getresuid(real, effective, saved) != 0
        || real.intValue() != uid
        || effective.intValue() != uid
        || saved.intValue() != uid) {
      return false;
    }
    return libc.getresgid(real, effective, saved) == 0
        && real.intValue() == gid
        && effective.intValue() == gid
        && saved.intValue() == gid;
  }

  /**
   * Single-user mode: the ids stay as they are (an unprivileged process cannot change them), but no
   * thread may gain privileges through exec either, and the same proof is required: no capability,
   * no way back to root.
   */
  private static void keepIdentity(LibC.Functions libc, int uid, int gid)
      throws PrivilegeDropException {
    try {
      if (libc.prctl(LibC.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        throw PosixException.lastError("prctl(PR_SET_NO_NEW_PRIVS)");
      }
      noNewPrivilegesOnEveryThread(libc);
    } catch (PosixException e) {
      throw new PrivilegeDropException("keeping uid " + uid + ", gid " + gid + " failed", e);
    }
    List<String> wrong = verify(libc, uid, gid, currentGroups(), true);
    if (!wrong.isEmpty()) {
      throw new PrivilegeDropException(
          "kept uid " + uid + ", gid " + gid + " but: " + String.join("; ", wrong));
    }
  }

  private static int[] currentGroups() throws PrivilegeDropException {
    try {
      for (String line : Files.readAllLines(STATUS, StandardCharsets.UTF_8)) {
        if (line.startsWith("Groups:")) {
          String list = line.substring("Groups:".length()).trim();
          return list.isEmpty()
              ? new int[0]
              : Arrays.stream(list.split("\\s+")).mapToInt(Integer::parseInt).toArray();
        }
      }
    } catch (IOException | NumberFormatException e) {
      throw new PrivilegeDropException("cannot read the groups of this process: " + e);
    }
    throw new PrivilegeDropException("no Groups line in " + STATUS);
  }

  /**
   * {@code PR_SET_NO_NEW_PRIVS} marks only the calling thread (and the threads it creates later);
   * the JVM's older threads (the primordial one, GC, Finalizer, Signal Dispatcher…) would keep the
   * power to exec a setuid program with its privileges. The kernel has exactly one way to mark
   * them: installing a seccomp filter with {@code SECCOMP_FILTER_FLAG_TSYNC} sets no_new_privs on
   * every thread of the process. The filter allows every call; it is there for that side effect
   * only.
   */
  private static void noNewPrivilegesOnEveryThread(LibC.Functions libc) throws PosixException {
    long seccomp = LibC.seccompSyscall();
    if (seccomp < 0) {
      throw new PosixException(
          "seccomp(SECCOMP_FILTER_FLAG_TSYNC) on " + System.getProperty("os.arch"), LibC.ENOSYS);
    }
    Runtime runtime = LibC.runtime();
    int word = runtime.addressSize();
    Pointer filter = Memory.allocateDirect(runtime, 8, true);
    filter.putShort(0, LibC.BPF_RET_K); // code; jt = jf = 0
    filter.putInt(4, LibC.SECCOMP_RET_ALLOW); // k
    Pointer program = Memory.allocateDirect(runtime, 2L * word, true);
    program.putShort(0, (short) 1); // len: one instruction
    program.putAddress(word, filter.address());
    long rc =
        libc.syscall(
            seccomp, LibC.SECCOMP_SET_MODE_FILTER, LibC.SECCOMP_FILTER_FLAG_TSYNC, program);
    Reference.reachabilityFence(filter);
    Reference.reachabilityFence(program);
    if (rc < 0) {
      throw PosixException.lastError("seccomp(SECCOMP_SET_MODE_FILTER, TSYNC, allow all)");
    }
    if (rc > 0) {
      // TSYNC names the thread it could not synchronise (one with a conflicting filter).
      throw new PosixException("seccomp(SECCOMP_SET_MODE_FILTER, TSYNC): thread " + rc, 0);
    }
  }

  /** The groups {@code initgroups(userName, gid)} would set: {@code gid} and the memberships. */
  private static int[] groupsOf(LibC.Functions libc, String userName, int gid) {
    int[] groups = new int[64];
    while (true) {
      IntByReference count = new IntByReference(groups.length);
      if (libc.getgrouplist(userName, gid, groups, count) >= 0) {
        return Arrays.copyOf(groups, count.intValue());
      }
      // Too small: glibc has put the number it needs in count.
      groups = new int[Math.max(count.intValue(), groups.length * 2)];
    }
  }

  private static List<String> verify(
      LibC.Functions libc, int uid, int gid, int[] groups, boolean tryRegainingRoot) {
    List<String> wrong = new ArrayList<>();
    IntByReference real = new IntByReference();
    IntByReference effective = new IntByReference();
    IntByReference saved = new IntByReference();
    if (libc.getresuid(real, effective, saved) != 0) {
      wrong.add("getresuid: " + PosixException.describe(LibC.errno()));
    } else {
      expectIds(wrong, "getresuid", uid, real.intValue(), effective.intValue(), saved.intValue());
    }
    if (libc.getresgid(real, effective, saved) != 0) {
      wrong.add("getresgid: " + PosixException.describe(LibC.errno()));
    } else {
      expectIds(wrong, "getresgid", gid, real.intValue(), effective.intValue(), saved.intValue());
    }
    if (tryRegainingRoot && libc.setuid(0) == 0) {
      wrong.add("setuid(0) succeeded");
    }
    try {
      List<String> status = Files.readAllLines(STATUS, StandardCharsets.UTF_8);
      expectField(wrong, "/proc/self/status", status, "CapEff:", "0000000000000000");
      expectField(wrong, "/proc/self/status", status, "CapPrm:", "0000000000000000");
      expectField(wrong, "/proc/self/status", status, "NoNewPrivs:", "1");
      verifyThreads(wrong, uid, gid, groups);
    } catch (IOException e) {
      wrong.add("cannot read /proc: " + e);
    }
    return wrong;
  }

  private static void verifyThreads(List<String> wrong, int uid, int gid, int[] groups)
      throws IOException {
    String ids = uid + " " + uid + " " + uid + " " + uid;
    String gids = gid + " " + gid + " " + gid + " " + gid;
    String groupList = sortedGroups(groups);
    List<Path> tasks;
    try (Stream<Path> entries = Files.list(TASKS)) {
      tasks = entries.toList();
    }
    for (Path task : tasks) {
      List<String> status;
      try {
        status = Files.readAllLines(task.resolve("status"), StandardCharsets.UTF_8);
      } catch (NoSuchFileException ended) {
        continue; // the thread has ended since the listing: it runs nothing any more
      }
      String where = "thread " + task.getFileName();
      expectField(wrong, where, status, "Uid:", ids);
      expectField(wrong, where, status, "Gid:", gids);
      expectField(wrong, where, status, "NoNewPrivs:", "1");
      String actualGroups = field(status, "Groups:");
      if (actualGroups == null || !sortedGroups(parse(actualGroups)).equals(groupList)) {
        wrong.add(where + " Groups: " + actualGroups + ", expected " + groupList);
      }
    }
  }

  private static void expectIds(List<String> wrong, String call, int want, int... actual) {
    for (int each : actual) {
      if (each != want) {
        wrong.add(call + " = " + Arrays.toString(actual) + ", expected " + want);
        return;
      }
    }
  }

  private static void expectField(
      List<String> wrong, String where, List<String> status, String name, String want) {
    String actual = field(status, name);
    if (!want.equals(actual)) {
      wrong.add(where + " " + name + " " + actual + ", expected " + want);
    }
  }

  /** The value of a {@code /proc/.../status} line, whitespace collapsed, or null. */
  private static String field(List<String> status, String name) {
    for (String line : status) {
      if (line.startsWith(name)) {
        return line.substring(name.length()).trim().replaceAll("\\s+", " ");
      }
    }
    return null;
  }

  private static int[] parse(String numbers) {
    if (numbers.isEmpty()) {
      return new int[0];
    }
    return Arrays.stream(numbers.split(" ")).mapToInt(Integer::parseInt).toArray();
  }

  private static String sortedGroups(int[] groups) {
    TreeSet<Integer> sorted = new TreeSet<>();
    for (int each : groups) {
      sorted.add(each);
    }
    return sorted.toString();
  }

  /**
   * Runs every check once while still root, so that the classes they need (ours, jnr-ffi's, the
   * JDK's) are loaded while every jar can still be read; the results do not matter.
   */
  private static void warmUp() throws PrivilegeDropException {
    try {
      Class.forName(PosixException.class.getName());
      Class.forName(PrivilegeDropException.class.getName());
      PosixException.describe(LibC.EPERM);
      new PosixException("warm-up", LibC.EPERM).getMessage();
      verify(LibC.get(), Integer.MAX_VALUE, Integer.MAX_VALUE, new int[] {0}, false);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new PrivilegeDropException("cannot load what the privilege drop needs", e);
    }
  }
}
