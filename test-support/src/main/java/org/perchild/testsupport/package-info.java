/**
 * What the tests of every module share, and nothing the product ships: {@link
 * org.perchild.testsupport.RootRequirement} (the one way to need root), {@link
 * org.perchild.testsupport.Http} (the one HTTP helper) and {@link
 * org.perchild.testsupport.Commands} (running a real program).
 */
package org.perchild.testsupport;
