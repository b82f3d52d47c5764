package org.perchild.protocol;

/**
 * Puts the parts of one child's answer to {@link LauncherToChild.Dump} ({@link
 * ChildToLauncher.DumpPart}) back together, as {@link HostReports} does for {@code HOSTS}: the
 * launcher keeps one per request it is waiting for, and shows the dump only once its every part
 * arrived, in order. A part of another request, out of order or with another count spoils it: the
 * operator is told the dump was incomplete rather than shown a dump with a hole. Not thread-safe:
 * the supervisor's thread is its one user.
 *
 * <pre>
 *   WAITING ──part 1..n-1 in order──▶ WAITING ──part n──▶ COMPLETE (text)
 *      └──a part out of order, of another request or count──▶ SPOILED
 * </pre>
 */
public final class DumpParts {

  /** Where the parts stand. */
  public enum State {
    WAITING,
    COMPLETE,
    SPOILED
  }

  private final long request;
  private final StringBuilder text = new StringBuilder();
  private int parts;
  private int received;
  private State state = State.WAITING;

  /** Collects the answer to request number {@code request}. */
  public DumpParts(long request) {
    this.request = request;
  }

  /** The request whose answer this collects. */
  public long request() {
    return request;
  }

  /**
   * Adds one part.
   *
   * @return the state after it: {@link State#COMPLETE} once the last part arrived
   */
  public State add(ChildToLauncher.DumpPart part) {
    if (state != State.WAITING) {
      return state;
    }
    boolean first = received == 0;
    if (part.request() != request
        || part.part() != received + 1
        || (!first && part.parts() != parts)) {
      state = State.SPOILED;
      text.setLength(0);
      return state;
    }
    parts = part.parts();
    received = part.part();
    text.append(part.text());
    if (received == parts) {
      state = State.COMPLETE;
    }
    return state;
  }

  /** The whole dump, once {@link State#COMPLETE}. */
  public String text() {
    if (state != State.COMPLETE) {
      throw new IllegalStateException("dump " + request + " is " + state);
    }
    return text.toString();
  }

  /** How many parts have arrived, for an operator told that some did not. */
  public int received() {
    return received;
  }
}
