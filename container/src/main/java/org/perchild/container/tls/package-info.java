/**
 * TLS in the child: each virtual host's certificate and key, read from its PEM files by the child
 * after the privilege drop (never by the launcher or the acceptor), each host in an SSL context of
 * its own, and the connection factories (TLS, ALPN, HTTP/2, h2c) its {@code SSLProtocol}, {@code
 * SSLCipherSuite} and {@code Protocols} allow.
 */
package org.perchild.container.tls;
