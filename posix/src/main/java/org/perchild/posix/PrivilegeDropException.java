package org.perchild.posix;

/**
 * Dropping root failed or could not be proven ({@link PrivilegeDrop}). The process must not go on:
 * a child exits with the fatal code so that the launcher does not respawn it in a loop. The cause,
 * if any, is the {@link PosixException} of the call that failed.
 */
public final class PrivilegeDropException extends Exception {

  private static final long serialVersionUID = 1L;

  PrivilegeDropException(String message) {
    super(message);
  }

  PrivilegeDropException(String message, Throwable cause) {
    super(message, cause);
  }
}
