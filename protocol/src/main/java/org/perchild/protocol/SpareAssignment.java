package org.perchild.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.perchild.posix.Descriptors;
import org.perchild.posix.PosixException;
import org.perchild.posix.ReceivedPacket;
import org.perchild.posix.SeqPacketChannel;

/**
 * What turns a spare child ({@link ProcessCommand#spare}) into a tenant's child: the launcher sends
 * it on the spare's control channel, the spare reads it before anything else and from then on is
 * the child a spawn with these arguments and descriptors would have started. Four packets, in this
 * order:
 *
 * <pre>
 * SPARE-FD log        + its standard output and error (the group's error log)
 * SPARE-FD handoff    + its end of the hand-off channel
 * SPARE-FD config     + its part of the configuration (a memory file)
 * BECOME\n&lt;environment, a variable a line&gt;\n\n&lt;the child's argv, an argument a line&gt;
 * </pre>
 *
 * <p>The spare says {@code SPARE-READY} once it waits ({@link #sayWaiting}), which the launcher
 * reads without blocking ({@link #waitingSaid}). A channel that ends first (the launcher has gone,
 * or no longer wants the spare) is {@link #receive}'s empty answer; anything else out of this order
 * is an {@link IOException}.
 *
 * @param arguments the child's command line after its class name
 * @param environment its variables, {@code NAME=value}, set over the spare's own
 * @param logFd its standard output and error
 * @param handoffFd its end of the hand-off channel
 * @param configFd its configuration
 */
public record SpareAssignment(
    ChildArguments arguments, List<String> environment, int logFd, int handoffFd, int configFd) {

  /** The longest {@code BECOME} the spare reads: paths and names, a few KiB at most. */
  static final int MAX_BYTES = 64 * 1024;

  private static final String FD = "SPARE-FD ";
  private static final String WAITING = "SPARE-READY";
  private static final String BECOME = "BECOME";
  private static final List<String> FD_NAMES = List.of("log", "handoff", "config");

  public SpareAssignment {
    environment = List.copyOf(environment);
    for (String variable : environment) {
      if (variable.indexOf('=') <= 0 || variable.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("not NAME=value: '" + variable + "'");
      }
    }
  }

  /**
   * Sends it on {@code channel}, the launcher's end of a spare's control channel; the spare may
   * still be starting: the packets wait in the channel.
   *
   * @throws PosixException if the channel is gone (the spare has exited)
   */
  public void send(SeqPacketChannel channel) throws PosixException {
    int[] fds = {logFd, handoffFd, configFd};
    for (int i = 0; i < fds.length; i++) {
      sent(channel.send((FD + FD_NAMES.get(i)).getBytes(StandardCharsets.US_ASCII), fds[i]));
    }
    sent(channel.send(becomeText().getBytes(StandardCharsets.UTF_8), -1));
  }

  private static void sent(SeqPacketChannel.SendResult result) throws PosixException {
    if (result != SeqPacketChannel.SendResult.SENT) {
      throw new PosixException("the spare's channel: " + result, 0);
    }
  }

  /** The {@code BECOME} packet's text. */
  String becomeText() {
    StringBuilder out = new StringBuilder(BECOME).append('\n');
    for (String variable : environment) {
      out.append(variable).append('\n');
    }
    out.append('\n');
    List<String> argv = arguments.toArgv();
    for (String arg : argv) {
      if (arg.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("an argument with a line break: '" + arg + "'");
      }
    }
    return out.append(String.join("\n", argv)).toString();
  }

  /** The spare's {@code SPARE-READY}: it has prepared and waits for its assignment. */
  public static void sayWaiting(SeqPacketChannel channel) throws PosixException {
    sent(channel.send(WAITING.getBytes(StandardCharsets.US_ASCII), -1));
  }

  /**
   * Whether the spare at the other end of {@code channel} (the launcher's) has said {@code
   * SPARE-READY} since the last call: one non-blocking receive.
   *
   * @throws IOException if the channel failed or ended (the spare has gone), or carried anything
   *     else
   */
  public static boolean waitingSaid(SeqPacketChannel channel) throws IOException {
    ReceivedPacket packet = channel.receiveNonBlocking(MAX_BYTES);
    if (packet.status() == ReceivedPacket.Status.NOTHING_YET) {
      return false;
    }
    if (packet.hasFd()) {
      Descriptors.close(packet.fd());
    }
    if (packet.isMessage()
        && new String(packet.payload(), StandardCharsets.US_ASCII).equals(WAITING)) {
      return true;
    }
    throw new IOException("the spare's channel: " + describe(packet));
  }

  /**
   * Reads an assignment from {@code channel}, the spare's end, blocking until it has come whole.
   * Descriptors of a refused assignment are closed.
   *
   * @return empty if the channel ended before the first packet (the spare is not wanted)
   * @throws IOException if it ended in the middle, or a packet is not the one due
   */
  public static java.util.Optional<SpareAssignment> receive(SeqPacketChannel channel)
      throws IOException {
    int[] fds = {-1, -1, -1};
    try {
      for (int i = 0; i < fds.length; i++) {
        ReceivedPacket packet = channel.receive(MAX_BYTES);
        if (packet.isEndOfStream() && i == 0) {
          return java.util.Optional.empty();
        }
        if (packet.hasFd()) {
          fds[i] = packet.fd();
        }
        String text =
            packet.isMessage() ? new String(packet.payload(), StandardCharsets.US_ASCII) : "";
        if (!text.equals(FD + FD_NAMES.get(i)) || !packet.hasFd()) {
          throw new IOException(
              "expected '" + FD + FD_NAMES.get(i) + "' with a descriptor, got " + describe(packet));
        }
      }
      ReceivedPacket packet = channel.receive(MAX_BYTES);
      if (!packet.isMessage() || packet.hasFd()) {
        throw new IOException("expected " + BECOME + ", got " + describe(packet));
      }
      SpareAssignment assignment =
          parseBecome(new String(packet.payload(), StandardCharsets.UTF_8), fds);
      fds = null;
      return java.util.Optional.of(assignment);
    } finally {
      if (fds != null) {
        for (int fd : fds) {
          if (fd >= 0) {
            Descriptors.close(fd);
          }
        }
      }
    }
  }

  /** Reads {@link #becomeText()} back, with the descriptors received before it. */
  static SpareAssignment parseBecome(String text, int[] fds) throws IOException {
    String[] lines = text.split("\n", -1);
    if (lines.length < 2 || !lines[0].equals(BECOME)) {
      throw new IOException("not a " + BECOME + " packet");
    }
    List<String> environment = new ArrayList<>();
    int i = 1;
    while (i < lines.length && !lines[i].isEmpty()) {
      environment.add(lines[i++]);
    }
    if (i == lines.length) {
      throw new IOException(BECOME + " without the blank line before the arguments");
    }
    String[] argv = Arrays.copyOfRange(lines, i + 1, lines.length);
    try {
      return new SpareAssignment(ChildArguments.parse(argv), environment, fds[0], fds[1], fds[2]);
    } catch (IllegalArgumentException e) {
      throw new IOException(BECOME + " refused: " + e.getMessage(), e);
    }
  }

  private static String describe(ReceivedPacket packet) {
    if (packet.isEndOfStream()) {
      return "the end of the channel";
    }
    if (!packet.isMessage()) {
      return "a packet of status " + packet.status();
    }
    String text = new String(packet.payload(), StandardCharsets.US_ASCII);
    return "'" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "'";
  }
}
