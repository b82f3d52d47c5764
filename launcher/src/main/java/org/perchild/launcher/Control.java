package org.perchild.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import org.perchild.config.ServerConfig;
import org.perchild.control.ControlClient;
import org.perchild.control.ControlCommand;
import org.perchild.control.ControlReply;
import org.perchild.control.ControlSocket;

/**
 * {@code perchild -k stop|restart|graceful|graceful-stop} and {@code perchild status}: one command
 * over the running launcher's control socket. A stop waits until the launcher has gone, so that an
 * init system's {@code ExecStop} returns when the server has stopped.
 */
final class Control {

  /** How long a stop may take: the launcher's own stop timeout and its SIGKILLs, with room. */
  static final Duration STOP_WAIT = Duration.ofSeconds(60);

  private Control() {}

  /** {@code -k command}; returns the exit code. */
  static int signal(ServerConfig config, String signal, PrintStream err) {
    ControlCommand command = ControlCommand.parse(signal);
    Path socket = ControlSocket.pathFor(config.pidFile());
    ControlReply reply = send(socket, command, err);
    if (reply == null) {
      return 1;
    }
    if (!reply.ok()) {
      err.print("perchild: -k " + signal + ": " + reply.text());
      return 1;
    }
    if (command == ControlCommand.STOP || command == ControlCommand.GRACEFUL_STOP) {
      if (!reply.text().strip().equals("stopping")) {
        err.print("perchild: " + reply.text());
      }
      return awaitGone(socket, err);
    }
    return 0;
  }

  /** {@code status [--json]}; prints the scoreboard. */
  static int status(ServerConfig config, boolean json, PrintStream out, PrintStream err) {
    Path socket = ControlSocket.pathFor(config.pidFile());
    ControlReply reply =
        send(socket, json ? ControlCommand.STATUS_JSON : ControlCommand.STATUS, err);
    if (reply == null) {
      return 1;
    }
    if (!reply.ok()) {
      err.print("perchild: status: " + reply.text());
      return 1;
    }
    out.print(reply.text());
    return 0;
  }

  /** The reply, or {@code null} after saying on {@code err} why there is none. */
  private static ControlReply send(Path socket, ControlCommand command, PrintStream err) {
    try {
      return ControlClient.send(socket, command);
    } catch (ControlClient.NoServerException e) {
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
    while (ControlClient.answers(socket)) {
      if (System.nanoTime() > deadline) {
        err.println(
            "perchild: the server is still running after "
                + STOP_WAIT.toSeconds()
                + " s: see the error log");
        return 1;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 1;
      }
    }
    return 0;
  }
}
