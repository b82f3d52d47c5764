package org.perchild.webapps.welcome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The page in memory: no container, the servlet API's interfaces answered by proxies. */
class WelcomeServletTest {

  /** Answers each call by its method's name from {@code answers}, else with null (or 0). */
  @SuppressWarnings("unchecked")
  private static <T> T fake(Class<T> type, Map<String, Object> answers) {
    return (T)
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (proxy, method, args) -> {
              if (answers.containsKey(method.getName())) {
                return answers.get(method.getName());
              }
              Class<?> returns = method.getReturnType();
              return returns == int.class ? 0 : returns == boolean.class ? false : null;
            });
  }

  private static String page(String demoHosts, String scheme, String serverName, int port)
      throws Exception {
    return page(demoHosts, scheme, serverName + ":" + port, serverName, port, 7777);
  }

  private static String page(
      String demoHosts,
      String scheme,
      String hostHeader,
      String serverName,
      int serverPort,
      int localPort)
      throws Exception {
    ServletContext context =
        fake(
            ServletContext.class,
            demoHosts == null ? Map.of() : Map.of("getInitParameter", demoHosts));
    WelcomeServlet servlet = new WelcomeServlet();
    servlet.init(fake(ServletConfig.class, Map.of("getServletContext", context)));
    HttpServletRequest request =
        fake(
            HttpServletRequest.class,
            Map.of(
                "getMethod", "GET",
                "getScheme", scheme,
                "getServerName", serverName,
                "getServerPort", serverPort,
                "getLocalPort", localPort,
                // Whatever header is asked for: the servlet reads Host alone.
                "getHeader", hostHeader,
                "getProtocol", "HTTP/1.1"));
    StringWriter body = new StringWriter();
    HttpServletResponse response =
        fake(HttpServletResponse.class, Map.of("getWriter", new PrintWriter(body, true)));
    servlet.service(request, response);
    return body.toString();
  }

  private static String uidOfThisProcess() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("Uid:")) {
        return line.substring(4).trim().split("\\s+")[0];
      }
    }
    throw new AssertionError("no Uid: line");
  }

  @Test
  void showsTheHostTheRealUidAndThePid() throws Exception {
    String html = page("localhost alice.localhost", "http", "alice.localhost", 8080);
    assertTrue(html.contains("<td id=\"vhost\">alice.localhost</td>"), html);
    assertTrue(html.contains("<span id=\"uid\">" + uidOfThisProcess() + "</span>"), html);
    assertTrue(
        html.contains("<span id=\"pid\">" + ProcessHandle.current().pid() + "</span>"), html);
    assertTrue(html.contains("<a href=\"/whoami/\">"), html);
  }

  @Test
  void linksTheDemoHostsOnTheRequestsPortAndMarksThisOne() throws Exception {
    String html = page("localhost alice.localhost bob.localhost", "http", "bob.localhost", 9090);
    assertTrue(html.contains("<a href=\"http://localhost:9090/\">"), html);
    assertTrue(html.contains("<a href=\"http://alice.localhost:9090/\">"), html);
    assertTrue(
        html.contains(
            "<a href=\"http://bob.localhost:9090/\">http://bob.localhost:9090/</a>"
                + " (this one)"),
        html);
    assertFalse(html.contains("8080"), html);
  }

  @Test
  void withoutAPortInTheHostHeaderTheLinksTakeTheConnectionsPort() throws Exception {
    String html =
        page("localhost alice.localhost", "http", "alice.localhost", "alice.localhost", 80, 9090);
    assertTrue(html.contains("<a href=\"http://localhost:9090/\">"), html);
    assertTrue(html.contains("<a href=\"http://alice.localhost:9090/\">"), html);
  }

  @Test
  void withoutDemoHostsThereIsNoList() throws Exception {
    String html = page(null, "http", "example.test", 8080);
    assertFalse(html.contains("<ul>"), html);
  }

  @Test
  void whatTheRequestSaysIsEscaped() throws Exception {
    String html = page("localhost", "http", "<script>alert('x')</script>\"", 8080);
    assertFalse(html.contains("<script>"), html);
    assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;"), html);
  }

  @Test
  void theSchemesOwnPortIsLeftOut() {
    assertEquals("http://localhost/", WelcomeServlet.url("http", "localhost", 80));
    assertEquals("https://localhost/", WelcomeServlet.url("https", "localhost", 443));
    assertEquals("https://localhost:8443/", WelcomeServlet.url("https", "localhost", 8443));
    assertEquals("http://localhost:443/", WelcomeServlet.url("http", "localhost", 443));
  }
}
