/**
 * The child's spare-thread pool: the threads that serve one tenant's requests inside embedded
 * Jetty, kept between MinSpareThreads and MaxSpareThreads idle and never more than
 * MaxThreadsPerChild serving at once, as httpd's perchild MPM described. {@link
 * org.perchild.container.threads.SpareThreadPolicy} decides how many threads to start or end;
 * {@link org.perchild.container.threads.SpareThreadPool} owns the threads and is given to Jetty's
 * {@code Server} as its thread pool.
 */
package org.perchild.container.threads;
