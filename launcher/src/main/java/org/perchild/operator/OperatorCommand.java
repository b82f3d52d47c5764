package org.perchild.operator;

import java.util.Arrays;
import java.util.Locale;

/**
 * The commands of the control socket's line protocol: a client writes one of these words as one
 * line, the launcher answers one {@link OperatorReply} and closes the connection. The words are
 * httpd's {@code -k} commands, plus {@code status} for the scoreboard. {@code dump SLOT}, which
 * takes an argument, is read by {@link #dumpSlot} before these.
 */
public enum OperatorCommand {
  /** Stop at once (SIGTERM). */
  STOP("stop"),
  /** Stop once the requests in progress have ended (SIGWINCH). */
  GRACEFUL_STOP("graceful-stop"),
  /** Re-read the configuration and start new children at once (SIGHUP). */
  RESTART("restart"),
  /** Re-read the configuration; new children first, old ones finish their requests (SIGUSR1). */
  GRACEFUL("graceful"),
  /** The scoreboard, as text. */
  STATUS("status"),
  /** The scoreboard, as JSON. */
  STATUS_JSON("status json");

  /** The first word of {@code dump SLOT}: a child's Jetty dump. */
  public static final String DUMP = "dump";

  /** The longest request line a server reads: anything longer is not a command. */
  public static final int MAX_LINE = 256;

  private final String line;

  OperatorCommand(String line) {
    this.line = line;
  }

  /** The request line, without its newline. */
  public String line() {
    return line;
  }

  /** The request line that asks for the dump of {@code slot}'s child. */
  public static String dumpLine(int slot) {
    return DUMP + " " + slot;
  }

  /**
   * The slot of a {@code dump SLOT} line (blanks and case as for {@link #parse}), or 0 if the line
   * is not a dump.
   *
   * @throws IllegalArgumentException if it is a dump without a slot number from 1
   */
  public static int dumpSlot(String requestLine) {
    String[] words = requestLine.strip().split("\\s+");
    if (!words[0].toLowerCase(Locale.ROOT).equals(DUMP)) {
      return 0;
    }
    if (words.length == 2 && words[1].matches("[0-9]{1,6}") && Integer.parseInt(words[1]) > 0) {
      return Integer.parseInt(words[1]);
    }
    throw new IllegalArgumentException("usage: dump SLOT, a slot number from 1");
  }

  /**
   * The command a request line names: case and surrounding or repeated blanks do not matter.
   *
   * @throws IllegalArgumentException naming the line and the known commands
   */
  public static OperatorCommand parse(String requestLine) {
    String words = requestLine.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    for (OperatorCommand command : values()) {
      if (command.line.equals(words)) {
        return command;
      }
    }
    throw new IllegalArgumentException(
        "unknown command '"
            + (requestLine.length() > 40 ? requestLine.substring(0, 40) + "..." : requestLine)
                .strip()
            + "': not one of "
            + String.join(", ", Arrays.stream(values()).map(OperatorCommand::line).toList()));
  }
}
