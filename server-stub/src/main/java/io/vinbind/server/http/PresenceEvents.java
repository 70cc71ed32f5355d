package io.vinbind.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.vinbind.server.presence.PresenceService;
import io.vinbind.server.store.StoreException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * Live presence transitions for {@code GET /presence/stream}: one poller per server reads the event feed from the
 * database every {@value #POLL_MS} ms while anyone listens (so it sees transitions made by every instance) and fans
 * each new one out as a server-sent event {@code presence} with its id (a client that reconnects names the last id
 * it has in {@code Last-Event-ID} or {@code ?after=}). A comment every {@value #KEEPALIVE_S} s keeps idle connections
 * open. At most {@value #MAX_LISTENERS} listen at once.
 */
final class PresenceEvents implements AutoCloseable {

    static final long POLL_MS = 1000;
    static final long KEEPALIVE_S = 15;
    static final int MAX_LISTENERS = 64;

    private record Listener(EventStream.Sink sink, AtomicLong after) {
    }

    private final PresenceService presence;
    private final ConcurrentHashMap<Object, Listener> listeners = new ConcurrentHashMap<>();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vinbind-presence-events");
        t.setDaemon(true);
        t.setUncaughtExceptionHandler((th, e) -> Logger.error(e, "uncaught in {}", th.getName()));
        return t;
    });
    private long ticks;

    PresenceEvents(PresenceService presence) {
        this.presence = presence;
        poller.scheduleWithFixedDelay(this::poll, POLL_MS, POLL_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * A stream of the transitions after {@code after} (empty: from now on).
     *
     * @throws HttpError 503 when {@link #MAX_LISTENERS} listen already
     */
    EventStream stream(Optional<Long> after) throws HttpError, StoreException {
        if (listeners.size() >= MAX_LISTENERS) {
            throw new HttpError(503, "too many presence streams are open (" + MAX_LISTENERS + "); try again later");
        }
        long start = after.isPresent() ? after.get() : latestId();
        return sink -> {
            Object key = new Object();
            listeners.put(key, new Listener(sink, new AtomicLong(start)));
            sink.comment("vinbind presence events after " + start);
            return () -> listeners.remove(key);
        };
    }

    private long latestId() throws StoreException {
        long id = 0;
        List<PresenceService.Event> page;
        do { // walk the feed to its end (pages of 1000); a fresh server has few
            page = presence.events(Optional.empty(), id, 1000);
            if (!page.isEmpty()) {
                id = page.get(page.size() - 1).id();
            }
        } while (page.size() == 1000);
        return id;
    }

    private void poll() {
        if (listeners.isEmpty()) {
            return;
        }
        ticks++;
        boolean keepAlive = ticks % (KEEPALIVE_S * 1000 / POLL_MS) == 0;
        long from = listeners.values().stream().mapToLong(l -> l.after().get()).min().orElse(0);
        List<PresenceService.Event> events;
        try {
            events = presence.events(Optional.empty(), from, 500);
        } catch (StoreException | RuntimeException e) {
            Logger.warn("presence stream: reading events failed (will retry): {}", e.getMessage());
            return;
        }
        listeners.forEach((key, l) -> {
            boolean alive = true;
            for (PresenceService.Event e : events) {
                if (e.id() > l.after().get()) {
                    alive = l.sink().send("presence", Long.toString(e.id()), json(e));
                    if (!alive) {
                        break;
                    }
                    l.after().set(e.id());
                }
            }
            if (alive && keepAlive) {
                alive = l.sink().comment("keep-alive");
            }
            if (!alive) {
                listeners.remove(key);
            }
        });
    }

    private static String json(PresenceService.Event e) {
        try {
            return HttpApi.JSON.writeValueAsString(e.view());
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot write a presence event: " + ex.getMessage(), ex);
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
        listeners.clear();
    }
}
