/**
 * What {@code <Location>} with {@code SetHandler server-status} or {@code metrics} shows:
 * mod_status's page (HTML, {@code ?auto}, {@code ?json}) and the Prometheus exposition, rendered by
 * the acceptor from the scoreboard the launcher pushes to it every second and from its own
 * counters.
 */
package org.perchild.status;
