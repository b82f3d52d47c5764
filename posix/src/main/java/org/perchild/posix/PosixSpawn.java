package org.perchild.posix;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.IntByReference;

/**
 * Starts a program with {@code posix_spawnp} and exactly the descriptors it is given. The launcher
 * starts the acceptor and every child with it, their channel and listen descriptors already in
 * place ({@code ProcessBuilder} cannot pass extra descriptors).
 *
 * <p>What the new process gets:
 *
 * <ul>
 *   <li>each {@link InheritedFd} at its number, without close-on-exec. Every source is first
 *       duplicated here to a close-on-exec number above all sources and targets, and the child
 *       {@code dup2}s from those: so mappings can swap or overlap freely, and {@code dup2(fd, fd)}
 *       (which would leave close-on-exec set) never happens;
 *   <li>{@code /dev/null} on 0, 1 and 2 unless they are mapped, so that a stray write goes nowhere
 *       and the next file it opens never lands on a standard descriptor;
 *   <li>no other descriptor, even one this JVM (or a library in it) opened without close-on-exec:
 *       the child closes everything else ({@code closefrom}, or each descriptor listed in {@code
 *       /proc/self/fd} on a C library older than glibc 2.34);
 *   <li>an empty signal mask and default action for every signal (the JVM's threads block some, and
 *       an ignored signal would otherwise stay ignored across {@code exec});
 *   <li>exactly {@code envp} as its environment. The program is looked up in <em>this</em>
 *       process's {@code PATH} when it has no slash, as {@code posix_spawnp} does.
 * </ul>
 */
public final class PosixSpawn {

  private static final int STANDARD_FDS = 3;

  private PosixSpawn() {}

  /**
   * Starts {@code program} and returns its pid.
   *
   * @param program a path, or a name looked up in this process's {@code PATH}
   * @param argv the argument vector, {@code argv[0]} included
   * @param envp the whole environment, {@code NAME=value} entries
   * @param fds the descriptors the program gets; no child number may appear twice
   * @throws PosixException if the program could not be started (e.g. {@code ENOENT}), or a
   *     descriptor could not be prepared
   */
  public static int spawn(
      String program, List<String> argv, List<String> envp, List<InheritedFd> fds)
      throws PosixException {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("argv needs at least argv[0]");
    }
    int highest = STANDARD_FDS - 1;
    Set<Integer> targets = new HashSet<>();
    for (InheritedFd each : fds) {
      if (!targets.add(each.childFd())) {
        throw new IllegalArgumentException("child fd " + each.childFd() + " given twice");
      }
      highest = Math.max(highest, Math.max(each.parentFd(), each.childFd()));
    }
    String call = "posix_spawnp(" + program + ")";
    List<Integer> staged = new ArrayList<>();
    try {
      for (InheritedFd each : fds) {
        staged.add(Descriptors.duplicate(each.parentFd(), highest + 1));
      }
      int pid = spawnStaged(program, argv, envp, fds, staged, targets, call);
      closeStaged(staged, null);
      return pid;
    } catch (PosixException | RuntimeException e) {
      closeStaged(staged, e);
      throw e;
    }
  }

  private static int spawnStaged(
      String program,
      List<String> argv,
      List<String> envp,
      List<InheritedFd> fds,
      List<Integer> staged,
      Set<Integer> targets,
      String call)
      throws PosixException {
    LibC.Functions libc = LibC.get();
    Runtime runtime = LibC.runtime();
    Pointer actions = Memory.allocateDirect(runtime, LibC.SPAWN_STRUCT_BYTES, true);
    Pointer attributes = Memory.allocateDirect(runtime, LibC.SPAWN_STRUCT_BYTES, true);
    List<Pointer> keepAlive = new ArrayList<>();
    check(libc.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init", call);
    try {
      check(libc.posix_spawnattr_init(attributes), "posix_spawnattr_init", call);
      try {
        int highestTarget = STANDARD_FDS - 1;
        for (int i = 0; i < fds.size(); i++) {
          int target = fds.get(i).childFd();
          highestTarget = Math.max(highestTarget, target);
          check(
              libc.posix_spawn_file_actions_adddup2(actions, staged.get(i), target),
              "posix_spawn_file_actions_adddup2(fd " + staged.get(i) + ", " + target + ")",
              call);
        }
        for (int fd = 0; fd < STANDARD_FDS; fd++) {
          if (!targets.contains(fd)) {
            check(
                libc.posix_spawn_file_actions_addopen(actions, fd, "/dev/null", LibC.O_RDWR, 0),
                "posix_spawn_file_actions_addopen(fd " + fd + ", /dev/null)",
                call);
          }
        }
        for (int fd = STANDARD_FDS; fd < highestTarget; fd++) {
          if (!targets.contains(fd)) {
            check(
                libc.posix_spawn_file_actions_addclose(actions, fd),
                "posix_spawn_file_actions_addclose(fd " + fd + ")",
                call);
          }
        }
        closeFrom(actions, highestTarget + 1, call);
        resetSignals(attributes, call);
        Pointer argvArray = strings(runtime, argv, keepAlive);
        Pointer envpArray = strings(runtime, envp, keepAlive);
        IntByReference pid = new IntByReference();
        int rc = libc.posix_spawnp(pid, program, actions, attributes, argvArray, envpArray);
        Reference.reachabilityFence(argvArray);
        Reference.reachabilityFence(envpArray);
        Reference.reachabilityFence(keepAlive);
        check(rc, call, null);
        return pid.intValue();
      } finally {
        libc.posix_spawnattr_destroy(attributes);
      }
    } finally {
      libc.posix_spawn_file_actions_destroy(actions);
      Reference.reachabilityFence(actions);
      Reference.reachabilityFence(attributes);
    }
  }

  /** Closes our staging copies; a failure is thrown only if nothing else is failing. */
  private static void closeStaged(List<Integer> staged, Exception failing) throws PosixException {
    PosixException first = null;
    for (int each : staged) {
      if (failing != null) {
        Descriptors.closeAfter(failing, each);
        continue;
      }
      try {
        Descriptors.close(each);
      } catch (PosixException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /** Makes the child close every descriptor from {@code lowest} up. */
  private static void closeFrom(Pointer actions, int lowest, String call) throws PosixException {
    LibC.Functions libc = LibC.get();
    try {
      check(
          libc.posix_spawn_file_actions_addclosefrom_np(actions, lowest),
          "posix_spawn_file_actions_addclosefrom_np(" + lowest + ")",
          call);
      return;
    } catch (UnsatisfiedLinkError olderThanGlibc234) {
      // Fall back to what is open now; a descriptor opened by another thread between this
      // listing and the spawn can still leak, which closefrom would have prevented.
    }
    Set<Integer> open = new TreeSet<>();
    try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
      entries.forEach(p -> open.add(Integer.parseInt(p.getFileName().toString())));
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc/self/fd for " + call, e);
    }
    for (int fd : open) {
      if (fd >= lowest) {
        check(
            libc.posix_spawn_file_actions_addclose(actions, fd),
            "posix_spawn_file_actions_addclose(fd " + fd + ")",
            call);
      }
    }
  }

  /**
   * Empty signal mask, default action for every signal. The default set is every bit set rather
   * than {@code sigfillset}: glibc leaves its two internal signals (32 and 33) out of a filled set,
   * and its spawn code would then set them to ignored in the new program, across the exec.
   */
  private static void resetSignals(Pointer attributes, String call) throws PosixException {
    LibC.Functions libc = LibC.get();
    Runtime runtime = LibC.runtime();
    Pointer none = Memory.allocateDirect(runtime, LibC.SIGSET_BYTES, true);
    Pointer all = Memory.allocateDirect(runtime, LibC.SIGSET_BYTES, true);
    if (libc.sigemptyset(none) != 0) {
      throw PosixException.lastError("sigemptyset for " + call);
    }
    all.setMemory(0, LibC.SIGSET_BYTES, (byte) 0xff);
    check(libc.posix_spawnattr_setsigmask(attributes, none), "posix_spawnattr_setsigmask", call);
    check(
        libc.posix_spawnattr_setsigdefault(attributes, all), "posix_spawnattr_setsigdefault", call);
    check(
        libc.posix_spawnattr_setflags(
            attributes, (short) (LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF)),
        "posix_spawnattr_setflags",
        call);
  }

  /**
   * A NULL-terminated {@code char *[]} of NUL-terminated UTF-8 strings. Memory from {@code
   * allocateDirect} is freed when its Pointer is collected and the array holds only raw addresses,
   * so the string Pointers go to {@code keepAlive}, which the caller holds past the native call.
   */
  private static Pointer strings(Runtime runtime, List<String> values, List<Pointer> keepAlive) {
    int word = runtime.addressSize();
    Pointer array = Memory.allocateDirect(runtime, (long) word * (values.size() + 1), true);
    for (int i = 0; i < values.size(); i++) {
      String value = values.get(i);
      if (value.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("NUL inside an argument or environment entry");
      }
      byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
      Pointer string = Memory.allocateDirect(runtime, bytes.length + 1, true);
      string.put(0, bytes, 0, bytes.length);
      keepAlive.add(string);
      array.putAddress((long) i * word, string.address());
    }
    return array;
  }

  /** posix_spawn functions return the error number instead of setting errno. */
  private static void check(int rc, String what, String call) throws PosixException {
    if (rc != 0) {
      throw new PosixException(call == null ? what : call + ": " + what, rc);
    }
  }
}
