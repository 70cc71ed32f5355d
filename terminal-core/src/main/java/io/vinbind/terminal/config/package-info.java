/**
 * {@code terminal.properties}: every key validated at start, a bad value refused with the key, the value
 * and what is expected; unknown keys refused. The keys are listed in
 * {@link io.vinbind.terminal.config.TerminalConfig#KEYS} and in the shipped example file.
 */
package io.vinbind.terminal.config;
