/**
 * The contract between Perchild's three processes, in the one module all three use: the hand-off
 * message (acceptor to child: one {@code SOCK_SEQPACKET} message per connection, a fixed header and
 * the bytes already read, the socket attached as {@code SCM_RIGHTS}), the reports a child and the
 * acceptor send the launcher, and the scoreboard the launcher pushes to the acceptor.
 * docs/ARCHITECTURE.md lists every message with its direction, fields and limit.
 */
package org.perchild.protocol;
