/**
 * The operating-system calls Perchild is built on, reached through jnr-posix and jnr-ffi: user and
 * group lookups now, and the channels, descriptor passing, spawning and privilege drop that the
 * launcher and the children share. Every result is checked; an errno becomes an exception that
 * names the call, its argument and the meaning.
 */
package org.perchild.posix;
