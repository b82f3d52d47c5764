<%@ page contentType="text/plain; charset=UTF-8" session="false" %><%--
  A real JSP, compiled by Jasper in the child on its first request: the virtual host and the
  container that serve it (EL), and a small loop. session="false": a JSP makes a session for
  every request otherwise, and bench/webapps.sh measures this page without a cookie.
--%>Hello from ${pageContext.request.serverName}, served by ${pageContext.servletContext.serverInfo} (JSP)<%
for (int i = 1; i <= 5; i++) {
  pageContext.setAttribute("i", i); %>
${i} x ${i} = ${i * i}<% } %>
