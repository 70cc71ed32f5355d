/** The {@code ./vinbind server} command line (picocli). */
package io.vinbind.server.cli;
