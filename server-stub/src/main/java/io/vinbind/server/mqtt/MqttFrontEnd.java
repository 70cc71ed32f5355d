package io.vinbind.server.mqtt;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.log.Untrusted;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.Message;
import io.vinbind.protocol.MessageType;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ProtocolException;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.protocol.TopicAddress;
import io.vinbind.protocol.Topics;
import io.vinbind.server.ServerMetrics;
import io.vinbind.server.binding.BindResult;
import io.vinbind.server.binding.BindingService;
import io.vinbind.server.binding.LoginResult;
import io.vinbind.server.binding.LoginService;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.SqlWork;
import io.vinbind.server.store.StoreException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.tinylog.Logger;

/**
 * Consumes {@code $share/vinbind/vinbind/v2/+/login} and {@code …/+/bind} and answers on the terminal's
 * {@code …/login/ack} and {@code …/bind/ack}.
 *
 * <p>Sessions are persistent ({@code cleanStart=false}, session expiry {@value #SESSION_EXPIRY_S} s) under a
 * client id stable across restarts. Requests are decided on a small worker pool; the broker's in-flight
 * window ({@code receiveMaximum}) bounds the backlog.
 *
 * <p><b>Group commit.</b> A worker that becomes free takes every request waiting (at most {@link #BATCH_MAX})
 * as one batch; the logins, binds and heartbeats among them are decided in one database transaction, one commit
 * for all ({@link #decideAll}), then each is answered with its own ack and acknowledged in arrival order. Nothing
 * waits for a batch to fill: a request that arrives alone is decided alone at once, so a quiet server answers as
 * fast as before and a busy one shares each commit (and the round trips of the answers) among the requests that
 * queued up meanwhile.
 *
 * <p><b>Acknowledgements</b> ({@link InOrderAcks}): a request is PUBACKed only after its answer is durable
 * (committed by the rules) and published (the broker acknowledged the answer), and PUBACKs go out in the
 * order the requests arrived (MQTT-4.6.0-2), so a request finished early waits for the ones before it. If an
 * answer cannot be published, the request is not acknowledged and the connection is replaced: the broker
 * then delivers every unacknowledged request again, and their stored answers make the retries idempotent.
 * A server that dies before the PUBACK has its request redelivered the same way.
 *
 * <p>Bad input is answered with a reason code when the topic names a terminal and the payload yields a
 * requestId; otherwise it is logged and counted as dropped. Either way it is acknowledged once dealt with,
 * so it is not redelivered forever; so is a request whose handling failed unexpectedly (a defect, logged as
 * an error), which would otherwise come back for ever and block every request behind it.
 */
public final class MqttFrontEnd implements AutoCloseable {

    /**
     * How long the broker keeps a crashed instance's session (its unacknowledged requests and its place in the
     * shared-subscription group). Long enough for a restart, short enough that a dead instance does not keep
     * receiving a share of the requests for long; a planned stop ends the session at once.
     */
    static final long SESSION_EXPIRY_S = 300;
    /** Bounded waits for connect, subscribe, publish, disconnect. */
    static final Duration OPERATION_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Requests the broker may send ahead of their PUBACKs (MQTT 5 §3.1.2.11.3). Four times {@link #BATCH_MAX}, so that
     * while one worker's group commits and its answers are published the broker has already delivered the next groups:
     * a window of one batch (64 until 2026-12-03) left the workers waiting for the broker, measured at 0.30-0.36 x the
     * echo rate against 0.47-0.52 x with this window (docs/benchmarks.md, "a wider window"). Bounded memory: at most
     * this many payloads of at most 24 KiB (a status report; 1 KiB for the others).
     */
    static final int RECEIVE_MAXIMUM = 512;
    static final Duration RESUBSCRIBE_PERIOD = Duration.ofSeconds(2);
    /**
     * Most requests taken as one batch (one group commit): 128 shares each commit among more requests than 64 did and
     * was faster than 256 (whose prefetch locks more rows at once, and whose answers wait longer for the slowest piece).
     * Its bytes are bounded by the payload limits ({@code Protocol.MAX_PAYLOAD_BYTES}: 1 KiB for a login, bind or
     * heartbeat; a status report, decided alone, up to {@code MAX_STATUS_BYTES}), which the client already holds.
     */
    static final int BATCH_MAX = 128;

    private final MqttAsyncClient client;
    private final InOrderAcks acks;
    /** How long an answer may take to be acknowledged by the broker before it counts as not published. */
    private final Duration answerTimeout;
    /** Set while the connection is being replaced after a failed answer (one replacement at a time). */
    private final java.util.concurrent.atomic.AtomicBoolean replacing = new java.util.concurrent.atomic.AtomicBoolean();
    private MqttConnectionOptions options;
    private final MqttCredentials credentials;
    private final LoginService logins;
    private final BindingService bindings;
    private final ServerMetrics metrics;
    private final String source;
    private final ExecutorService workers;
    /** Re-subscribes after a reconnect whose subscribe failed; one daemon thread, idle otherwise. */
    private final ScheduledExecutorService resubscriber;
    /** Presence, when the server keeps it: then heartbeats are consumed too. Set before {@link #start}. */
    private volatile io.vinbind.server.presence.PresenceService presence;
    /** Requests received and not yet taken by a worker, in arrival order. */
    private final java.util.concurrent.LinkedBlockingQueue<Received> inbox = new java.util.concurrent.LinkedBlockingQueue<>();
    /** The database of the group commit, when enabled (before {@link #start}); otherwise each request alone. */
    private volatile Database groupCommit;
    /** True while both shared subscriptions are confirmed; health reports DOWN otherwise. */
    private volatile boolean subscribed;

    /**
     * @param broker {@code ssl://host:port} (or {@code tcp://host:port} on loopback)
     * @param clientId stable per server instance (its persistent session)
     * @param workerThreads threads deciding requests concurrently
     */
    public MqttFrontEnd(URI broker, String clientId, MqttCredentials credentials, LoginService logins,
                        BindingService bindings, ServerMetrics metrics, int workerThreads) throws MqttException {
        this(broker, clientId, credentials, logins, bindings, metrics, workerThreads, OPERATION_TIMEOUT);
    }

    /** As above, with the time an answer may take to be published (tests shorten it). */
    MqttFrontEnd(URI broker, String clientId, MqttCredentials credentials, LoginService logins,
                 BindingService bindings, ServerMetrics metrics, int workerThreads, Duration answerTimeout)
        throws MqttException {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.answerTimeout = Objects.requireNonNull(answerTimeout, "answerTimeout");
        this.logins = Objects.requireNonNull(logins, "logins");
        this.bindings = Objects.requireNonNull(bindings, "bindings");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.source = "mqtt:" + clientId;
        this.client = new MqttAsyncClient(broker.toString(), clientId, new MemoryPersistence());
        this.acks = new InOrderAcks(client::messageArrivedComplete);
        AtomicInteger n = new AtomicInteger();
        this.resubscriber = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vinbind-mqtt-resubscribe");
            t.setDaemon(true);
            return t;
        });
        this.workers = new ThreadPoolExecutor(workerThreads, workerThreads, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "vinbind-mqtt-worker-" + n.incrementAndGet());
                t.setDaemon(true);
                t.setUncaughtExceptionHandler((th, e) -> Logger.error(e, "worker {} died", th.getName()));
                return t;
            });
    }

    /**
     * Connects and subscribes; returns when both are confirmed.
     *
     * @throws MqttException when the broker refuses or does not answer within {@link #OPERATION_TIMEOUT}
     */
    public void start() throws MqttException {
        client.setManualAcks(true);
        client.setCallback(new Callback());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(false);
        options.setSessionExpiryInterval(SESSION_EXPIRY_S);
        options.setAutomaticReconnect(true);
        options.setAutomaticReconnectDelay(1, 30);
        options.setKeepAliveInterval(30);
        options.setConnectionTimeout((int) OPERATION_TIMEOUT.toSeconds());
        options.setReceiveMaximum(RECEIVE_MAXIMUM);
        credentials.applyTo(options);
        this.options = options;
        IMqttToken connect = client.connect(options);
        connect.waitForCompletion(OPERATION_TIMEOUT.toMillis());
        subscribe();
        Logger.info("MQTT front end {} connected to {}, consuming {} and {}", client.getClientId(),
            client.getServerURI(), Topics.sharedSubscription(MessageType.LOGIN),
            Topics.sharedSubscription(MessageType.BIND));
    }

    /** Consumes heartbeats too ({@code $share/vinbind/vinbind/v2/+/heartbeat}) and answers them; before {@link #start}. */
    public void enablePresence(io.vinbind.server.presence.PresenceService service) {
        this.presence = Objects.requireNonNull(service, "service");
    }

    /**
     * Decides the logins, binds and heartbeats that arrived together in one transaction of {@code db} (the
     * database the services use) instead of one each; before {@link #start}.
     */
    public void enableGroupCommit(Database db) {
        this.groupCommit = Objects.requireNonNull(db, "db");
    }

    /** Requests received and not yet taken by a worker (tests wait on it to make requests arrive together). */
    int queued() {
        return inbox.size();
    }

    /** A request as it arrived, waiting for a worker. */
    private record Received(String topic, MqttMessage message, InOrderAcks.Pending pending) {
    }

    /** A request checked: either decided already ({@link Decision}) or needing the database ({@link Job}). */
    private sealed interface Step permits Decision, Job {
    }

    /** What a request came to: the answer to publish (null: none), and whether it may be acknowledged without one. */
    private record Decision(Message ack, boolean done) implements Step {
        static Decision answer(Message ack) {
            return new Decision(Objects.requireNonNull(ack, "ack"), true);
        }

        /** Dealt with, nothing to answer (bad input that names no request): acknowledged. */
        static Decision dropped() {
            return new Decision(null, true);
        }

        /** Not stored (the database failed): left unacknowledged for the broker to deliver again. */
        static Decision notStored() {
            return new Decision(null, false);
        }
    }

    /**
     * A request's database work: {@code inGroup} runs inside a group commit's transaction and returns how to count
     * and answer it once that committed; {@code alone} decides it in a transaction of its own.
     */
    private record Job(String terminal, SqlWork<Supplier<Decision>> inGroup, Supplier<Decision> alone) implements Step {
    }

    private void subscribe() throws MqttException {
        subscribed = false;
        java.util.List<MqttSubscription> subs = new java.util.ArrayList<>(java.util.List.of(
            new MqttSubscription(Topics.sharedSubscription(MessageType.LOGIN), Protocol.QOS),
            new MqttSubscription(Topics.sharedSubscription(MessageType.BIND), Protocol.QOS)));
        if (presence != null) {
            subs.add(new MqttSubscription(Topics.sharedSubscription(MessageType.HEARTBEAT), Protocol.QOS));
            subs.add(new MqttSubscription(Topics.sharedSubscription(MessageType.STATUS), Protocol.QOS));
        }
        IMqttToken sub = client.subscribe(subs.toArray(new MqttSubscription[0]));
        sub.waitForCompletion(OPERATION_TIMEOUT.toMillis());
        for (int code : sub.getReasonCodes()) {
            if (code > Protocol.QOS) {
                throw new MqttException(code);
            }
        }
        subscribed = true;
    }

    /**
     * Subscribes again until it works, every {@link #RESUBSCRIBE_PERIOD}, while the client is connected: an
     * instance that reconnected without its subscriptions would otherwise look healthy and consume nothing.
     */
    private void resubscribeUntilDone() {
        if (resubscriber.isShutdown()) {
            return;
        }
        try {
            subscribe();
            Logger.info("MQTT subscriptions restored");
        } catch (MqttException | RuntimeException e) {
            metrics.increment("mqtt.resubscribe.failed");
            Logger.error("re-subscribing failed ({}); trying again in {}", e.getMessage(), RESUBSCRIBE_PERIOD);
            try {
                resubscriber.schedule(this::resubscribeUntilDone, RESUBSCRIBE_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopped) {
                Logger.debug("not re-subscribing: shutting down");
            }
        }
    }

    /** Connected and consuming: both shared subscriptions confirmed. */
    public boolean isConnected() {
        return client.isConnected() && subscribed;
    }

    /**
     * Publishes a bind-ack that is not the direct answer to a request (an operator's decision on a held
     * rebind). Best effort: the stored answer serves any later replay.
     */
    public void publish(BindAck ack) {
        publishAck(ack);
    }

    private final class Callback implements MqttCallback {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            int forgotten = acks.newConnection();
            if (forgotten > 0) {
                Logger.info("{} unacknowledged requests are left for the broker to deliver again", forgotten);
            }
            Logger.warn("MQTT connection to {} lost ({}); reconnecting", client.getServerURI(),
                response.getException() != null ? response.getException().getMessage()
                    : "reason code " + response.getReturnCode());
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            Logger.error(exception, "MQTT error");
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            InOrderAcks.Pending pending = acks.arrived(message.getId(), message.getQos());
            try {
                inbox.add(new Received(topic, message, pending));
                workers.execute(MqttFrontEnd.this::drainInbox);
            } catch (RejectedExecutionException e) {
                // shutting down: left unacknowledged, so the broker redelivers it to this session or a peer
                Logger.info("shutting down; message {} on {} left for redelivery", message.getId(), Untrusted.escape(topic));
            }
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            // acks are QoS 1; completion is awaited where they are published
        }

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            if (reconnect) {
                Logger.info("MQTT reconnected to {}", serverUri);
                // the session normally kept them, but a broker that restarted without its sessions has not;
                // subscribing again is harmless. Off Paho's callback thread, retried until it works.
                subscribed = false;
                try {
                    resubscriber.execute(MqttFrontEnd.this::resubscribeUntilDone);
                } catch (RejectedExecutionException e) {
                    Logger.debug("not re-subscribing: shutting down");
                }
            }
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            Logger.warn("unexpected MQTT AUTH packet, reason {}", reasonCode);
        }
    }

    /**
     * Takes what is waiting in the inbox (at most {@link #BATCH_MAX}, in arrival order) and deals with it as one
     * batch: decided (the database work of its logins, binds and heartbeats in one group commit), answered (each
     * with its own ack, all published before any is awaited) and acknowledged in arrival order. Runs once per
     * arrival; a run that finds the inbox empty (an earlier run took its request) does nothing.
     */
    private void drainInbox() {
        List<Received> batch = new ArrayList<>();
        inbox.drainTo(batch, BATCH_MAX);
        if (batch.isEmpty()) {
            return;
        }
        try {
            drain(batch);
        } catch (RuntimeException e) {
            // a defect must not leave the batch's acknowledgements pending: later PUBACKs wait for them (in order)
            Logger.error(e, "a batch of {} requests failed unexpectedly; not acknowledged, the broker redelivers them",
                batch.size());
            boolean replace = false;
            for (Received r : batch) {
                if (acks.failed(r.pending())) { // one acknowledged already is out of the queue: no harm
                    replace = true;
                }
            }
            if (replace) {
                replaceConnection();
            }
        }
    }

    private void drain(List<Received> batch) {
        metrics.observe("mqtt.batch.size", batch.size());
        if (batch.size() > 1) {
            Logger.debug("taking {} waiting requests as one batch", batch.size());
        }
        Decision[] decisions = decideAll(batch);
        List<Message> toSend = new ArrayList<>();
        for (Decision d : decisions) {
            if (d.ack() != null) {
                toSend.add(d.ack());
            }
        }
        boolean[] published = publishAll(toSend);
        boolean replace = false;
        int k = 0;
        for (int i = 0; i < batch.size(); i++) {
            boolean answered = decisions[i].ack() != null ? published[k++] : decisions[i].done();
            InOrderAcks.Pending pending = batch.get(i).pending();
            if (answered) {
                acks.finished(pending);
            } else if (acks.failed(pending)) {
                replace = true;
            }
        }
        if (replace) {
            replaceConnection();
        }
    }

    /**
     * Decides every request of a batch. What needs the database goes into one group commit
     * ({@link Database#transactionEach}), in the order of the requests' terminal ids (stable: one terminal's
     * requests keep their arrival order), so that two instances' groups take the terminals' row locks in the same
     * order. A request whose work fails in the group (bad data, a defect, a deadlock, a lock timeout, a raced
     * unique key) is left out (the group runs again without it) and decided again alone after the group's commit,
     * with the single transaction's retries, so it gets the answer it would have got alone and sinks nobody else;
     * so are the later requests of the same terminal in the batch (their order is kept). If the group's commit fails,
     * every request of it is decided alone. A lone request is decided alone at once: nothing waits for company.
     */
    private Decision[] decideAll(List<Received> batch) {
        Decision[] out = new Decision[batch.size()];
        List<Integer> jobIndex = new ArrayList<>();
        List<Job> jobs = new ArrayList<>();
        Optional<io.vinbind.server.binding.BindingStore.Group> group = groupCommit != null && batch.size() > 1
            ? bindings.newGroup() : Optional.empty();
        io.vinbind.server.presence.PresenceService.Group beats = groupCommit != null && batch.size() > 1
            && presence != null ? presence.newGroup() : null;
        for (int i = 0; i < batch.size(); i++) {
            Received r = batch.get(i);
            try {
                Step step = prepare(r.topic(), r.message().getPayload(), group, beats);
                if (step instanceof Job job) {
                    jobIndex.add(i);
                    jobs.add(job);
                } else {
                    out[i] = (Decision) step;
                }
            } catch (RuntimeException e) {
                out[i] = unexpected(r.topic(), e);
            }
        }
        Database db = groupCommit;
        if (jobs.size() == 1 || (db == null && !jobs.isEmpty())) {
            for (int k = 0; k < jobs.size(); k++) {
                out[jobIndex.get(k)] = alone(batch.get(jobIndex.get(k)).topic(), jobs.get(k));
            }
            return out;
        }
        if (jobs.isEmpty()) {
            return out;
        }
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < jobs.size(); k++) {
            order.add(k);
        }
        order.sort(java.util.Comparator.comparing(k -> jobs.get(k).terminal())); // List.sort is stable
        List<String> keys = new ArrayList<>();
        List<SqlWork<Supplier<Decision>>> works = new ArrayList<>();
        int offset = 0;
        if (group.isPresent()) { // first: the rows the logins and binds lock first, locked for all at once
            SqlWork<Void> prefetch = group.get().prefetch();
            keys.add(""); // no terminal id is empty
            works.add(c -> {
                prefetch.run(c);
                return () -> null;
            });
            offset++;
        }
        if (beats != null) { // then the heartbeats' presence rows and last windows
            SqlWork<Void> prefetch = beats.prefetch();
            keys.add("");
            works.add(c -> {
                prefetch.run(c);
                return () -> null;
            });
            offset++;
        }
        for (int k : order) {
            keys.add(jobs.get(k).terminal());
            works.add(jobs.get(k).inGroup());
        }
        if (group.isPresent()) { // the logins' and binds' deferred history rows and answers
            SqlWork<Void> flush = group.get().flush();
            keys.add(Database.WHOLE_GROUP);
            works.add(c -> {
                flush.run(c);
                return () -> null;
            });
        }
        if (beats != null) { // last: the heartbeats' deferred writes, without which their answers do not stand
            SqlWork<Void> flush = beats.flush();
            keys.add(Database.WHOLE_GROUP);
            works.add(c -> {
                flush.run(c);
                return () -> null;
            });
        }
        List<Optional<Supplier<Decision>>> results;
        try {
            results = db.transactionEach("group commit of " + jobs.size() + " requests", keys, works);
        } catch (StoreException e) {
            metrics.increment("db.group.failed");
            Logger.warn("group commit of {} requests failed ({}); deciding each alone", jobs.size(), e.getMessage());
            results = java.util.Collections.nCopies(works.size(), Optional.empty()); // the prefetch's slot too
        }
        int alone = 0;
        for (int n = 0; n < order.size(); n++) {
            int k = order.get(n);
            int i = jobIndex.get(k);
            Optional<Supplier<Decision>> done = results.get(n + offset);
            if (done.isPresent()) {
                try {
                    out[i] = done.get().get();
                } catch (RuntimeException e) {
                    out[i] = unexpected(batch.get(i).topic(), e);
                }
            } else {
                alone++;
                out[i] = alone(batch.get(i).topic(), jobs.get(k));
            }
        }
        metrics.observe("db.group.size", jobs.size());
        if (alone > 0) {
            metrics.observe("db.group.alone", alone);
        }
        Logger.debug("group commit: {} requests in one transaction, {} of them decided alone", jobs.size(), alone);
        return out;
    }

    /** Decides a request in its own transaction (retried on conflicts, as before group commit). */
    private Decision alone(String topic, Job job) {
        try {
            return job.alone().get();
        } catch (RuntimeException e) {
            return unexpected(topic, e);
        }
    }

    /** A defect: logged and acknowledged, see the class comment (it must not block the queue for ever). */
    private Decision unexpected(String topic, RuntimeException e) {
        metrics.increment("errors.unexpected");
        Logger.error(e, "handling a message on {} failed", Untrusted.escape(topic));
        return Decision.dropped();
    }

    /**
     * Drops the connection without acknowledging what is pending and connects again to the same session, so
     * that the broker delivers the request whose answer could not be published (and those behind it) again.
     * Runs on the re-subscription thread; one replacement at a time.
     */
    private void replaceConnection() {
        if (!replacing.compareAndSet(false, true)) {
            return;
        }
        try {
            resubscriber.execute(() -> {
                try {
                    metrics.increment("mqtt.connection.replaced");
                    Logger.warn("an answer could not be published: reconnecting so the broker delivers the "
                        + "unacknowledged requests again");
                    subscribed = false;
                    acks.newConnection();
                    try {
                        client.disconnectForcibly(0, 1000, false);
                    } catch (MqttException e) {
                        Logger.debug("forced disconnect: {}", e.getMessage());
                    }
                    reconnectUntilDone();
                } finally {
                    replacing.set(false);
                }
            });
        } catch (RejectedExecutionException e) {
            replacing.set(false);
            Logger.debug("not reconnecting: shutting down");
        }
    }

    /** Connects (same session) and subscribes, retrying with a growing pause while not shutting down. */
    private void reconnectUntilDone() {
        long pauseMs = 200;
        while (!resubscriber.isShutdown()) {
            try {
                acks.newConnection();
                client.connect(options).waitForCompletion(OPERATION_TIMEOUT.toMillis());
                subscribe();
                Logger.info("MQTT connection replaced; consuming again");
                return;
            } catch (MqttException | RuntimeException e) {
                Logger.warn("reconnecting failed ({}); trying again in {} ms", e.getMessage(), pauseMs);
                if (!pause(pauseMs)) {
                    return;
                }
                pauseMs = Math.min(pauseMs * 2, 10_000);
            }
        }
    }

    /**
     * Decides one message alone and publishes its answer. Package-private for tests.
     *
     * @return false when an answer was due but could not be published (the request must not be
     *     acknowledged); true when it was published, or when none could be sent (dropped input)
     */
    boolean handle(String topic, byte[] payload) {
        Step step = prepare(topic, payload, Optional.empty(), null);
        Decision d = step instanceof Job job ? job.alone().get() : (Decision) step;
        return d.ack() != null ? publishAck(d.ack()) : d.done();
    }

    /**
     * Checks a message and decides what needs no database at once (bad topic, bad payload, refusals before the
     * rules); what needs the database becomes a {@link Job}, for a group commit or alone.
     */
    private Step prepare(String topic, byte[] payload, Optional<io.vinbind.server.binding.BindingStore.Group> group,
                         io.vinbind.server.presence.PresenceService.Group beats) {
        TopicAddress address;
        try {
            address = Topics.parse(topic);
        } catch (ProtocolException e) {
            metrics.increment("dropped.BAD_TOPIC");
            Logger.warn("dropped a message: {}", e.getMessage());
            return Decision.dropped();
        }
        if (address.type() == MessageType.HEARTBEAT && presence != null) {
            return heartbeat(address, payload, beats);
        }
        if (address.type() == MessageType.STATUS && presence != null) {
            return status(address, payload);
        }
        if (address.type() != MessageType.LOGIN && address.type() != MessageType.BIND) {
            metrics.increment("dropped.UNEXPECTED_ACK");
            Logger.warn("dropped a {} on {}: the front end consumes logins and binds only", address.type(),
                Untrusted.escape(topic));
            return Decision.dropped();
        }
        String kind = address.type() == MessageType.LOGIN ? "login" : "bind";
        metrics.increment(kind + ".received");
        Message decoded;
        try {
            decoded = JsonCodec.decode(address.type(), payload);
        } catch (ProtocolException e) {
            return refuseMalformed(address, e);
        }
        String terminal = address.terminalId();
        boolean grouped = groupCommit != null;
        if (decoded instanceof LoginRequest login) {
            Supplier<Decision> alone = () -> loginAnswer(logins.login(login, terminal, source));
            Optional<SqlWork<LoginResult>> work = grouped ? logins.groupWork(login, terminal, source, group) : Optional.empty();
            if (work.isEmpty()) {
                return alone.get();
            }
            return new Job(terminal, c -> {
                LoginResult r = work.get().run(c);
                return () -> loginAnswer(r);
            }, alone);
        } else if (decoded instanceof BindRequest bind) {
            Supplier<Decision> alone = () -> bindAnswer(bindings.bind(bind, terminal, source));
            Optional<SqlWork<BindResult>> work = grouped ? bindings.groupWork(bind, terminal, source, group) : Optional.empty();
            if (work.isEmpty()) {
                return alone.get();
            }
            return new Job(terminal, c -> {
                BindResult r = work.get().run(c);
                return () -> bindAnswer(r);
            }, alone);
        }
        throw new IllegalStateException("decoded " + decoded.type() + " on a request topic");
    }

    private Decision loginAnswer(LoginResult result) {
        count("login", result.ack().outcome().name(), result.ack().reason(), result.replayed());
        return Decision.answer(result.ack());
    }

    private Decision bindAnswer(BindResult result) {
        count("bind", result.ack().outcome().name(), result.ack().reason(), result.replayed());
        return Decision.answer(result.ack());
    }

    /**
     * A heartbeat: applied and answered with the terminal's limits. A malformed one cannot be answered (the ack has no
     * refusal: its limits would be a guess) and is dropped, counted and logged.
     */
    private Step heartbeat(TopicAddress address, byte[] payload, io.vinbind.server.presence.PresenceService.Group beats) {
        metrics.increment("heartbeat.received");
        io.vinbind.protocol.Heartbeat hb;
        try {
            hb = (io.vinbind.protocol.Heartbeat) JsonCodec.decode(MessageType.HEARTBEAT, payload);
        } catch (ProtocolException e) {
            metrics.increment("dropped.heartbeat." + e.reasonCode().name());
            Logger.warn("dropped a heartbeat from {}: {}", address.terminalId(), e.getMessage());
            return Decision.dropped();
        }
        String terminal = address.terminalId();
        Supplier<Decision> alone = () -> {
            try {
                return Decision.answer(presence.heartbeat(hb, terminal, source));
            } catch (IllegalArgumentException e) {
                return heartbeatMismatch(terminal, e);
            } catch (StoreException e) {
                return heartbeatNotStored(terminal, e);
            }
        };
        if (groupCommit == null) {
            return alone.get();
        }
        SqlWork<io.vinbind.protocol.HeartbeatAck> work;
        try {
            work = presence.groupWork(hb, terminal, source, beats);
        } catch (IllegalArgumentException e) {
            return heartbeatMismatch(terminal, e);
        } catch (StoreException e) {
            return heartbeatNotStored(terminal, e);
        }
        return new Job(terminal, c -> {
            io.vinbind.protocol.HeartbeatAck ack = work.run(c);
            return () -> Decision.answer(ack);
        }, alone);
    }

    private Decision heartbeatMismatch(String terminal, IllegalArgumentException e) {
        metrics.increment("dropped.heartbeat.IDENTITY_MISMATCH");
        Logger.warn("dropped a heartbeat from {}: {}", terminal, Untrusted.escape(e.getMessage()));
        return Decision.dropped();
    }

    private Decision heartbeatNotStored(String terminal, StoreException e) {
        metrics.increment("heartbeat.store.failed");
        Logger.error("heartbeat of {} not stored ({}); left for the broker to deliver again", terminal, e.getMessage());
        return Decision.notStored();
    }

    /** A batch of status records: stored (each once) and answered; a malformed one is dropped like a heartbeat. */
    private Decision status(TopicAddress address, byte[] payload) {
        metrics.increment("status.received");
        io.vinbind.protocol.StatusReport report;
        try {
            report = (io.vinbind.protocol.StatusReport) JsonCodec.decode(MessageType.STATUS, payload);
        } catch (ProtocolException e) {
            metrics.increment("dropped.status." + e.reasonCode().name());
            Logger.warn("dropped a status report from {}: {}", address.terminalId(), e.getMessage());
            return Decision.dropped();
        }
        try {
            return Decision.answer(presence.status(report, address.terminalId()));
        } catch (IllegalArgumentException e) {
            metrics.increment("dropped.status.INVALID");
            Logger.warn("dropped a status report from {}: {}", address.terminalId(), Untrusted.escape(e.getMessage()));
            return Decision.dropped();
        } catch (StoreException e) {
            metrics.increment("status.store.failed");
            Logger.error("status records of {} not stored ({}); left for the broker to deliver again",
                address.terminalId(), e.getMessage());
            return Decision.notStored();
        }
    }

    private Decision refuseMalformed(TopicAddress address, ProtocolException e) {
        ReasonCode reason = e.reasonCode();
        metrics.increment("refused." + reason.name());
        if (e.requestId().isEmpty()) {
            metrics.increment("dropped.NO_REQUEST_ID");
            Logger.warn("dropped a {} from {} that has no readable requestId: {}", address.type(),
                address.terminalId(), e.getMessage());
            return Decision.dropped();
        }
        String requestId = e.requestId().get();
        Logger.warn("refused {} {} from {} with {}: {}", address.type(), requestId, address.terminalId(), reason,
            e.getMessage());
        // the payload was refused, so its IMSI and VIN are not known: the ack names the terminal only
        if (address.type() == MessageType.LOGIN) {
            return Decision.answer(LoginAck.rejected(requestId, address.terminalId(), "", reason));
        }
        return Decision.answer(new BindAck(Protocol.VERSION, requestId, address.terminalId(), "", "",
            BindOutcome.REJECTED, reason));
    }

    private void count(String kind, String outcome, ReasonCode reason, boolean replayed) {
        metrics.increment(kind + ".outcome." + outcome);
        if (reason != ReasonCode.NONE) {
            metrics.increment((isBadInput(reason) ? "refused." : kind + ".reason.") + reason.name());
        }
        if (replayed) {
            metrics.increment(kind + ".replayed");
        }
    }

    /** Reasons that mean the request itself was wrong (as opposed to a decision or a server problem). */
    static boolean isBadInput(ReasonCode reason) {
        return switch (reason) {
            case MALFORMED_PAYLOAD, PAYLOAD_TOO_LARGE, UNSUPPORTED_VERSION, IDENTITY_MISMATCH, UNKNOWN_IMSI,
                NOT_LOGGED_IN, INVALID_VIN, TERMINAL_REVOKED -> true;
            default -> false;
        };
    }

    /** Publishes one answer and waits for the broker's PUBACK; see {@link #publishAll}. */
    private boolean publishAck(Message ack) {
        return publishAll(List.of(ack))[0];
    }

    /**
     * Publishes answers at QoS 1, in order, all before waiting for any, then waits for each PUBACK (bounded by the
     * answer timeout from the first publish): a batch's answers share the round trips to the broker. When the
     * client's send quota is used up (MQTT 5 §4.9 flow control against the broker's Receive Maximum; Paho reports
     * it as {@code REASON_CODE_MAX_INFLIGHT} and its v5 client's count can run ahead of the real window) the
     * publish waits for the oldest answer still in flight (or a short growing pause when none of this batch is)
     * and is retried until the timeout: the caller PUBACKs the request afterwards, so an answer given up here is
     * one the terminal only gets by retrying.
     *
     * @return per answer, whether the broker acknowledged it
     */
    private boolean[] publishAll(List<Message> answers) {
        long deadline = System.nanoTime() + answerTimeout.toNanos();
        IMqttToken[] tokens = new IMqttToken[answers.size()];
        for (int i = 0; i < answers.size(); i++) {
            tokens[i] = send(answers.get(i), deadline, tokens, i);
        }
        boolean[] published = new boolean[answers.size()];
        for (int i = 0; i < answers.size(); i++) {
            if (tokens[i] == null) {
                continue;
            }
            Message ack = answers.get(i);
            try {
                tokens[i].waitForCompletion(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                metrics.increment("acks.published");
                published[i] = true;
            } catch (MqttException e) {
                metrics.increment("acks.failed");
                Logger.error("could not publish {} {} to {}: {}", ack.type(), ack.requestId(), ack.topic(), e.getMessage());
            }
        }
        return published;
    }

    /** Hands one answer to the client; null (counted, logged) when it could not be sent before the deadline. */
    private IMqttToken send(Message ack, long deadline, IMqttToken[] earlier, int count) {
        byte[] payload = JsonCodec.encode(ack);
        long pauseMs = 1;
        int oldest = 0;
        while (true) {
            try {
                return client.publish(ack.topic(), payload, Protocol.QOS, false);
            } catch (MqttException e) {
                boolean quotaFull = e.getReasonCode() == MqttClientException.REASON_CODE_MAX_INFLIGHT;
                if (quotaFull && System.nanoTime() < deadline) {
                    metrics.increment("acks.throttled");
                    while (oldest < count && (earlier[oldest] == null || earlier[oldest].isComplete())) {
                        oldest++;
                    }
                    if (oldest < count) {
                        try {
                            earlier[oldest].waitForCompletion(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                        } catch (MqttException ignored) {
                            // that answer's own wait reports it; here it only frees a slot
                        }
                        continue;
                    }
                    if (pause(pauseMs)) {
                        pauseMs = Math.min(pauseMs * 2, 50);
                        continue;
                    }
                }
                metrics.increment("acks.failed");
                Logger.error("could not publish {} {} to {}: {}", ack.type(), ack.requestId(), ack.topic(), e.getMessage());
                return null;
            }
        }
    }

    /** Sleeps; false (with the interrupt kept) when the worker is being stopped. */
    private static boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Stops as a crash would: requests being decided are abandoned (their transactions roll back when the pool
     * closes), nothing more is acknowledged, and the connection is dropped without a DISCONNECT, so the broker
     * keeps the session with its unacknowledged requests for {@value #SESSION_EXPIRY_S} s.
     */
    public void kill() {
        resubscriber.shutdownNow();
        workers.shutdownNow();
        try {
            client.disconnectForcibly(0, 1000, false);
        } catch (MqttException e) {
            Logger.warn("MQTT forced disconnect: {}", e.getMessage());
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            Logger.warn("MQTT client close: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        resubscriber.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(OPERATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                Logger.warn("MQTT workers still busy after {}; stopping them", OPERATION_TIMEOUT);
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
        try {
            if (client.isConnected()) {
                // a planned stop ends the session (expiry 0): a stopped instance must not keep a place in the
                // shared-subscription group, or the broker would queue a share of the requests for it
                MqttProperties endSession = new MqttProperties();
                endSession.setSessionExpiryInterval(0L);
                client.disconnect(OPERATION_TIMEOUT.toMillis(), null, null, 0, endSession)
                    .waitForCompletion(OPERATION_TIMEOUT.toMillis());
            }
        } catch (MqttException e) {
            Logger.warn("MQTT disconnect: {}", e.getMessage());
        }
        try {
            client.close();
        } catch (MqttException e) {
            Logger.warn("MQTT client close: {}", e.getMessage());
        }
    }
}
