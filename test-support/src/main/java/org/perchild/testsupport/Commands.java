package org.perchild.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a real program (curl, id, useradd, kill …) as the tests do, with a bound on its time. */
public final class Commands {

  private static final long LIMIT_SECONDS = 60;

  private Commands() {}

  /** Runs {@code command}; fails the test unless it exits 0 in time; returns its output. */
  public static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS), String.join(" ", command));
    assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + out);
    return out;
  }

  /** Runs {@code command}, whatever its exit: {@code "exit N\n"} and its output. */
  public static String runStatus(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS), String.join(" ", command));
    return "exit " + process.exitValue() + "\n" + out;
  }

  /**
   * Runs {@code command} with {@code input} on its standard input (then its end), whatever its
   * exit; its output and error output together. For clients such as {@code openssl s_client} whose
   * exit says little.
   */
  public static String output(String input, List<String> command)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (var in = process.getOutputStream()) {
      in.write(input.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS), String.join(" ", command));
    return out;
  }
}
