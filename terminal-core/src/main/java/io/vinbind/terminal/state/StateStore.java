package io.vinbind.terminal.state;

import java.time.Instant;
import java.util.Optional;

/**
 * Where the terminal keeps its {@link TerminalState} across power cycles, and where service requests for a
 * new binding wait until the daemon takes them.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #load()} never fails: a missing state means a fresh terminal (flag set, reason
 *       {@link FlagReason#ASSEMBLY}); a state that cannot be read or fails its integrity check means flag
 *       set, reason {@link FlagReason#STATE_UNREADABLE} (keeping the last bound identity only if it could
 *       be trusted, which it cannot) — the bad content is logged and kept aside for diagnosis.</li>
 *   <li>{@link #save(TerminalState)} is atomic: a later {@link #load()} sees either the complete previous
 *       state or the complete new state, never a mix or a truncation — even if the process dies or power
 *       fails in the middle. When {@code save} throws {@link StateStoreException}:
 *       <ul>
 *         <li>failed at {@code WRITE_TEMP}, {@code SYNC_TEMP} or {@code RENAME}: the previous state stands;
 *             a leftover temporary file is ignored by {@code load} and replaced by the next {@code save};</li>
 *         <li>failed at {@code SYNC_DIRECTORY}: the new state is in place and will be loaded while the
 *             machine keeps running, but a power loss before the next successful directory sync may bring
 *             the previous state back.</li>
 *       </ul>
 *       So after a failed save the caller must assume <em>either</em> state may be the one loaded next.
 *       For the flag this is safe by construction: a flag wrongly still set only causes another upload,
 *       which the server answers with ALREADY_BOUND.</li>
 * </ul>
 */
public interface StateStore {

    /** The persisted state, or the state the contract above prescribes when there is none or it is bad. */
    TerminalState load();

    /** Persists {@code state} atomically. */
    void save(TerminalState state) throws StateStoreException;

    /**
     * Records a service request for a new binding; the daemon takes it at the next power-mode transition
     * to ACC/ON/START or its next poll while powered. Several requests before it is taken count as one.
     */
    void requestBinding(Instant at) throws StateStoreException;

    /** When the pending service request was made, if there is one. */
    Optional<Instant> pendingServiceRequest();

    /** Removes the pending service request after the daemon has set the flag for it. */
    void clearServiceRequest() throws StateStoreException;
}
