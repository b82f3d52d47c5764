package org.perchild.webapps.probe;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a hostile tenant's code would try, answered in plain text so that the isolation tests can
 * tell what its child process may do. Test-only: it is built for the process tests and never
 * shipped in the distribution. Mapped in {@code web.xml}, as the children do not scan annotations.
 *
 * <ul>
 *   <li>{@code ?read=/path}: reads the file; {@code read ok} or {@code read denied: <exception>}.
 *   <li>{@code ?kill=<pid>}: sends signal 0 (the permission check, no signal delivered) with the
 *       shell's {@code kill}; {@code kill permitted} or {@code kill denied: <exit code> <stderr>}.
 *   <li>{@code ?cat=/path}: the file's text (NUL bytes, as in {@code /proc/PID/cmdline}, as
 *       spaces), or {@code read denied: <exception>}.
 *   <li>{@code ?list=/dir}: the names in the directory, one a line, or {@code list denied:
 *       <exception>}.
 *   <li>{@code ?env=NAME}: the environment variable as this JVM sees it, or {@code (unset)}.
 *   <li>{@code ?property=name}: the system property of this JVM, or {@code (unset)}.
 *   <li>{@code ?status}: the Pid, Uid, Gid, Groups, CapEff, CapPrm and NoNewPrivs lines of {@code
 *       /proc/self/status}.
 *   <li>{@code ?count}: adds one to a counter in the HTTP session (made if there is none); {@code
 *       <count> <pid>}, the pid of the child that answered.
 *   <li>{@code ?sleep=MS}: a slow request, holding its thread for MS milliseconds (at most 60 s);
 *       {@code slept <pid>}.
 * </ul>
 */
public class ProbeServlet extends HttpServlet {

  private static final List<String> STATUS_KEYS =
      List.of("Pid", "Uid", "Gid", "Groups", "CapEff", "CapPrm", "NoNewPrivs");

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String answer;
    if (request.getParameter("read") != null) {
      answer = read(Path.of(request.getParameter("read")));
    } else if (request.getParameter("kill") != null) {
      answer = signal(Long.parseLong(request.getParameter("kill")));
    } else if (request.getParameter("cat") != null) {
      answer = cat(Path.of(request.getParameter("cat")));
    } else if (request.getParameter("list") != null) {
      answer = list(Path.of(request.getParameter("list")));
    } else if (request.getParameter("env") != null) {
      answer =
          java.util.Objects.requireNonNullElse(
              System.getenv(request.getParameter("env")), "(unset)");
    } else if (request.getParameter("property") != null) {
      answer = System.getProperty(request.getParameter("property"), "(unset)");
    } else if (request.getParameter("status") != null) {
      answer = status();
    } else if (request.getParameter("count") != null) {
      answer = count(request.getSession(true));
    } else if (request.getParameter("sleep") != null) {
      answer = sleep(Long.parseLong(request.getParameter("sleep")));
    } else {
      response.sendError(
          HttpServletResponse.SC_BAD_REQUEST,
          "?read=, ?cat=, ?list=, ?property=, ?kill=, ?status, ?count or ?sleep=");
      return;
    }
    response.setContentType("text/plain");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.getWriter().write(answer + "\n");
  }

  private static String sleep(long millis) {
    try {
      Thread.sleep(Math.min(Math.max(0, millis), 60_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "slept " + ProcessHandle.current().pid();
  }

  private static String count(HttpSession session) {
    Integer count = (Integer) session.getAttribute("count");
    count = count == null ? 1 : count + 1;
    session.setAttribute("count", count);
    return count + " " + ProcessHandle.current().pid();
  }

  private static String read(Path file) {
    try {
      Files.readAllBytes(file);
      return "read ok";
    } catch (IOException | SecurityException e) {
      return "read denied: " + e;
    }
  }

  private static String cat(Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException | SecurityException e) {
      return "read denied: " + e;
    }
  }

  private static String list(Path directory) {
    try (java.util.stream.Stream<Path> entries = Files.list(directory)) {
      return String.join("\n", entries.map(p -> p.getFileName().toString()).sorted().toList());
    } catch (IOException | SecurityException e) {
      return "list denied: " + e;
    }
  }

  /**
   * kill(2) with signal 0 checks exactly the permission a real signal needs. The shell's builtin is
   * used because no Java API sends a signal to a process that is not our child, and /bin/sh is
   * there on every system the children run on.
   */
  private static String signal(long pid) throws IOException {
    Process kill =
        new ProcessBuilder("/bin/sh", "-c", "kill -0 \"$1\"", "kill", Long.toString(pid))
            .redirectErrorStream(true)
            .start();
    String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    try {
      if (!kill.waitFor(10, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        return "kill denied: timed out";
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "kill denied: interrupted";
    }
    return kill.exitValue() == 0
        ? "kill permitted"
        : "kill denied: exit " + kill.exitValue() + " " + output;
  }

  private static String status() throws IOException {
    StringBuilder lines = new StringBuilder();
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      int colon = line.indexOf(':');
      if (colon > 0 && STATUS_KEYS.contains(line.substring(0, colon))) {
        lines.append(line).append('\n');
      }
    }
    return lines.toString().trim();
  }
}
