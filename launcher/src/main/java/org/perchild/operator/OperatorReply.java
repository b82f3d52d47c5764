package org.perchild.operator;

/**
 * The launcher's one answer on the control socket: on the wire, {@code OK} or {@code ERROR} on the
 * first line, then the text (a message, or the scoreboard), then the connection closes.
 *
 * @param ok whether the launcher did what was asked
 * @param text what to show the operator
 */
public record OperatorReply(boolean ok, String text) {

  /** A successful reply. */
  public static OperatorReply ok(String text) {
    return new OperatorReply(true, text);
  }

  /** A refusal or a failure. */
  public static OperatorReply error(String text) {
    return new OperatorReply(false, text);
  }

  /** The reply as it is written on the socket. */
  public String encode() {
    String body = text.endsWith("\n") || text.isEmpty() ? text : text + "\n";
    return (ok ? "OK" : "ERROR") + "\n" + body;
  }

  /**
   * Reads a reply as {@link #encode()} wrote it.
   *
   * @throws IllegalArgumentException if the first line is neither {@code OK} nor {@code ERROR}
   */
  public static OperatorReply decode(String wire) {
    int newline = wire.indexOf('\n');
    String status = newline < 0 ? wire : wire.substring(0, newline);
    String text = newline < 0 ? "" : wire.substring(newline + 1);
    return switch (status) {
      case "OK" -> ok(text);
      case "ERROR" -> error(text);
      default -> throw new IllegalArgumentException("not a control reply: " + status);
    };
  }
}
