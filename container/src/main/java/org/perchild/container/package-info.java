/**
 * The child process: {@link org.perchild.container.ChildMain} drops privileges first, then reads
 * its part of the configuration from the launcher (never a file) and runs {@link
 * org.perchild.container.ChildServer}, embedded Jetty with the web applications of its own virtual
 * hosts only. Connections arrive on the hand-off channel from the acceptor ({@link
 * org.perchild.container.HandoffReceiver}); the launcher speaks to it on the control channel
 * ({@link org.perchild.protocol.ControlChannel}). {@link org.perchild.container.SingleProcessMain}
 * is {@code perchild -X}: the same server, every virtual host, listening itself in one unprivileged
 * process.
 */
package org.perchild.container;
