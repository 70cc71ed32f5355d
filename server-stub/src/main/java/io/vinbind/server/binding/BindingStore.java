package io.vinbind.server.binding;

import io.vinbind.server.history.HistoryEntry;
import io.vinbind.server.registry.RegistryEntry;
import io.vinbind.server.store.StoreException;
import io.vinbind.protocol.UploadReason;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The storage the binding rules run on. Every rule runs inside {@link #inTransaction}: all of a request's
 * changes commit together or not at all, and the {@code lock…} reads take row locks that serialise
 * concurrent requests for the same IMSI (across server instances when the store is a shared database).
 */
public interface BindingStore {

    /** Where a request's answer is kept for replay. */
    enum RequestKind { LOGIN, BIND }

    /** Work inside one transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Tx tx) throws java.sql.SQLException;
    }

    /**
     * Runs {@code work} in one transaction (retrying it on conflicts with concurrent transactions).
     *
     * @throws io.vinbind.server.store.ConflictException when conflicts persisted through the retries
     * @throws StoreException on any other storage failure
     */
    <T> T inTransaction(String what, Work<T> work) throws StoreException;

    /** Reads outside a transaction. */
    <T> T read(String what, Work<T> work) throws StoreException;

    /**
     * The work as work on a JDBC connection, to run inside a group commit's transaction
     * ({@link io.vinbind.server.store.Database#transactionEach}); empty when this store is not a JDBC database
     * (then every request is decided alone).
     */
    default <T> java.util.Optional<io.vinbind.server.store.SqlWork<T>> onConnection(Work<T> work) {
        return java.util.Optional.empty();
    }

    /**
     * A group of logins and binds decided in one transaction (group commit): what they all read first is locked
     * and read once for all; empty when this store is not a JDBC database.
     */
    default java.util.Optional<Group> group() {
        return java.util.Optional.empty();
    }

    /** See {@link #group}. Used by one thread, for one group. */
    interface Group {
        /** A request of the group: its terminal, IMSI, VIN (a bind's) and requestId are read ahead. */
        void want(String terminalId, String imsi, java.util.Optional<String> vin, String requestId);

        /** Locks and reads what was wanted; the group's first piece of work, in the group's transaction. */
        io.vinbind.server.store.SqlWork<Void> prefetch();

        /** The work on the group's connection, reading what was prefetched where it can. */
        <T> io.vinbind.server.store.SqlWork<T> onConnection(Work<T> work);

        /**
         * Writes what the group's requests deferred (history rows, stored answers) as JDBC batches: the group's last
         * piece, which it cannot go without ({@link io.vinbind.server.store.Database#WHOLE_GROUP}): if it fails, no
         * answer of the group may stand.
         */
        io.vinbind.server.store.SqlWork<Void> flush();
    }

    /** The operations available inside a transaction. */
    interface Tx {
        /**
         * The terminal, row-locked until the transaction ends; empty when the server has never heard of it.
         * Lock order, everywhere: terminal, then registry (modem), then bindings and holds.
         */
        Optional<TerminalRecord> lockTerminal(String terminalId) throws java.sql.SQLException;

        /** Records a terminal heard of for the first time. */
        void insertTerminal(String terminalId, Instant at) throws java.sql.SQLException;

        /** The terminal that holds {@code imsi} (its latest accepted login named it), row-locked. */
        Optional<String> terminalHolding(String imsi) throws java.sql.SQLException;

        /** The terminal now holds {@code imsi}: an accepted login. */
        void recordTerminalLogin(String terminalId, String imsi, Instant at) throws java.sql.SQLException;

        /** The terminal holds no IMSI any more (another terminal's login took it over). */
        void releaseTerminalImsi(String terminalId) throws java.sql.SQLException;

        void revokeTerminal(String terminalId, Instant at, String by, String reason) throws java.sql.SQLException;

        /**
         * The latest conflict of this terminal, IMSI and kind with this reported value, row-locked; empty when
         * there is none.
         */
        Optional<IdentityConflict> lockConflict(String terminalId, String imsi, IdentityConflict.Kind kind,
                                                String reported) throws java.sql.SQLException;

        Optional<IdentityConflict> lockConflict(long id) throws java.sql.SQLException;

        long insertConflict(String terminalId, String imsi, IdentityConflict.Kind kind, String expected,
                            String reported, String requestId, IdentityConflict.State state, Instant at)
            throws java.sql.SQLException;

        /** Another login ran into the conflict. */
        void touchConflict(long id, Instant at) throws java.sql.SQLException;

        void decideConflict(long id, IdentityConflict.State state, Instant at, String by) throws java.sql.SQLException;

        /** Conflicts in any of {@code states}, oldest first, at most {@code limit}. */
        List<IdentityConflict> conflicts(java.util.Set<IdentityConflict.State> states, int limit)
            throws java.sql.SQLException;

        /** The registry entry, row-locked until the transaction ends; empty when not registered. */
        Optional<RegistryEntry> lockModem(String imsi) throws java.sql.SQLException;

        void recordLogin(String imsi, String iccid, String imei, Instant at) throws java.sql.SQLException;

        /**
         * Records what an accepted login reported of the terminal ({@link ReportedIdentities}): its latest
         * report and a change row per field that changed. The terminal must be locked ({@link #lockTerminal}).
         */
        ReportedIdentities.Recorded recordReportedIdentity(io.vinbind.protocol.LoginRequest request, Instant at)
            throws java.sql.SQLException;

        /** The answer given to the terminal's request, for a replay. */
        Optional<StoredAnswer> answer(String terminalId, String imsi, String requestId, RequestKind kind)
            throws java.sql.SQLException;

        void saveAnswer(String terminalId, String imsi, String requestId, RequestKind kind, StoredAnswer answer,
                        Instant at) throws java.sql.SQLException;

        void replaceAnswer(String terminalId, String imsi, String requestId, RequestKind kind, StoredAnswer answer,
                           Instant at) throws java.sql.SQLException;

        /** The live binding of an IMSI, row-locked. */
        Optional<Binding> bindingOfImsi(String imsi) throws java.sql.SQLException;

        /** The live binding of a VIN, row-locked. */
        Optional<Binding> bindingOfVin(String vin) throws java.sql.SQLException;

        void deleteBinding(Binding binding) throws java.sql.SQLException;

        void insertBinding(Binding binding) throws java.sql.SQLException;

        void appendHistory(HistoryEntry entry) throws java.sql.SQLException;

        /** Stores a new hold in state PENDING and returns its id. */
        long insertPending(String terminalId, String imsi, String vin, String requestId, UploadReason reason,
                           Instant at) throws java.sql.SQLException;

        /** The hold, row-locked. */
        Optional<PendingRebind> lockPending(long id) throws java.sql.SQLException;

        /** The hold, not locked (to learn its IMSI, whose registry row is locked first). */
        Optional<PendingRebind> peekPending(long id) throws java.sql.SQLException;

        /** Holds of an IMSI still in state PENDING. */
        List<PendingRebind> openPendingOf(String imsi) throws java.sql.SQLException;

        void decidePending(long id, PendingRebind.State state, Instant at, String by) throws java.sql.SQLException;

        /** Holds in state PENDING, oldest first, at most {@code limit}. */
        List<PendingRebind> openPending(int limit) throws java.sql.SQLException;

        /** Deletes stored answers given before {@code before}; returns how many. */
        int purgeAnswers(Instant before) throws java.sql.SQLException;

        void linkUser(String userId, String vin, Instant at) throws java.sql.SQLException;

        boolean unlinkUser(String userId, String vin) throws java.sql.SQLException;

        List<String> vinsOfUser(String userId) throws java.sql.SQLException;

        /** The live binding of a VIN without locking it (for lookups). */
        Optional<Binding> peekBindingOfVin(String vin) throws java.sql.SQLException;

        /** The live binding of an IMSI without locking it (for lookups). */
        Optional<Binding> peekBindingOfImsi(String imsi) throws java.sql.SQLException;

        /** Records a profile switch the server ordered for a terminal (to the profile's IMSI and ICCID). */
        void insertProfileSwitch(String terminalId, String imsi, String iccid, Instant at, String by)
            throws java.sql.SQLException;

        /** When the switch of {@code terminalId} to {@code imsi} was ordered, if it was and is not completed. */
        Optional<Instant> openProfileSwitch(String terminalId, String imsi) throws java.sql.SQLException;

        /**
         * Closes the open switches of {@code terminalId} to {@code imsi} as withdrawn (the provisioning that ordered
         * them ended before the profile reached the card); true when one was open.
         */
        boolean withdrawProfileSwitch(String terminalId, String imsi, Instant at) throws java.sql.SQLException;

        /** Marks the open switches of {@code terminalId} to {@code imsi} completed (its binding followed). */
        void completeProfileSwitch(String terminalId, String imsi, Instant at) throws java.sql.SQLException;
    }
}
