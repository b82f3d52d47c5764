package org.perchild.webapps.springboot;

import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.WebUtils;

/**
 * The sample's endpoints, each answering plain text: {@code /whoami} says which process and which
 * real user serve it, {@code /count} counts requests in the caller's {@code HttpSession}.
 */
@RestController
public class SampleController {

  /**
   * {@code uid=N}, {@code gid=N} and {@code pid=N}, one a line. The ids are the real ones from
   * {@code /proc/self/status}: {@code user.name} is fixed when the JVM starts, before a child drops
   * root, so it would name the wrong user.
   */
  @GetMapping(path = "/whoami", produces = MediaType.TEXT_PLAIN_VALUE)
  public String whoami() throws IOException {
    String uid = null;
    String gid = null;
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      // "Uid:\t<real>\t<effective>\t<saved>\t<filesystem>"
      if (line.startsWith("Uid:")) {
        uid = firstField(line);
      } else if (line.startsWith("Gid:")) {
        gid = firstField(line);
      }
    }
    return "uid=" + uid + "\ngid=" + gid + "\npid=" + ProcessHandle.current().pid() + "\n";
  }

  /**
   * Adds one to the session's count and answers the new count; the session id goes in {@code
   * X-Session-Id}, so a test can tell that its cookie kept the same session.
   */
  @GetMapping(path = "/count", produces = MediaType.TEXT_PLAIN_VALUE)
  public ResponseEntity<String> count(HttpSession session) {
    int count;
    // Two requests of one client may run at once; the session's mutex keeps the count exact.
    synchronized (WebUtils.getSessionMutex(session)) {
      Integer previous = (Integer) session.getAttribute("count");
      count = previous == null ? 1 : previous + 1;
      session.setAttribute("count", count);
    }
    return ResponseEntity.ok()
        .header("X-Session-Id", session.getId())
        .body(Integer.toString(count));
  }

  private static String firstField(String line) {
    return line.substring(line.indexOf(':') + 1).trim().split("\\s+")[0];
  }
}
