package org.perchild.testsupport;

import java.util.ArrayList;
import java.util.List;

/** The command lines of the real TLS clients the tests run against 127.0.0.1: curl and openssl. */
public final class TlsClients {

  private TlsClients() {}

  /**
   * {@code curl} over TLS to {@code https://host:port/path}, {@code host} resolved to 127.0.0.1 (so
   * SNI and {@code Host} name it), certificates not verified (the tests' are self-signed).
   *
   * @param version {@code --http2} or {@code --http1.1}
   * @param more more options, before the URL
   */
  public static List<String> curl(
      String host, int port, String path, String version, String... more) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "curl",
                "-sS",
                "-k",
                "--max-time",
                "20",
                version,
                "--resolve",
                host + ":" + port + ":127.0.0.1"));
    command.addAll(List.of(more));
    command.add("https://" + host + ":" + port + path);
    return command;
  }

  /** {@code openssl s_client} to 127.0.0.1:{@code port} with {@code options}. */
  public static List<String> sClient(int port, String... options) {
    List<String> command =
        new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port));
    command.addAll(List.of(options));
    return command;
  }
}
