/**
 * The operating-system calls Perchild is built on, shared by the launcher, the acceptor and the
 * children: user and group lookups, SEQPACKET channels that carry descriptors ({@link
 * org.perchild.posix.SeqPacketChannel}), spawning with exact descriptors ({@link
 * org.perchild.posix.PosixSpawn}), reaping, and the proven privilege drop ({@link
 * org.perchild.posix.PrivilegeDrop}). Every result is checked; an errno becomes a {@link
 * org.perchild.posix.PosixException} that names the call, its argument and the meaning.
 */
package org.perchild.posix;
