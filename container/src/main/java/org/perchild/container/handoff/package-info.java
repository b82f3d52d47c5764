/**
 * The child's end of the hand-off: connections accepted by the acceptor arrive here as file
 * descriptors with the bytes already read, are adopted as JDK socket channels and served by Jetty
 * through a {@link org.perchild.container.handoff.HandoffConnector}, with no listening socket of
 * the child's own. {@link org.perchild.container.handoff.MisdirectedRequestHandler} keeps a reused
 * connection from reaching a virtual host that this child (this uid) does not serve.
 */
package org.perchild.container.handoff;
