/**
 * The shared, unprivileged acceptor: it takes every plain connection, reads just enough of it to
 * know its virtual host ({@link org.perchild.acceptor.RequestHeadReader}) and hands the live
 * socket, with the bytes already read, to a child of that host's user. It answers by itself only
 * what no child can ({@link org.perchild.acceptor.AcceptorResponses}): a head it cannot route, a
 * head that did not arrive in time, or a group with no child ready.
 */
package org.perchild.acceptor;
