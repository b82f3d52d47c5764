package org.perchild.launcher;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.perchild.config.ServerConfig;
import org.perchild.operator.OperatorClient;
import org.perchild.operator.OperatorCommand;
import org.perchild.operator.OperatorReply;
import org.perchild.operator.OperatorSocket;
import org.perchild.protocol.ExitCodes;

/**
 * {@code perchild -k start} (and {@code perchild} without {@code -D FOREGROUND}): starts the
 * launcher in the background, as httpd does. Java cannot fork itself, so it runs {@code
 * bin/perchild} again with {@code -D FOREGROUND} in a new session ({@code setsid}), stdin from
 * {@code /dev/null} and stdout and stderr appended to the error log, then waits until the new
 * launcher answers {@code status} on its control socket. Success prints nothing (as httpd); failure
 * prints the end of the error log.
 */
final class Daemon {

  static final Duration START_WAIT = Duration.ofSeconds(120);
  private static final int TAIL_LINES = 20;

  private Daemon() {}

  static int start(String[] args, ServerConfig config, PrintStream err) {
    Path socket = OperatorSocket.pathFor(config.pidFile());
    if (OperatorClient.answers(socket)) {
      err.println("perchild: already running (a launcher answers on " + socket + ")");
      return ExitCodes.CLI_OK;
    }
    Path log = config.mainServer().errorLog();
    List<String> argv = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      argv.add("/usr/bin/setsid"); // its own session: no terminal's SIGHUP or Ctrl-C reaches it
    }
    argv.add(Path.of(home(), "bin", "perchild").toString());
    argv.addAll(foregroundArguments(args));
    Process launcher;
    long logStart;
    try {
      Files.createDirectories(log.getParent());
      logStart = Files.exists(log) ? Files.size(log) : 0;
      launcher =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      err.println("perchild: cannot start " + argv + ": " + e.getMessage());
      return ExitCodes.CLI_FAILED;
    }
    long deadline = System.nanoTime() + START_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!launcher.isAlive()) {
        err.println(
            "perchild: the server did not start (exit code "
                + launcher.exitValue()
                + "); the error log "
                + log
                + " says:");
        tail(log, logStart, err);
        return launcher.exitValue() == ExitCodes.CLI_REFUSED
            ? ExitCodes.CLI_REFUSED
            : ExitCodes.CLI_FAILED;
      }
      try {
        OperatorReply reply = OperatorClient.send(socket, OperatorCommand.STATUS);
        if (reply.ok()) {
          return ExitCodes.CLI_OK;
        }
      } catch (IOException e) {
        // not listening yet
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ExitCodes.CLI_FAILED;
      }
    }
    err.println(
        "perchild: the server (pid "
            + launcher.pid()
            + ") did not answer on "
            + socket
            + " within "
            + START_WAIT.toSeconds()
            + " s; the error log "
            + log
            + " says:");
    tail(log, logStart, err);
    return ExitCodes.CLI_FAILED;
  }

  /** The same arguments, without {@code -k start}, with {@code -D FOREGROUND}. */
  static List<String> foregroundArguments(String[] args) {
    List<String> out = new ArrayList<>(Arrays.asList(args));
    for (int i = 0; i + 1 < out.size(); i++) {
      if (out.get(i).equals("-k") && out.get(i + 1).equals("start")) {
        out.remove(i + 1);
        out.remove(i);
        break;
      }
    }
    out.add("-D");
    out.add("FOREGROUND");
    return out;
  }

  private static String home() {
    String home = System.getProperty("perchild.home");
    return home != null ? home : ".";
  }

  /** The last lines written to the log since {@code from}. */
  private static void tail(Path log, long from, PrintStream err) {
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long start = Math.max(from, file.length() - 16384);
      byte[] bytes = new byte[(int) (file.length() - start)];
      file.seek(start);
      file.readFully(bytes);
      List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      for (String line : lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size())) {
        err.println("  " + line);
      }
    } catch (IOException e) {
      err.println("  (cannot read " + log + ": " + e.getMessage() + ")");
    }
  }
}
