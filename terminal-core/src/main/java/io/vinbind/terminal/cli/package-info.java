/** Command lines: {@code ./vinbind vin check} and {@code ./vinbind terminal [status|request-bind]}. */
package io.vinbind.terminal.cli;
