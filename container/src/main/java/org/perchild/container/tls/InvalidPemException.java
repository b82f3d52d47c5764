package org.perchild.container.tls;

import java.io.IOException;

/**
 * A certificate or key file that cannot be served: unreadable, not PEM, encrypted, or a key that
 * does not belong to its certificate. The message names the file and says what to do, for the
 * tenant's error log.
 */
public final class InvalidPemException extends IOException {

  private static final long serialVersionUID = 1L;

  public InvalidPemException(String message) {
    super(message);
  }

  public InvalidPemException(String message, Throwable cause) {
    super(message, cause);
  }
}
