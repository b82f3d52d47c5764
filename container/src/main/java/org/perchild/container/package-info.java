/** The child process. */
package org.perchild.container;
