/** The command lines: {@code ./vinbind esim …} ({@link io.vinbind.esim.cli.EsimCli}) and {@code ./vinbind sim smdp}. */
package io.vinbind.esim.cli;
