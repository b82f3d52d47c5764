/**
 * The root launcher's supervisor: binds the {@code Listen} sockets, spawns the unprivileged
 * acceptor and the per-user children with their channels already in place, tells the acceptor which
 * children are ready, and reaps them. Signals, the operator's commands and the channels' readers
 * only enqueue events for its one loop (docs/ARCHITECTURE.md, "Supervision").
 *
 * <p>Its parts:
 *
 * <ul>
 *   <li>{@link org.perchild.supervisor.Supervisor}: the loop and its dispatch of events; the stop.
 *   <li>{@link org.perchild.supervisor.ControlDispatch}: every message on the control channels, in
 *       and out, and their reader threads.
 *   <li>{@link org.perchild.supervisor.AcceptorProcess}: the acceptor's process and its respawn.
 *   <li>{@link org.perchild.supervisor.ChildTable} and {@link org.perchild.supervisor.ChildSlot}:
 *       the children by slot, their successors and the retired; exits, backoff and respawn.
 *   <li>{@link org.perchild.supervisor.Generations} and {@link
 *       org.perchild.supervisor.GracefulRestart}: a graceful restart's new generation and the
 *       switch to it; {@link org.perchild.supervisor.RestartCompatibility} decides, as a pure
 *       function, what a restart refuses.
 *   <li>{@link org.perchild.supervisor.ServerStatus}: the scoreboard and {@code perchild status}.
 *   <li>{@link org.perchild.supervisor.RespawnBackoff} and {@link
 *       org.perchild.supervisor.StopEscalation}: the waits, as data.
 *   <li>{@link org.perchild.supervisor.ProcessLaunch} (argv, environment, descriptors), {@link
 *       org.perchild.supervisor.ProcessClassPath}, {@link org.perchild.supervisor.RunAs} and the
 *       {@link org.perchild.supervisor.ProcessSpawner} that starts, signals and reaps, injected
 *       with a monotonic clock so that the state machine is tested without processes.
 *   <li>{@link org.perchild.supervisor.ListenSockets}, {@link org.perchild.supervisor.ErrorLogs},
 *       {@link org.perchild.supervisor.LogFiles} and {@link
 *       org.perchild.supervisor.SessionDirectories}: the sockets, files and directories the
 *       launcher holds or prepares for its processes.
 * </ul>
 */
package org.perchild.supervisor;
