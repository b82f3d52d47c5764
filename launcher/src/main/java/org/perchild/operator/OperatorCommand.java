package org.perchild.operator;

import java.util.Arrays;
import java.util.Locale;

/**
 * The commands of the control socket's line protocol: a client writes one of these words as one
 * line, the launcher answers one {@link OperatorReply} and closes the connection. The words are
 * httpd's {@code -k} commands, plus {@code status} for the scoreboard.
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
