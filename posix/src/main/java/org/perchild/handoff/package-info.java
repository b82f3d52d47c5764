/**
 * The hand-off wire protocol between the acceptor and the children: one {@code SOCK_SEQPACKET}
 * message per connection, a small fixed header and the bytes already read, with the socket attached
 * as {@code SCM_RIGHTS}. Both processes use it, so it lives in the shared module.
 */
package org.perchild.handoff;
