package org.perchild.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import org.perchild.config.ServerConfig;
import org.perchild.operator.OperatorClient;
import org.perchild.operator.OperatorCommand;
import org.perchild.operator.OperatorReply;
import org.perchild.operator.OperatorSocket;
import org.perchild.protocol.ExitCodes;

/**
 * {@code perchild -k stop|restart|graceful|graceful-stop}, {@code perchild status} and {@code
 * perchild dump SLOT}: one command over the running launcher's control socket. A stop waits until
 * the launcher has gone, so that an init system's {@code ExecStop} returns when the server has
 * stopped.
 */
final class OperatorCommands {

  /** How long a stop may take: the launcher's own stop timeout and its SIGKILLs, with room. */
  static final Duration STOP_WAIT = Duration.ofSeconds(60);

  private OperatorCommands() {}

  /** {@code -k command}; returns the exit code. */
  static int signal(ServerConfig config, String signal, PrintStream err) {
    OperatorCommand command = OperatorCommand.parse(signal);
    Path socket = OperatorSocket.pathFor(config.pidFile());
    OperatorReply reply = send(socket, command, err);
    if (reply == null) {
      return ExitCodes.CLI_REFUSED;
    }
    if (!reply.ok()) {
      err.print("perchild: -k " + signal + ": " + reply.text());
      return ExitCodes.CLI_REFUSED;
    }
    if (command == OperatorCommand.STOP || command == OperatorCommand.GRACEFUL_STOP) {
      if (!reply.text().strip().equals("stopping")) {
        err.print("perchild: " + reply.text());
      }
      return awaitGone(socket, err);
    }
    return ExitCodes.CLI_OK;
  }

  /** {@code status [--json]}; prints the scoreboard. */
  static int status(ServerConfig config, boolean json, PrintStream out, PrintStream err) {
    Path socket = OperatorSocket.pathFor(config.pidFile());
    OperatorReply reply =
        send(socket, json ? OperatorCommand.STATUS_JSON : OperatorCommand.STATUS, err);
    if (reply == null) {
      return ExitCodes.CLI_REFUSED;
    }
    if (!reply.ok()) {
      err.print("perchild: status: " + reply.text());
      return ExitCodes.CLI_REFUSED;
    }
    out.print(reply.text());
    return ExitCodes.CLI_OK;
  }

  /** {@code dump SLOT}; prints that slot's child's Jetty dump. */
  static int dump(ServerConfig config, int slot, PrintStream out, PrintStream err) {
    Path socket = OperatorSocket.pathFor(config.pidFile());
    OperatorReply reply = send(socket, OperatorCommand.dumpLine(slot), err);
    if (reply == null) {
      return ExitCodes.CLI_REFUSED;
    }
    if (!reply.ok()) {
      err.print("perchild: dump " + slot + ": " + reply.text());
      return ExitCodes.CLI_REFUSED;
    }
    out.print(reply.text());
    return ExitCodes.CLI_OK;
  }

  /** The reply, or {@code null} after saying on {@code err} why there is none. */
  private static OperatorReply send(Path socket, OperatorCommand command, PrintStream err) {
    return send(socket, command.line(), err);
  }

  private static OperatorReply send(Path socket, String line, PrintStream err) {
    try {
      return OperatorClient.send(socket, line);
    } catch (OperatorClient.NoServerException e) {
      // As apachectl's "httpd (no pid file) not running".
      err.println("perchild: no server is running (" + e.getMessage() + ")");
    } catch (IOException e) {
      err.println(
          "perchild: "
              + e.getMessage()
              + (e.getMessage().contains("Permission denied")
                  ? " (the control socket is root's: run this as root)"
                  : ""));
    }
    return null;
  }

  private static int awaitGone(Path socket, PrintStream err) {
    long deadline = System.nanoTime() + STOP_WAIT.toNanos();
    while (OperatorClient.answers(socket)) {
      if (System.nanoTime() > deadline) {
        err.println(
            "perchild: the server is still running after "
                + STOP_WAIT.toSeconds()
                + " s: see the error log");
        return ExitCodes.CLI_REFUSED;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ExitCodes.CLI_REFUSED;
      }
    }
    return ExitCodes.CLI_OK;
  }
}
