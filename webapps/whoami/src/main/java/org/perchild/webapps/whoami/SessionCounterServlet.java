package org.perchild.webapps.whoami;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Counts the requests of one HTTP session: each GET makes the session if it has none, adds one to
 * its {@code count} attribute (an {@link Integer}, so that a persistent session store can serialize
 * it) and answers, as JSON, the session's id, the count and the pid that served it. The request
 * that touches a session for {@code bench/webapps.sh}, and a way to see by hand that a tenant's
 * children share its sessions. Mapped in {@code web.xml}, at {@code /session}.
 */
public class SessionCounterServlet extends HttpServlet {

  static final String COUNT = "count";

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    HttpSession session = request.getSession(true);
    Object previous = session.getAttribute(COUNT);
    int count = (previous instanceof Integer n ? n : 0) + 1;
    session.setAttribute(COUNT, count);
    response.setContentType("application/json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response
        .getWriter()
        .write(
            "{\"session\":\""
                + session.getId()
                + "\",\"count\":"
                + count
                + ",\"pid\":"
                + ProcessHandle.current().pid()
                + "}\n");
  }
}
