package io.vinbind.server.presence;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.log.Untrusted;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.pki.PemTrust;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.Sql;
import io.vinbind.server.store.StoreException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * Delivers the online dictionary's events (the ONLINE / OFFLINE rows of {@code presence_event}) to a back end's
 * webhook (issue 15 item 2): {@code POST url} with {@code {"events": [...]}}, at most {@value #BATCH} a request,
 * oldest first, each event with its {@code id}.
 *
 * <ul>
 *   <li><b>Nothing lost.</b> An event counts as delivered only when the back end answered 2xx; then it is marked
 *       ({@code delivered_at}). Delivery looks for unmarked events, not past a cursor, so an event whose transaction
 *       committed after a later one's is found too. A back end that is down or answers otherwise gets the same events
 *       again later, with backoff (1 s doubling to 60 s).</li>
 *   <li><b>At least once.</b> An instance that dies between the back end's 2xx and the mark sends those events again
 *       (from whichever instance delivers next): back ends keep the {@code id}s they took.</li>
 *   <li><b>One deliverer.</b> Of several instances on one database, the one holding the lease row
 *       ({@code delivery_lease}, a conditional update) delivers; the others try to take it each poll and do once it
 *       expired (30 s) or was given back ({@link #close}).</li>
 * </ul>
 */
public final class EventWebhook implements AutoCloseable {

    /** Most events one request carries. */
    static final int BATCH = 100;
    /** Most requests one round sends (the next poll goes on). */
    static final int ROUNDS = 20;
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    static final Duration LEASE = Duration.ofSeconds(30);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
    static final String LEASE_NAME = "presence-webhook";
    /** Bytes of a back end's answer read (for the log); the rest is left unread. */
    static final int ANSWER_SHOWN = 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Where the events go.
     *
     * @param url https, or plain http to loopback only
     * @param token bearer token sent as {@code Authorization: Bearer …}, when the back end wants one
     * @param trust CA certificates (PEM) the back end's TLS certificate chains to; empty: the JDK's trust store
     */
    public record Target(URI url, Optional<String> token, Optional<Path> trust) {
        public Target {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(trust, "trust");
            boolean https = "https".equals(url.getScheme());
            boolean loopbackHttp = "http".equals(url.getScheme()) && url.getHost() != null
                && ServerConfig.loopback(url.getHost());
            if (!https && !loopbackHttp) {
                throw new IllegalArgumentException("webhook " + url + " is not https:// (plain http only to loopback)");
            }
        }

        /** What the startup banner shows: the URL, never the token. */
        @Override
        public String toString() {
            return url + (token.isPresent() ? " (bearer token)" : "") + trust.map(t -> " (CA " + t + ")").orElse("");
        }
    }

    /**
     * Parses {@code --presence-webhook URL[,token-file=FILE][,ca-file=FILE]}; the token file must be private.
     *
     * @throws IllegalArgumentException naming the part that is wrong
     */
    public static Target parse(String option) {
        String usage = " (expected URL[,token-file=FILE][,ca-file=FILE])";
        if (option == null || option.isBlank()) {
            throw new IllegalArgumentException("--presence-webhook is empty" + usage);
        }
        String[] parts = option.split(",");
        URI url;
        try {
            url = new URI(parts[0]);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--presence-webhook: URL is not valid: " + e.getMessage() + usage);
        }
        if (url.getScheme() == null || url.getHost() == null) {
            throw new IllegalArgumentException("--presence-webhook: URL '" + Untrusted.escape(parts[0], 200)
                + "' has no scheme or host" + usage);
        }
        Optional<String> token = Optional.empty();
        Optional<Path> trust = Optional.empty();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            String key = eq < 0 ? parts[i] : parts[i].substring(0, eq);
            String value = eq < 0 ? "" : parts[i].substring(eq + 1);
            switch (key) {
                case "token-file" -> token = Optional.of(readToken(Path.of(value)));
                case "ca-file" -> {
                    if (!Files.isReadable(Path.of(value))) {
                        throw new IllegalArgumentException("--presence-webhook: ca-file " + value + " cannot be read");
                    }
                    trust = Optional.of(Path.of(value));
                }
                default -> throw new IllegalArgumentException("--presence-webhook: unknown part '"
                    + Untrusted.escape(key, 64) + "'" + usage);
            }
        }
        try {
            return new Target(url, token, trust);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--presence-webhook: " + e.getMessage());
        }
    }

    private static String readToken(Path file) {
        try {
            return io.vinbind.server.pki.SecretFiles.readToken(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--presence-webhook: token-file " + file + " cannot be read: "
                + e.getMessage());
        }
    }

    private final Database db;
    private final Target target;
    private final String owner;
    private final Clock clock;
    private final HttpClient http;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile Optional<String> lastError = Optional.empty();
    private Duration backoff = Duration.ZERO;
    private Instant nextTry = Instant.MIN;
    private ScheduledExecutorService timer;
    private volatile boolean closing;

    /**
     * @param owner this instance's name in the lease
     * @throws IOException the CA file cannot be read
     */
    public EventWebhook(Database db, Target target, String owner, Clock clock) throws IOException {
        this.db = Objects.requireNonNull(db, "db");
        this.target = Objects.requireNonNull(target, "target");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.clock = Objects.requireNonNull(clock, "clock");
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(CALL_TIMEOUT).version(HttpClient.Version.HTTP_1_1);
        if (target.trust().isPresent()) {
            b.sslContext(PemTrust.trusting(target.trust().get()));
        }
        this.http = b.build();
    }

    /** Delivers every {@code poll} on a thread of its own until {@link #close}. */
    public synchronized EventWebhook start(Duration poll) {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "vinbind-presence-webhook");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleWithFixedDelay(() -> {
                try {
                    deliverDue();
                } catch (RuntimeException e) {
                    Logger.error(e, "presence webhook: a round failed unexpectedly (the next poll goes on)");
                }
            }, 0, poll.toMillis(), TimeUnit.MILLISECONDS);
            Logger.info("presence webhook: events go to {}", target);
        }
        return this;
    }

    private void deliverDue() {
        if (clock.instant().isBefore(nextTry)) {
            return;
        }
        try {
            deliverOnce();
        } catch (StoreException e) {
            Logger.warn("presence webhook: database: {} (the next poll tries again)", e.getMessage());
        }
    }

    /**
     * One round: takes (or keeps) the lease, then sends the undelivered events batch after batch until none is left,
     * {@value #ROUNDS} requests went, or the back end did not take one.
     *
     * @return the events the back end took in this round (0 without the lease)
     */
    public synchronized int deliverOnce() throws StoreException {
        if (!lease()) {
            return 0;
        }
        int sent = 0;
        for (int round = 0; round < ROUNDS && !closing; round++) {
            List<PresenceService.Event> events = undelivered();
            if (events.isEmpty()) {
                break;
            }
            Optional<String> problem = post(events);
            if (problem.isPresent()) {
                failures.incrementAndGet();
                lastError = problem;
                backoff = backoff.isZero() ? Duration.ofSeconds(1) : min(backoff.multipliedBy(2), MAX_BACKOFF);
                nextTry = clock.instant().plus(backoff);
                Logger.warn("presence webhook: {} events not taken by {}: {}; again in {} s", events.size(),
                    target.url(), problem.get(), backoff.toSeconds());
                break;
            }
            mark(events);
            backoff = Duration.ZERO;
            nextTry = Instant.MIN;
            lastError = Optional.empty();
            sent += events.size();
            delivered.addAndGet(events.size());
            lease();
        }
        return sent;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Takes the lease when it is free or expired, or renews this instance's. */
    private boolean lease() throws StoreException {
        Instant now = clock.instant();
        return db.transaction("presence webhook lease", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE delivery_lease SET lease_owner = ?, lease_until = ?"
                + " WHERE name = ? AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)")) {
                ps.setString(1, owner);
                Sql.setInstant(ps, 2, now.plus(LEASE));
                ps.setString(3, LEASE_NAME);
                Sql.setInstant(ps, 4, now);
                ps.setString(5, owner);
                return ps.executeUpdate() == 1;
            }
        });
    }

    private List<PresenceService.Event> undelivered() throws StoreException {
        return db.query("undelivered presence events", c -> {
            List<PresenceService.Event> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM presence_event WHERE delivered_at IS NULL"
                + " ORDER BY id FETCH FIRST " + BATCH + " ROWS ONLY");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(PresenceService.eventOf(rs));
                }
            }
            return out;
        });
    }

    private void mark(List<PresenceService.Event> events) throws StoreException {
        Instant now = clock.instant();
        db.transaction("mark " + events.size() + " presence events delivered", c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE presence_event SET delivered_at = ? WHERE id = ?"
                + " AND delivered_at IS NULL")) {
                for (PresenceService.Event e : events) {
                    Sql.setInstant(ps, 1, now);
                    ps.setLong(2, e.id());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /** The request; empty when the back end took it (2xx), else what went wrong. */
    private Optional<String> post(List<PresenceService.Event> events) {
        List<Map<String, Object>> views = new ArrayList<>();
        events.forEach(e -> views.add(e.view()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("events", views);
        HttpRequest.Builder b = HttpRequest.newBuilder(target.url()).timeout(CALL_TIMEOUT)
            .header("Content-Type", "application/json");
        target.token().ifPresent(t -> b.header("Authorization", "Bearer " + t));
        try {
            // the whole exchange bounded in time, and only the answer's first bytes kept: a back end that trickles
            // or floods its answer neither stalls the deliverer nor fills its memory
            HttpResponse<String> r = http.sendAsync(b.POST(HttpRequest.BodyPublishers.ofByteArray(
                JSON.writeValueAsBytes(body))).build(), x -> new Head(ANSWER_SHOWN))
                .get(CALL_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
            if (r.statusCode() / 100 == 2) {
                return Optional.empty();
            }
            return Optional.of("HTTP " + r.statusCode() + " " + Untrusted.escape(r.body(), 200));
        } catch (java.util.concurrent.TimeoutException e) {
            return Optional.of("no answer within " + CALL_TIMEOUT.multipliedBy(2).toSeconds() + " s");
        } catch (java.util.concurrent.ExecutionException e) {
            return Optional.of(describe(e.getCause() != null ? e.getCause() : e));
        } catch (IOException e) {
            return Optional.of(describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    /** What went wrong with a request, for the log: the JDK's client often leaves the message empty (refused). */
    private static String describe(Throwable t) {
        Throwable root = t;
        while ((root.getMessage() == null || root.getMessage().isBlank()) && root.getCause() != null) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return t.getClass().getSimpleName() + (m == null || m.isBlank() ? " (no answer: connection refused or reset)"
            : ": " + Untrusted.escape(m, 200));
    }

    /** The first {@code max} bytes of an answer as text; the rest is cancelled unread. */
    private static final class Head implements HttpResponse.BodySubscriber<String> {
        private final int max;
        private final java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
        private final java.util.concurrent.CompletableFuture<String> result = new java.util.concurrent.CompletableFuture<>();
        private java.util.concurrent.Flow.Subscription subscription;

        Head(int max) {
            this.max = max;
        }

        @Override
        public java.util.concurrent.CompletionStage<String> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(List<java.nio.ByteBuffer> items) {
            for (java.nio.ByteBuffer b : items) {
                int n = Math.min(b.remaining(), max - kept.size());
                byte[] chunk = new byte[n];
                b.get(chunk);
                kept.write(chunk, 0, n);
            }
            if (kept.size() >= max) {
                subscription.cancel();
                done();
            } else {
                subscription.request(1);
            }
        }

        @Override
        public void onError(Throwable t) {
            done(); // what arrived is enough to say what went wrong
        }

        @Override
        public void onComplete() {
            done();
        }

        private void done() {
            result.complete(kept.toString(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** Events the back end took since the start, failed requests, and the last failure (for health and tests). */
    public long delivered() {
        return delivered.get();
    }

    public long failures() {
        return failures.get();
    }

    public Optional<String> lastError() {
        return lastError;
    }

    /** Stops delivering and gives the lease back, so another instance takes over at its next poll. */
    @Override
    public void close() {
        closing = true;
        ScheduledExecutorService t;
        synchronized (this) {
            t = timer;
            timer = null;
        }
        if (t != null) {
            // never interrupted: an interrupt in the middle of a write closes an embedded H2 database for good; a round
            // ends after its request (bounded by the call timeout) once it sees closing
            t.shutdown();
            try {
                if (!t.awaitTermination(CALL_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS)) {
                    Logger.warn("presence webhook: its round did not end within {} s", CALL_TIMEOUT.toSeconds() + 5);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            db.transaction("give back the presence webhook lease", c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE delivery_lease SET lease_owner = NULL,"
                    + " lease_until = NULL WHERE name = ? AND lease_owner = ?")) {
                    ps.setString(1, LEASE_NAME);
                    ps.setString(2, owner);
                    return ps.executeUpdate();
                }
            });
        } catch (StoreException e) {
            // at JVM shutdown an embedded H2 may close before the server does: the lease then simply runs out
            Logger.info("presence webhook: lease not given back ({}); it runs out within {} s", e.getMessage(),
                LEASE.toSeconds());
        }
    }
}
