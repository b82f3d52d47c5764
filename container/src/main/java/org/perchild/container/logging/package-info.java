/**
 * The child's access logs: httpd {@code LogFormat} strings compiled and rendered byte for byte as
 * mod_log_config writes them, and the Jetty request log that writes each request to the {@code
 * CustomLog} files of the virtual host it was routed to. The child opens these files itself, as its
 * tenant; the launcher only prepares them.
 */
package org.perchild.container.logging;
