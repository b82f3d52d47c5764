package org.perchild.container.testapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A web application's use of its session: {@code /count} adds one to the session's counter (making
 * the session if there is none; {@code ?ttl=s} sets its max inactive interval) and answers the new
 * value; {@code /peek} answers the counter without making a session ({@code none} when there is
 * none); {@code /invalidate} ends the session. {@code /count?hold} commits its response, then waits
 * for {@link #held} before it ends, as a request that goes on after its answer.
 */
public class CounterServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  /** What {@code /count?hold} waits for once its response is committed (at most 20 s). */
  public static volatile CountDownLatch held = new CountDownLatch(0);

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String answer;
    switch (request.getPathInfo() == null ? "" : request.getPathInfo()) {
      case "/count" -> {
        HttpSession session = request.getSession(true);
        if (request.getParameter("ttl") != null) {
          session.setMaxInactiveInterval(Integer.parseInt(request.getParameter("ttl")));
        }
        Integer count = (Integer) session.getAttribute("count");
        count = count == null ? 1 : count + 1;
        session.setAttribute("count", count);
        answer = count.toString();
      }
      case "/peek" -> {
        HttpSession session = request.getSession(false);
        answer = session == null ? "none" : String.valueOf(session.getAttribute("count"));
      }
      case "/invalidate" -> {
        HttpSession session = request.getSession(false);
        if (session != null) {
          session.invalidate();
        }
        answer = session == null ? "none" : "invalidated";
      }
      default -> {
        response.sendError(404);
        return;
      }
    }
    byte[] body = (answer + "\n").getBytes(StandardCharsets.UTF_8);
    response.setContentType("text/plain;charset=utf-8");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
    if (request.getParameter("hold") != null) {
      response.flushBuffer();
      try {
        held.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
