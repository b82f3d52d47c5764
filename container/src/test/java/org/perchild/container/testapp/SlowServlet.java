package org.perchild.container.testapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A slow request ({@code ?ms=}), counting how many run at once in this child: it answers the
 * highest number it has seen, so a test can read the child's real concurrency from outside.
 */
public class SlowServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;
  private static final AtomicInteger RUNNING = new AtomicInteger();
  private static final AtomicInteger MOST = new AtomicInteger();

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    int now = RUNNING.incrementAndGet();
    MOST.accumulateAndGet(now, Math::max);
    try {
      Thread.sleep(Long.parseLong(request.getParameter("ms")));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      RUNNING.decrementAndGet();
    }
    byte[] body = ("most=" + MOST.get() + "\n").getBytes(StandardCharsets.UTF_8);
    response.setContentType("text/plain;charset=utf-8");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }
}
