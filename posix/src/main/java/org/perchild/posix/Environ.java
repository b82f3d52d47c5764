package org.perchild.posix;

/**
 * The process's C environment ({@code environ}). Java reads it once, when {@code System.getenv} is
 * first called, so a variable set here before that call is what the JVM's code sees too; after it,
 * only native code and the C library do.
 */
public final class Environ {

  private Environ() {}

  /** {@code setenv(name, value, 1)}: sets or replaces the variable. */
  public static void set(String name, String value) throws PosixException {
    if (name.isEmpty() || name.indexOf('=') >= 0) {
      throw new IllegalArgumentException("not a variable name: '" + name + "'");
    }
    if (LibC.get().setenv(name, value, 1) != 0) {
      throw PosixException.lastError("setenv(" + name + ")");
    }
  }
}
