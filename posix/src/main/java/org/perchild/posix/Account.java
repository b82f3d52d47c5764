package org.perchild.posix;

/**
 * A Unix user as the configuration names it, resolved to numbers: what a child becomes when it
 * drops privileges. {@code name} is the login name, or {@code #uid} for a numeric user with no
 * entry in the user database.
 *
 * @param name login name, or {@code #uid} when the user database has no entry
 * @param uid numeric user id
 * @param primaryGid the user's primary group from the user database, or -1 when unknown
 * @param home home directory, or {@code /} when unknown
 */
public record Account(String name, int uid, int primaryGid, String home) {}
