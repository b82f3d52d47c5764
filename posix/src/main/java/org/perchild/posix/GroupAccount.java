package org.perchild.posix;

/**
 * A Unix group as the configuration names it, resolved to its number.
 *
 * @param name group name, or {@code #gid} when the group database has no entry
 * @param gid numeric group id
 */
public record GroupAccount(String name, int gid) {}
