package org.perchild.protocol;

/**
 * One child's load at one moment: the {@code LOAD <busy> <idle> <total> <queued> <connections>
 * <requests> <bytes>} message a child sends the launcher every second on its control channel,
 * written by the child and read by the launcher (its scoreboard, {@code /server-status}, {@code
 * /metrics}) from this one definition.
 *
 * @param busy threads serving a request
 * @param idle threads waiting for work
 * @param total threads alive (busy, idle, and those the selector leases)
 * @param queued jobs waiting for a thread
 * @param connections connections handed to the child and not closed yet
 * @param requests requests answered since the child started
 * @param bytes bytes of responses written since the child started
 */
public record LoadReport(
    int busy, int idle, int total, int queued, int connections, long requests, long bytes) {

  /** No report yet. */
  public static final LoadReport NONE = new LoadReport(0, 0, 0, 0, 0, 0, 0);

  /** The control message. */
  public String message() {
    return "LOAD " + words();
  }

  /** The seven numbers, separated by blanks, as the message and the scoreboard carry them. */
  public String words() {
    return busy
        + " "
        + idle
        + " "
        + total
        + " "
        + queued
        + " "
        + connections
        + " "
        + requests
        + " "
        + bytes;
  }

  /** Parses the seven numbers from {@code from}; IllegalArgumentException if they are not. */
  public static LoadReport parse(String[] words, int from) {
    if (words.length - from != 7) {
      throw new IllegalArgumentException("LOAD takes 7 numbers, not " + (words.length - from));
    }
    long[] n = new long[7];
    for (int i = 0; i < 7; i++) {
      n[i] = Long.parseLong(words[from + i]);
      if (n[i] < 0) {
        throw new IllegalArgumentException("negative LOAD number " + n[i]);
      }
    }
    return new LoadReport((int) n[0], (int) n[1], (int) n[2], (int) n[3], (int) n[4], n[5], n[6]);
  }
}
