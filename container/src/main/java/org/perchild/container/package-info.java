/**
 * The child process: {@link org.perchild.container.ChildMain} drops privileges first, then reads
 * its part of the configuration from the launcher (never a file) and runs {@link
 * org.perchild.container.ChildProcess}, the child as one Jetty lifecycle: {@link
 * org.perchild.container.ChildServer} (embedded Jetty with the web applications of its own virtual
 * hosts only), the {@link org.perchild.container.HandoffReceiver} that takes connections from the
 * acceptor, the {@link org.perchild.container.LoadReporter} and the {@link
 * org.perchild.container.ChildControl} that speaks with the launcher on the control channel ({@link
 * org.perchild.protocol.ControlChannel}), on one Jetty scheduler, drained through Jetty's {@code
 * Graceful}. {@link org.perchild.container.SingleProcessMain} is {@code perchild -X}: the same
 * server, every virtual host, listening itself in one unprivileged process.
 */
package org.perchild.container;
