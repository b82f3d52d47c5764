package org.perchild.container.threads;

/**
 * How a {@link SpareThreadPool} names where its threads are: one line per thread in Jetty's {@code
 * dump()}, and the top frame of each thread a stop could not end, in its warning. Apart from the
 * pool because neither touches its counts: they read stack traces, which is slow and only done on
 * the cold paths.
 */
final class PoolThreadDump {

  private PoolThreadDump() {}

  /**
   * The dump line of one pool thread in {@code state} ({@code BUSY}, {@code ENDING} or {@code IDLE
   * <n>ms}): an idle thread is parked in the pool, so its frame would say nothing.
   */
  static String line(Thread thread, String state) {
    return thread.getName()
        + " "
        + state
        + (state.startsWith("IDLE") ? "" : " " + topFrame(thread));
  }

  /** Where a thread is: its top frame, and the first frame outside the JDK if that differs. */
  static String topFrame(Thread thread) {
    StackTraceElement[] trace = thread.getStackTrace();
    if (trace.length == 0) {
      return "@ ???";
    }
    for (StackTraceElement frame : trace) {
      String type = frame.getClassName();
      if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")) {
        return frame == trace[0] ? "@ " + frame : "@ " + trace[0] + " in " + frame;
      }
    }
    return "@ " + trace[0];
  }
}
