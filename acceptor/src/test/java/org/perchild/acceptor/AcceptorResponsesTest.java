package org.perchild.acceptor;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.perchild.acceptor.AcceptorResponses.Status;

class AcceptorResponsesTest {

  private final AcceptorResponses responses =
      new AcceptorResponses(Clock.fixed(Instant.parse("2024-06-03T09:05:07Z"), ZoneOffset.UTC));

  private static String text(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return new String(bytes, ISO_8859_1);
  }

  @Test
  void badRequestIsACompleteHttpdLikeResponse() {
    String response = text(responses.forStatus(400));
    String body =
        "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n"
            + "<html><head>\n"
            + "<title>400 Bad Request</title>\n"
            + "</head><body>\n"
            + "<h1>Bad Request</h1>\n"
            + "<p>Your browser sent a request that this server could not understand.<br />\n"
            + "</p>\n"
            + "</body></html>\n";
    assertEquals(
        "HTTP/1.1 400 Bad Request\r\n"
            + "Date: Mon, 03 Jun 2024 09:05:07 GMT\r\n"
            + "Server: Perchild\r\n"
            + "Content-Length: "
            + body.length()
            + "\r\n"
            + "Connection: close\r\n"
            + "Content-Type: text/html; charset=iso-8859-1\r\n"
            + "\r\n"
            + body,
        response);
  }

  @ParameterizedTest
  @EnumSource(Status.class)
  void everyStatusHasItsLineHeadersAndAnAccurateContentLength(Status status) {
    String response = text(responses.response(status));
    String title = status.code() + " " + status.reason();
    assertTrue(response.startsWith("HTTP/1.1 " + title + "\r\n"), response);
    int end = response.indexOf("\r\n\r\n");
    String head = response.substring(0, end + 2);
    String body = response.substring(end + 4);
    assertTrue(head.contains("\r\nConnection: close\r\n"));
    assertTrue(head.contains("\r\nServer: Perchild\r\n"));
    assertTrue(head.contains("\r\nDate: Mon, 03 Jun 2024 09:05:07 GMT\r\n"));
    assertTrue(head.contains("\r\nContent-Type: text/html; charset=iso-8859-1\r\n"));
    assertTrue(head.contains("\r\nContent-Length: " + body.getBytes(ISO_8859_1).length + "\r\n"));
    assertFalse(head.contains("Retry-After"));
    assertTrue(body.contains("<title>" + title + "</title>"));
    assertTrue(body.contains("<h1>" + status.reason() + "</h1>"));
    assertEquals(status, Status.of(status.code()));
  }

  @Test
  void reasonPhrasesAreHttpds() {
    assertEquals("Request Timeout", Status.of(408).reason());
    assertEquals("Request-URI Too Long", Status.of(414).reason());
    assertEquals("Misdirected Request", Status.of(421).reason());
    assertEquals("Request Header Fields Too Large", Status.of(431).reason());
    assertEquals("Service Unavailable", Status.of(503).reason());
    assertEquals("HTTP Version Not Supported", Status.of(505).reason());
  }

  @Test
  void serviceUnavailableSaysWhenToRetry() {
    String response = text(responses.serviceUnavailable(30));
    assertTrue(response.startsWith("HTTP/1.1 503 Service Unavailable\r\n"));
    assertTrue(response.contains("\r\nRetry-After: 30\r\n"));
    assertThrows(IllegalArgumentException.class, () -> responses.serviceUnavailable(-1));
  }

  @Test
  void everyRejectionOfTheReaderHasAResponse() {
    for (int status : new int[] {400, 414, 431, 505}) {
      assertTrue(text(responses.forStatus(status)).startsWith("HTTP/1.1 " + status + " "));
    }
    assertThrows(IllegalArgumentException.class, () -> responses.forStatus(500));
  }

  @Test
  void eachCallGivesAFreshBufferFromTheStart() {
    ByteBuffer first = responses.forStatus(408);
    first.get(new byte[10]);
    assertEquals(0, responses.forStatus(408).position());
  }
}
