/**
 * The launcher's control socket (DESIGN invariant 7): a root-only Unix-domain socket next to the
 * {@code PidFile} through which {@code bin/perchild -k ...} and {@code bin/perchild status} talk to
 * the running launcher, with its one-line protocol and the scoreboard it answers {@code status}
 * with. The supervisor only receives commands from it as events on its queue.
 */
package org.perchild.control;
