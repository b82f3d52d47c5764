/**
 * The contract between Perchild's three processes, in the one module all three use: every control
 * message as one sealed type per direction ({@link org.perchild.protocol.LauncherToChild}, {@link
 * org.perchild.protocol.ChildToLauncher}, {@link org.perchild.protocol.LauncherToAcceptor}, {@link
 * org.perchild.protocol.AcceptorToLauncher}) read and written through one {@link
 * org.perchild.protocol.ControlChannel}; the hand-off message ({@link
 * org.perchild.protocol.HandoffMessage}: one {@code SOCK_SEQPACKET} message per connection, the
 * socket attached as {@code SCM_RIGHTS}); the argv of the spawned processes ({@link
 * org.perchild.protocol.AcceptorArguments}, {@link org.perchild.protocol.ChildArguments}), the
 * descriptors they inherit ({@link org.perchild.protocol.ProcessFds}) and their exit codes ({@link
 * org.perchild.protocol.ExitCodes}); and the validated configuration each process is handed ({@link
 * org.perchild.protocol.ConfigCodec}, {@link org.perchild.protocol.ConfigViews}).
 * docs/ARCHITECTURE.md lists every message with its direction, fields and limit.
 */
package org.perchild.protocol;
