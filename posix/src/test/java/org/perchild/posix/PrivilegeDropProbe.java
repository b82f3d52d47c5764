package org.perchild.posix;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import jnr.ffi.byref.IntByReference;

/**
 * Runs {@link PrivilegeDrop} as the first thing in {@code main}, as a child does, then reports what
 * the process really is, found out on its own: {@code key value} lines on stdout for {@link
 * PrivilegeDropTest}. Arguments: uid, gid, user name or {@code -}. Exit 0 after a drop, 2 if the
 * drop threw (the fatal code), after printing the credentials it is left with.
 */
public final class PrivilegeDropProbe {

  private PrivilegeDropProbe() {}

  public static void main(String[] args) throws Exception {
    int uid = Integer.parseInt(args[0]);
    int gid = Integer.parseInt(args[1]);
    String name = args[2].equals("-") ? null : args[2];
    // A thread of ours that exists before the drop, besides the JVM's own.
    CountDownLatch done = new CountDownLatch(1);
    Thread bystander = new Thread(() -> awaitQuietly(done), "bystander");
    bystander.start();
    int exit = 0;
    try {
      PrivilegeDrop.drop(name, uid, gid);
      System.out.println("dropped");
    } catch (PrivilegeDropException e) {
      System.out.println(
          "refused " + e.getMessage() + (e.getCause() == null ? "" : " / " + e.getCause()));
      exit = 2;
    }
    report();
    done.countDown();
    bystander.join();
    System.out.flush();
    System.exit(exit);
  }

  private static void report() throws Exception {
    LibC.Functions libc = LibC.get();
    IntByReference r = new IntByReference();
    IntByReference e = new IntByReference();
    IntByReference s = new IntByReference();
    libc.getresuid(r, e, s);
    System.out.println("resuid " + r.intValue() + " " + e.intValue() + " " + s.intValue());
    libc.getresgid(r, e, s);
    System.out.println("resgid " + r.intValue() + " " + e.intValue() + " " + s.intValue());
    List<String> status = Files.readAllLines(Path.of("/proc/self/status"));
    for (String field : List.of("CapEff:", "CapPrm:", "NoNewPrivs:", "Groups:")) {
      System.out.println(field.replace(":", "") + " " + field(status, field));
    }
    if (r.intValue() != 0) {
      int rc = libc.setuid(0);
      System.out.println(
          "setuid0 " + rc + " " + (rc == 0 ? "" : PosixException.describe(LibC.errno())));
    }
    List<Path> tasks;
    try (Stream<Path> entries = Files.list(Path.of("/proc/self/task"))) {
      tasks = entries.toList();
    }
    System.out.println("threads " + tasks.size());
    for (Path task : tasks) {
      List<String> lines = Files.readAllLines(task.resolve("status"));
      System.out.println(
          "task "
              + task.getFileName()
              + " uid="
              + field(lines, "Uid:")
              + " gid="
              + field(lines, "Gid:")
              + " groups="
              + field(lines, "Groups:")
              + " capeff="
              + field(lines, "CapEff:")
              + " nnp="
              + field(lines, "NoNewPrivs:"));
    }
    System.out.println("read-root " + Files.isReadable(Path.of("/root")));
  }

  private static String field(List<String> status, String name) {
    return status.stream()
        .filter(line -> line.startsWith(name))
        .map(line -> line.substring(name.length()).trim().replaceAll("\\s+", " "))
        .findFirst()
        .orElse("?");
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
