package org.perchild.container.handoff;

import java.io.IOException;

/**
 * A hand-off this child closes on purpose, for a reason it has already logged once (a virtual host
 * whose TLS did not load): counted as a failed hand-off, not logged again for each connection.
 */
public final class RefusedConnectionException extends IOException {

  private static final long serialVersionUID = 1L;

  public RefusedConnectionException(String message) {
    super(message);
  }
}
