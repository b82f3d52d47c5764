/**
 * The operator's socket (docs/ARCHITECTURE.md, invariant 7): a root-only Unix-domain socket next to
 * the {@code PidFile} through which {@code bin/perchild -k ...} and {@code bin/perchild status}
 * talk to the running launcher, with its one-line protocol. It is not a process channel: those are
 * socketpairs between the launcher, the acceptor and the children ({@code org.perchild.protocol}).
 * The supervisor only receives commands from it as events on its queue.
 */
package org.perchild.operator;
