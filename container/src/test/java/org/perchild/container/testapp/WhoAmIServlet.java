package org.perchild.container.testapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A tenant's servlet, copied into the test webapp's {@code WEB-INF/classes} (it is not on the
 * child's class path): answers the {@code Uid:} line of its own process, so the test sees which
 * user webapp code runs as.
 */
public class WhoAmIServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String uid =
        Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8).stream()
            .filter(line -> line.startsWith("Uid:"))
            .findFirst()
            .orElse("Uid: unknown");
    byte[] body = (uid.replaceAll("\\s+", " ").trim() + "\n").getBytes(StandardCharsets.UTF_8);
    response.setContentType("text/plain;charset=utf-8");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }
}
