package org.perchild.protocol;

/**
 * The descriptor numbers a spawned process finds already open, placed there by the launcher's
 * {@code posix_spawn} file actions. Both sides use these constants: the launcher when it spawns,
 * the acceptor and the child when they adopt what they inherited. 0 is {@code /dev/null}; 1 and 2
 * are the process's error log.
 */
public final class ProcessFds {

  /** Every process's control channel to the launcher (a {@code SOCK_SEQPACKET} socketpair). */
  public static final int CONTROL = 3;

  /** The acceptor's configuration: what the launcher validated, to read to its end. */
  public static final int ACCEPTOR_CONFIG = 4;

  /** The acceptor's first listen socket; the others follow in {@code Listen} order. */
  public static final int ACCEPTOR_FIRST_LISTENER = 5;

  /** A child's hand-off channel from the acceptor. */
  public static final int CHILD_HANDOFF = 4;

  /** A child's configuration: what the launcher validated, its own part only. */
  public static final int CHILD_CONFIG = 5;

  private ProcessFds() {}
}
