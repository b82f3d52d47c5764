package org.perchild.posix;

import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The C library calls this package makes directly through jnr-ffi. jnr-posix lacks some of them
 * ({@code setgroups}, {@code setresuid}, {@code prctl}, …); for others its wrappers lose the error
 * ({@code posix_spawnp} returns -1 without the error number, and its signal-mask attributes throw
 * "not yet supported"); for {@code sendmsg}/{@code recvmsg} we lay out the {@code msghdr} ourselves
 * to control every buffer and read {@code msg_flags}. Every function here saves {@code errno}; read
 * it with {@link #errno()} right after the call, on the same thread.
 *
 * <p>Constants are Linux's (x86-64, aarch64 and the other architectures with the generic socket and
 * signal numbers); Perchild runs on Linux only.
 */
final class LibC {

  static final int AF_UNIX = 1;
  static final int SOCK_SEQPACKET = 5;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int SOL_SOCKET = 1;
  static final int SCM_RIGHTS = 1;
  static final int MSG_CTRUNC = 0x08;
  static final int MSG_TRUNC = 0x20;
  static final int MSG_DONTWAIT = 0x40;
  static final int MSG_NOSIGNAL = 0x4000;
  static final int MSG_CMSG_CLOEXEC = 0x40000000;
  static final int SHUT_RDWR = 2;

  static final int EPERM = 1;
  static final int ESRCH = 3;
  static final int EINTR = 4;
  static final int ECHILD = 10;
  static final int EAGAIN = 11;
  static final int EFBIG = 27;
  static final int ENOSYS = 38;

  static final int F_GETFD = 1;
  static final int F_SETFD = 2;
  static final int F_DUPFD_CLOEXEC = 1030;
  static final int FD_CLOEXEC = 1;
  static final int O_RDWR = 2;
  static final int O_CLOEXEC = 0x80000;

  static final int WNOHANG = 1;

  static final int MFD_CLOEXEC = 0x0001;
  static final int MFD_ALLOW_SEALING = 0x0002;
  static final int F_ADD_SEALS = 1033;
  static final int F_SEAL_SEAL = 0x0001;
  static final int F_SEAL_SHRINK = 0x0002;
  static final int F_SEAL_GROW = 0x0004;
  static final int F_SEAL_WRITE = 0x0008;
  static final int SEEK_SET = 0;

  static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  static final short POSIX_SPAWN_SETSIGMASK = 0x08;

  static final int PR_SET_NO_NEW_PRIVS = 38;

  static final int SECCOMP_SET_MODE_FILTER = 1;
  static final int SECCOMP_FILTER_FLAG_TSYNC = 1;

  /** {@code struct sock_filter} for {@code BPF_RET | BPF_K} with {@code SECCOMP_RET_ALLOW}. */
  static final short BPF_RET_K = 0x06;

  static final int SECCOMP_RET_ALLOW = 0x7fff0000;

  /** The {@code seccomp} system call number, which glibc has no wrapper for; -1 if unknown. */
  static long seccompSyscall() {
    return switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> 317;
      case "aarch64", "riscv64" -> 277;
      case "ppc64le", "ppc64" -> 358;
      case "s390x" -> 348;
      default -> -1;
    };
  }

  /** glibc's {@code sigset_t} is 1024 bits; allocate that much whatever the C type is. */
  static final int SIGSET_BYTES = 128;

  /**
   * Opaque glibc spawn structures ({@code posix_spawn_file_actions_t} is 80 bytes, {@code
   * posix_spawnattr_t} 336 on x86-64); we allocate more than enough and let libc initialise them.
   */
  static final int SPAWN_STRUCT_BYTES = 1024;

  private LibC() {}

  /**
   * The functions. Public only because jnr-ffi implements it in a class loader of its own; the
   * enclosing class keeps it out of reach of other packages.
   */
  public interface Functions {
    int socketpair(int domain, int type, int protocol, @Out int[] fds);

    int close(int fd);

    int shutdown(int fd, int how);

    int pipe2(@Out int[] fds, int flags);

    int fcntl(int fd, int cmd, int arg);

    int dup2(int oldFd, int newFd);

    int setenv(String name, String value, int overwrite);

    int setpriority(int which, int who, int prio);

    /** glibc 2.27 and later. */
    int memfd_create(String name, int flags);

    long lseek(int fd, long offset, int whence);

    @ssize_t
    long sendmsg(int fd, Pointer msghdr, int flags);

    @ssize_t
    long recvmsg(int fd, Pointer msghdr, int flags);

    @ssize_t
    long read(int fd, @Out byte[] buf, @size_t long count);

    @ssize_t
    long write(int fd, @In byte[] buf, @size_t long count);

    int waitpid(int pid, @Out int[] status, int options);

    int kill(int pid, int signal);

    int posix_spawnp(
        @Out IntByReference pid,
        String file,
        Pointer fileActions,
        Pointer attributes,
        Pointer argv,
        Pointer envp);

    int posix_spawn_file_actions_init(Pointer fileActions);

    int posix_spawn_file_actions_destroy(Pointer fileActions);

    int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);

    int posix_spawn_file_actions_addclose(Pointer fileActions, int fd);

    int posix_spawn_file_actions_addopen(
        Pointer fileActions, int fd, String path, int flags, int mode);

    /** glibc 2.34 and later; older ones throw {@link UnsatisfiedLinkError} when it is called. */
    int posix_spawn_file_actions_addclosefrom_np(Pointer fileActions, int from);

    int posix_spawnattr_init(Pointer attributes);

    int posix_spawnattr_destroy(Pointer attributes);

    int posix_spawnattr_setflags(Pointer attributes, short flags);

    int posix_spawnattr_setsigmask(Pointer attributes, Pointer sigset);

    int posix_spawnattr_setsigdefault(Pointer attributes, Pointer sigset);

    int sigemptyset(Pointer sigset);

    int getgrouplist(String user, int group, @Out int[] groups, @In @Out IntByReference groupCount);

    int setgroups(@size_t long size, @In int[] groups);

    int getgroups(int size, @Out int[] groups);

    int setresuid(int ruid, int euid, int suid);

    int setresgid(int rgid, int egid, int sgid);

    int getresuid(@Out IntByReference ruid, @Out IntByReference euid, @Out IntByReference suid);

    int getresgid(@Out IntByReference rgid, @Out IntByReference egid, @Out IntByReference sgid);

    int setuid(int uid);

    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    long syscall(long number, long arg1, long arg2, Pointer arg3);

    int renameat2(int olddirfd, String oldpath, int newdirfd, String newpath, int flags);
  }

  /** The loaded library, created on first use. */
  static Functions get() {
    return Holder.LIBC;
  }

  /** The {@code errno} the last call on this thread saved. */
  static int errno() {
    return jnr.ffi.LastError.getLastError(Holder.RUNTIME);
  }

  /** The jnr-ffi runtime the library was bound with, for allocating native memory. */
  static Runtime runtime() {
    return Holder.RUNTIME;
  }

  /** Lazy holder: loading libc binds every function at once. */
  private static final class Holder {
    static final Functions LIBC =
        LibraryLoader.create(Functions.class).option(LibraryOption.SaveError, true).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    private Holder() {}
  }
}
