package org.perchild.posix;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SocketChannelsTest {

  /** Run in a JVM of its own, started without the add-opens flag. */
  static final class WithoutAddOpens {
    public static void main(String[] args) throws Exception {
      int fd = Native.posix().open("/dev/null", 0, 0);
      try {
        SocketChannels.adopt(fd, StandardProtocolFamily.INET);
      } catch (IllegalStateException expected) {
        System.err.println("refused: " + expected.getMessage());
        System.exit(3);
      }
      System.exit(1);
    }
  }

  @Test
  @Timeout(60)
  void withoutTheAddOpensFlagTheErrorNamesIt() throws Exception {
    Process java =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                WithoutAddOpens.class.getName())
            .redirectErrorStream(true)
            .start();
    String output = new String(java.getInputStream().readAllBytes(), UTF_8);
    assertTrue(java.waitFor(30, TimeUnit.SECONDS));

    assertEquals(3, java.exitValue(), output);
    assertTrue(output.contains("refused: "), output);
    assertTrue(output.contains(SocketChannels.ADD_OPENS), output);
  }
}
