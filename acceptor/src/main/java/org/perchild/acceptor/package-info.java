/**
 * The shared, unprivileged acceptor process ({@link org.perchild.acceptor.AcceptorMain}): it adopts
 * the listen sockets the root launcher bound, takes every connection on one selector thread, reads
 * just enough of it to know its virtual host ({@link org.perchild.acceptor.FirstBytesReader}: the
 * request head, the TLS ClientHello's server name, or an h2c connection's first request) and hands
 * the live socket, with the bytes already read, to a READY child of that host's user over the
 * child's hand-off channel. It answers by itself only what no child can ({@link
 * org.perchild.acceptor.AcceptorResponses}): a head it cannot route, a head that did not arrive in
 * time, or a group with no child ready; {@link org.perchild.acceptor.AnswerWriter} writes those
 * answers and closes after them, lingering. The launcher tells it which children are ready, and
 * when to stop, on its control channel.
 */
package org.perchild.acceptor;
