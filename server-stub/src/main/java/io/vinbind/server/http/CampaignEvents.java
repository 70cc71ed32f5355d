package io.vinbind.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.vinbind.server.provisioning.Campaigns;
import io.vinbind.server.store.StoreException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * Live campaign progress for {@code GET /provisioning/campaigns/stream}: one poller per server reads the newest
 * campaigns from the database every {@value #POLL_MS} ms while anyone listens (so it sees what every instance's
 * engine did) and sends each listener a server-sent event {@code campaign} (the campaign's JSON view, as {@code GET
 * /provisioning/campaigns/{id}} answers) for every campaign that changed since it last sent that one — all of them
 * right after connecting. A comment every {@value #KEEPALIVE_S} s keeps idle connections open; at most
 * {@value #MAX_LISTENERS} listen at once.
 */
final class CampaignEvents implements AutoCloseable {

    static final long POLL_MS = 1000;
    static final long KEEPALIVE_S = 15;
    static final int MAX_LISTENERS = 64;
    /** Campaigns followed: the newest. */
    static final int FOLLOWED = 100;

    private record Listener(EventStream.Sink sink, Map<Long, String> sent) {
    }

    private final Campaigns campaigns;
    private final ConcurrentHashMap<Object, Listener> listeners = new ConcurrentHashMap<>();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vinbind-campaign-events");
        t.setDaemon(true);
        t.setUncaughtExceptionHandler((th, e) -> Logger.error(e, "uncaught in {}", th.getName()));
        return t;
    });
    private long ticks;

    CampaignEvents(Campaigns campaigns) {
        this.campaigns = campaigns;
        poller.scheduleWithFixedDelay(this::poll, POLL_MS, POLL_MS, TimeUnit.MILLISECONDS);
    }

    /** @throws HttpError 503 when {@link #MAX_LISTENERS} listen already */
    EventStream stream() throws HttpError {
        if (listeners.size() >= MAX_LISTENERS) {
            throw new HttpError(503, "too many campaign streams are open (" + MAX_LISTENERS + "); try again later");
        }
        return sink -> {
            Object key = new Object();
            listeners.put(key, new Listener(sink, new HashMap<>()));
            sink.comment("vinbind campaign progress");
            poller.execute(this::poll); // the current state at once, not a second later
            return () -> listeners.remove(key);
        };
    }

    private synchronized void poll() {
        try {
            pollOnce();
        } catch (RuntimeException e) { // a scheduled task that throws is never run again: keep the stream alive
            Logger.error(e, "campaign stream: a poll failed (will retry)");
        }
    }

    private void pollOnce() {
        if (listeners.isEmpty()) {
            return;
        }
        ticks++;
        boolean keepAlive = ticks % (KEEPALIVE_S * 1000 / POLL_MS) == 0;
        List<Campaigns.Campaign> now;
        try {
            now = campaigns.list(FOLLOWED);
        } catch (StoreException | RuntimeException e) {
            Logger.warn("campaign stream: reading campaigns failed (will retry): {}", e.getMessage());
            return;
        }
        Map<Long, String> views = new HashMap<>();
        for (Campaigns.Campaign c : now) {
            views.put(c.id(), json(c));
        }
        listeners.forEach((key, l) -> {
            boolean alive = true;
            for (Campaigns.Campaign c : now) {
                String v = views.get(c.id());
                if (!v.equals(l.sent().get(c.id()))) {
                    alive = l.sink().send("campaign", Long.toString(c.id()), v);
                    if (!alive) {
                        break;
                    }
                    l.sent().put(c.id(), v);
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

    private static String json(Campaigns.Campaign c) {
        try {
            return HttpApi.JSON.writeValueAsString(c.view());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a campaign: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
        listeners.clear();
    }
}
