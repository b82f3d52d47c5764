/**
 * HTTP sessions shared by all the children of a tenant: Jetty's session machinery with no session
 * cache and a store of one file per session in the tenant's own directory ({@code
 * <SessionDirectory>/<uid>}, mode 0700, made by the launcher), which every lookup looks at (and
 * reads, unless it is the file this child last read or wrote: {@link SeenFiles}). A session made by
 * one child is seen by the others, over HTTP or HTTPS, and outlives recycling, a graceful restart
 * and a crash (docs/ARCHITECTURE.md, invariant 11; README, "Sessions").
 */
package org.perchild.container.sessions;
