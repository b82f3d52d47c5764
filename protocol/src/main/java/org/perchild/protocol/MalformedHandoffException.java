package org.perchild.protocol;

/** A hand-off message that is not exactly one well-formed message; the connection is closed. */
public final class MalformedHandoffException extends Exception {

  private static final long serialVersionUID = 1L;

  /** A message refused for this reason. */
  public MalformedHandoffException(String reason) {
    super("malformed hand-off message: " + reason);
  }
}
