/**
 * The root launcher's supervisor: binds the {@code Listen} sockets, spawns the unprivileged
 * acceptor and the per-user children with their channels already in place, tells the acceptor which
 * children are ready, and reaps them. Signals only enqueue events for its one loop.
 */
package org.perchild.supervisor;
