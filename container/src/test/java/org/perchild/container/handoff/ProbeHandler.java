package org.perchild.container.handoff;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * What the tests serve. {@code /sha256} answers the SHA-256 and length of the request body; {@code
 * /thread} the name of the thread serving the request; any other path answers what the connection
 * looks like from the server's side.
 */
final class ProbeHandler extends Handler.Abstract {

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String body;
    if ("/sha256".equals(Request.getPathInContext(request))) {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      long length = 0;
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = Content.Source.asInputStream(request)) {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          sha256.update(buffer, 0, n);
          length += n;
        }
      }
      body = "sha256=" + HexFormat.of().formatHex(sha256.digest()) + " length=" + length;
    } else if ("/thread".equals(Request.getPathInContext(request))) {
      body = Thread.currentThread().getName();
    } else {
      EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
      Object attachment =
          endPoint instanceof HandoffEndPoint handoff ? handoff.getAttachment() : "<none>";
      body =
          "remote="
              + format(request.getConnectionMetaData().getRemoteSocketAddress())
              + " local="
              + format(request.getConnectionMetaData().getLocalSocketAddress())
              + " host="
              + Request.getServerName(request)
              + " socket-local="
              + format(HandoffEndPoint.socketLocalAddress(endPoint))
              + " attachment="
              + attachment;
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
    Content.Sink.write(response, true, body, callback);
    return true;
  }

  static String format(SocketAddress address) {
    InetSocketAddress inet = (InetSocketAddress) address;
    return inet.getAddress().getHostAddress() + "|" + inet.getPort();
  }
}
