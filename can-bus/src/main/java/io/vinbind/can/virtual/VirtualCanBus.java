package io.vinbind.can.virtual;

import io.vinbind.can.CanFrame;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.tinylog.Logger;

/**
 * A CAN bus inside one JVM: every node connected with {@link #connect(String)} sees the frames the other
 * nodes send, in one global order, and never its own (SocketCAN's default). For tests and the embedded
 * bench it can lose frames (a rule or a seeded probability) and delay delivery, the faults a real bus
 * shows as missing or late frames.
 *
 * <p>{@link #named(String)} returns the process-wide bus of that name, which is what a
 * {@code virtual:<name>} spec connects to; {@link #create(String)} makes a private one.
 */
public final class VirtualCanBus {

    private static final ConcurrentMap<String, VirtualCanBus> NAMED = new ConcurrentHashMap<>();

    private final String name;
    private final List<VirtualCanChannel> nodes = new CopyOnWriteArrayList<>();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final Object order = new Object();
    private volatile Predicate<CanFrame> dropRule = frame -> false;
    private volatile double lossProbability;
    private Random lossRandom = new Random(0);
    private volatile Duration delay = Duration.ZERO;
    private ScheduledExecutorService delayer;

    private VirtualCanBus(String name) {
        this.name = name;
    }

    /** The process-wide bus of this name, created on first use. */
    public static VirtualCanBus named(String name) {
        requireName(name);
        return NAMED.computeIfAbsent(name, VirtualCanBus::new);
    }

    /** A new bus nobody else can look up (tests). */
    public static VirtualCanBus create(String name) {
        requireName(name);
        return new VirtualCanBus(name);
    }

    private static void requireName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("virtual CAN bus needs a name");
        }
    }

    public String name() {
        return name;
    }

    /** Connects a new node; close the returned channel to leave the bus. */
    public VirtualCanChannel connect(String nodeName) {
        VirtualCanChannel node = new VirtualCanChannel(this, nodeName);
        nodes.add(node);
        Logger.debug("virtual bus {}: node {} connected ({} nodes)", name, nodeName, nodes.size());
        return node;
    }

    /** Frames matching {@code rule} are lost (for tests that need one specific frame to vanish). */
    public void setDropRule(Predicate<CanFrame> rule) {
        this.dropRule = Objects.requireNonNull(rule, "rule");
    }

    /** Loses each frame with this probability (0..1), drawn from a generator seeded with {@code seed}. */
    public void setLoss(double probability, long seed) {
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("loss probability must be within 0..1, got " + probability);
        }
        synchronized (order) {
            this.lossRandom = new Random(seed);
            this.lossProbability = probability;
        }
    }

    /** Delivers every frame this much later than it was sent (order is kept). */
    public void setDelay(Duration newDelay) {
        if (newDelay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, got " + newDelay);
        }
        synchronized (order) {
            this.delay = newDelay;
            if (!newDelay.isZero() && delayer == null) {
                ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "virtual-can-" + name + "-delay");
                    t.setDaemon(true);
                    return t;
                });
                executor.setRemoveOnCancelPolicy(true);
                delayer = executor;
            }
        }
    }

    /** Frames handed to at least one node's queue so far. */
    public long deliveredCount() {
        return delivered.get();
    }

    /** Frames lost by the drop rule or the loss probability so far. */
    public long lostCount() {
        return lost.get();
    }

    void transmit(VirtualCanChannel sender, CanFrame frame) {
        synchronized (order) {
            if (dropRule.test(frame) || (lossProbability > 0 && lossRandom.nextDouble() < lossProbability)) {
                lost.incrementAndGet();
                Logger.debug("virtual bus {}: lost {} from {}", name, frame, sender.node());
                return;
            }
            Duration d = delay;
            if (d.isZero()) {
                deliver(sender, frame);
            } else {
                delayer.schedule(() -> deliverInOrder(sender, frame), d.toNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    private void deliverInOrder(VirtualCanChannel sender, CanFrame frame) {
        synchronized (order) {
            deliver(sender, frame);
        }
    }

    private void deliver(VirtualCanChannel sender, CanFrame frame) {
        for (VirtualCanChannel node : nodes) {
            if (node != sender) {
                node.inbox().offer(frame);
            }
        }
        delivered.incrementAndGet();
    }

    void leave(VirtualCanChannel node) {
        nodes.remove(node);
        Logger.debug("virtual bus {}: node {} left ({} nodes)", name, node.node(), nodes.size());
    }
}
