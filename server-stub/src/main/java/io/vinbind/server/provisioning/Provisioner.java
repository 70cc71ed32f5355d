package io.vinbind.server.provisioning;

import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.ProfileInfo;
import io.vinbind.esim.message.ProfileManagement;
import io.vinbind.esim.message.ProfileState;
import io.vinbind.log.Untrusted;
import io.vinbind.server.binding.NotFoundException;
import io.vinbind.server.binding.ProfileSwitches;
import io.vinbind.server.provisioning.ProvisioningJobs.Change;
import io.vinbind.server.provisioning.ProvisioningJobs.Job;
import io.vinbind.server.provisioning.ProvisioningJobs.LeaseLostException;
import io.vinbind.server.provisioning.ProvisioningJobs.State;
import io.vinbind.server.provisioning.lpa.CancelOutcome;
import io.vinbind.server.provisioning.lpa.CancelReason;
import io.vinbind.server.provisioning.lpa.CardReport;
import io.vinbind.server.provisioning.lpa.Installed;
import io.vinbind.server.provisioning.lpa.LpaException;
import io.vinbind.server.provisioning.lpa.NotificationsDelivered;
import io.vinbind.server.provisioning.lpa.ServerLpa;
import io.vinbind.server.relay.CardLink;
import io.vinbind.server.relay.RelayTimeoutException;
import io.vinbind.server.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * The provisioning engine: drives {@link ProvisioningJobs jobs} through their states, one step at a time, each step's
 * outcome persisted before the next is taken, so that a server restart or a terminal power cycle resumes where the
 * job was. Every server instance runs one; a job is driven by the instance holding its lease.
 *
 * <p>The effects towards the SM-DP+ happen at most once: the ES2+ order is placed only by a job in {@code QUEUED}
 * with no order of its own, and an open order of a previous run (the server died between placing it and recording
 * it) is adopted, never placed again; a download session a previous run left open is cancelled (ES10b + ES9+
 * CancelSession, SGP.22 §3.1.3.3 / §5.6.5) before a new one starts, never abandoned; a profile found on the card
 * already is not downloaded again. Retries are bounded ({@link Settings#maxFailures}) with exponential backoff;
 * waiting for a terminal to come online is not a failure.
 */
public final class Provisioner implements AutoCloseable {

    /** Opens a link to a terminal's card for one drive of one job (a fresh relay session each time). */
    @FunctionalInterface
    public interface CardLinks {
        CardLink open(String terminalId, String session, Optional<DeviceModel> model);
    }

    /** Whether a terminal is online now (the presence dictionary of issue 15). */
    @FunctionalInterface
    public interface Reachability {
        boolean online(String terminalId) throws StoreException;
    }

    /**
     * The engine's knobs.
     *
     * @param instance this server instance's name in leases and step records
     * @param lease how long a lease lasts without renewal (renewed before every step)
     * @param poll how often due jobs are looked for
     * @param workers jobs driven at once by this instance
     * @param offlineRecheck how soon a job waiting for its terminal looks again
     * @param backoff first retry delay after a failure, doubled each time up to {@code maxBackoff}
     * @param maxFailures failures after which a job is FAILED for good
     * @param switchWait how long after the enable the binding has to follow the new IMSI
     * @param minFreeBytes free non-volatile memory the eUICC must report before an order is placed
     * @param defaultBlockSize STORE DATA block size for a terminal without a device model
     */
    public record Settings(String instance, Duration lease, Duration poll, int workers, Duration offlineRecheck,
                           Duration backoff, Duration maxBackoff, int maxFailures, Duration switchWait,
                           long minFreeBytes, int defaultBlockSize) {
        public Settings {
            Objects.requireNonNull(instance, "instance");
            if (workers < 1 || workers > 64) {
                throw new IllegalArgumentException("workers must be 1..64, got " + workers);
            }
            if (maxFailures < 1) {
                throw new IllegalArgumentException("maxFailures must be >= 1");
            }
        }

        public static Settings defaults(String instance) {
            return new Settings(instance, Duration.ofMinutes(2), Duration.ofSeconds(1), 4, Duration.ofSeconds(5),
                Duration.ofSeconds(5), Duration.ofMinutes(5), 5, Duration.ofMinutes(5), 32 * 1024, 120);
        }

        public Settings withTimings(Duration pollEvery, Duration offline, Duration firstBackoff, Duration switchBound) {
            return new Settings(instance, lease, pollEvery, workers, offline, firstBackoff, maxBackoff, maxFailures,
                switchBound, minFreeBytes, defaultBlockSize);
        }
    }

    private final ProvisioningJobs jobs;
    private final Campaigns campaigns;
    private final OperatorOrders orders;
    private final ProfilePool pool;
    private final DeviceModelLibrary models;
    private final FleetFacts fleet;
    private final ProfileSwitches switches;
    private final Reachability reach;
    private final ServerLpa lpa;
    private final CardLinks links;
    private final Settings settings;
    private final Clock clock;
    private final Set<Long> driving = ConcurrentHashMap.newKeySet();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong cpuNanos = new AtomicLong();
    private volatile boolean stopping;
    /** When {@link #keepLeases} last renewed (ticker thread only). */
    private Instant lastKeep;
    private ScheduledExecutorService ticker;
    private ExecutorService pool2;

    public Provisioner(ProvisioningJobs jobs, Campaigns campaigns, OperatorOrders orders, ProfilePool pool,
                       DeviceModelLibrary models, FleetFacts fleet, ProfileSwitches switches, Reachability reach,
                       ServerLpa lpa, CardLinks links, Settings settings) {
        this.jobs = Objects.requireNonNull(jobs, "jobs");
        this.campaigns = Objects.requireNonNull(campaigns, "campaigns");
        this.orders = Objects.requireNonNull(orders, "orders");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.models = Objects.requireNonNull(models, "models");
        this.fleet = Objects.requireNonNull(fleet, "fleet");
        this.switches = Objects.requireNonNull(switches, "switches");
        this.reach = Objects.requireNonNull(reach, "reach");
        this.lpa = Objects.requireNonNull(lpa, "lpa");
        this.links = Objects.requireNonNull(links, "links");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = jobs.clock();
    }

    /** Starts polling for due jobs. */
    public synchronized void start() {
        if (ticker != null) {
            return;
        }
        pool2 = Executors.newFixedThreadPool(settings.workers(), r -> {
            Thread t = new Thread(r, "vinbind-provisioning");
            t.setDaemon(true);
            return t;
        });
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vinbind-provisioning-poll");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(this::tickSafely, 0, settings.poll().toMillis(), TimeUnit.MILLISECONDS);
        Logger.info("provisioning engine {} started: {} workers, lease {} s, poll {} ms", settings.instance(),
            settings.workers(), settings.lease().toSeconds(), settings.poll().toMillis());
    }

    private void tickSafely() {
        try {
            tick();
        } catch (StoreException e) {
            Logger.warn("provisioning: poll failed: {}", e.getMessage());
        } catch (RuntimeException e) {
            Logger.error(e, "provisioning: poll failed");
        }
    }

    /** One poll: campaign housekeeping, then lease due jobs within the campaigns' limits and hand them to workers. */
    void tick() throws StoreException {
        if (stopping) {
            return;
        }
        Map<Long, Campaigns.Campaign> camps = new HashMap<>();
        for (long id : campaigns.active()) {
            campaigns.review(id, jobs);
            campaigns.find(id).ifPresent(c -> camps.put(id, c));
        }
        keepLeases();
        int free = settings.workers() - driving.size();
        if (free <= 0) {
            return;
        }
        Map<Long, int[]> loads = new HashMap<>();
        for (Job j : jobs.due(Math.max(free * 4, 200))) {
            if (free <= 0) {
                break;
            }
            if (driving.contains(j.id())) {
                continue;
            }
            if (j.campaignId().isPresent() && j.state() == State.QUEUED) {
                Campaigns.Campaign c = camps.get(j.campaignId().get());
                if (c == null || c.state() != Campaigns.State.RUNNING) {
                    continue; // paused, aborted, cancelled: queued jobs do not start, nor go on before their order
                }
            }
            if (j.campaignId().isPresent() && j.state() == State.QUEUED && j.startedAt().isEmpty()) {
                Campaigns.Campaign c = camps.get(j.campaignId().get());
                int[] load = loads.computeIfAbsent(c.id(), id -> {
                    try {
                        return jobs.load(id);
                    } catch (StoreException e) {
                        return new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE};
                    }
                });
                if (load[0] >= c.maxConcurrent() || load[1] >= c.ratePerMinute()) {
                    continue;
                }
                load[0]++;
                load[1]++;
            }
            Optional<Job> leased = jobs.lease(j.id(), settings.instance(), settings.lease());
            if (leased.isEmpty()) {
                continue; // another instance took it
            }
            driving.add(j.id());
            free--;
            Runnable work = () -> {
                long cpu0 = cpuTime();
                try {
                    drive(leased.get());
                } catch (LeaseLostException e) {
                    Logger.warn("provisioning: {}", e.getMessage());
                } catch (StoreException e) {
                    Logger.warn("provisioning: job {}: {}", j.id(), e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    Logger.error(e, "provisioning: job {} failed unexpectedly", j.id());
                    backOff(j.id(), e);
                } finally {
                    cpuNanos.addAndGet(cpuTime() - cpu0);
                    try {
                        jobs.release(j.id(), settings.instance());
                    } catch (StoreException e) {
                        Logger.warn("provisioning: releasing job {}: {}", j.id(), e.getMessage());
                    }
                    driving.remove(j.id());
                }
            };
            try {
                pool2.execute(work);
            } catch (java.util.concurrent.RejectedExecutionException e) { // stopping: give the job back at once
                jobs.release(j.id(), settings.instance());
                driving.remove(j.id());
            }
        }
    }

    /**
     * Renews, every third of the lease, the lease of each job a worker is driving: a step may take longer than the
     * lease (a large package through a slow modem, a card that answers late), and a lease that ran out in the middle
     * of a step would let another instance drive the same terminal at once.
     */
    private void keepLeases() {
        Instant now = clock.instant();
        if (lastKeep != null && Duration.between(lastKeep, now).compareTo(settings.lease().dividedBy(3)) < 0) {
            return;
        }
        lastKeep = now;
        for (long id : List.copyOf(driving)) {
            try {
                jobs.renew(id, settings.instance(), settings.lease());
            } catch (LeaseLostException e) {
                Logger.debug("provisioning: {} (its worker is finishing)", e.getMessage());
            } catch (StoreException e) {
                Logger.warn("provisioning: renewing the lease of job {}: {}", id, e.getMessage());
            }
        }
    }

    /** A defect in a step: counted as a retryable failure with backoff, so that it neither spins nor hides. */
    private void backOff(long jobId, RuntimeException e) {
        try {
            Optional<Job> j = jobs.find(jobId);
            if (j.isPresent() && !j.get().state().closed()) {
                failure(j.get(), true, "internal error: " + e);
            }
        } catch (StoreException | LeaseLostException | RuntimeException again) {
            Logger.warn("provisioning: job {}: could not record the failure: {}", jobId, again.getMessage());
        }
    }

    private static long cpuTime() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        return mx.isCurrentThreadCpuTimeSupported() ? mx.getCurrentThreadCpuTime() : 0;
    }

    /** Steps taken and the CPU time the workers spent driving jobs (for the figures). */
    public long steps() {
        return steps.get();
    }

    public Duration workerCpu() {
        return Duration.ofNanos(cpuNanos.get());
    }

    /** Drives one leased job as far as it can go now. */
    void drive(Job start) throws StoreException, LeaseLostException, InterruptedException {
        Job job = start;
        String session = "pj" + job.id() + "-" + UUID.randomUUID().toString().substring(0, 8);
        Optional<DeviceModel> model = modelOf(job.terminalId());
        int block = model.map(DeviceModel::blockSize).orElse(settings.defaultBlockSize());
        CardLink card = null;
        for (int guard = 0; guard < 12 && !job.state().closed() && !stopping; guard++) {
            jobs.renew(job.id(), settings.instance(), settings.lease());
            Optional<Instant> deadline = deadlineOf(job);
            if (job.state() == State.QUEUED || job.state() == State.ORDERED) {
                Optional<String> stop = stopped(job, deadline);
                if (stop.isPresent()) {
                    stopBeforeDownload(job, stop.get());
                    return;
                }
            }
            if (!reach.online(job.terminalId()) && job.state() != State.NOTIFIED) {
                String why = "terminal " + job.terminalId() + " is offline";
                jobs.apply(job.id(), settings.instance(), Change.none().waiting(clock.instant()
                    .plus(settings.offlineRecheck()), why), why.equals(job.waitingFor().orElse(null)) ? null : "WAIT",
                    "OFFLINE", "the terminal is offline; the job goes on when it is back online");
                return;
            }
            if (job.startedAt().isEmpty()) {
                if (job.campaignId().isPresent() && !jobs.claimStart(job.id(), settings.instance(),
                        job.campaignId().get())) {
                    // another instance took the campaign's last slot since this one read its load: try again later
                    Logger.debug("provisioning: job {} waits for a slot of campaign {}", job.id(), job.campaignId().get());
                    return;
                }
                job = jobs.apply(job.id(), settings.instance(), Change.none().started(), "START", "OK",
                    "first attempt with the terminal online");
            }
            if (card == null) {
                card = links.open(job.terminalId(), session, model);
            }
            Job next;
            try {
                next = switch (job.state()) {
                    case QUEUED -> order(job, card, block);
                    case ORDERED -> download(job, card, block);
                    case DOWNLOADED -> job.enablePolicy() == ConfigRule.EnablePolicy.ENABLE ? enable(job, card, block)
                        : notifications(job, card, block);
                    case ENABLED -> notifications(job, card, block);
                    case NOTIFIED -> followed(job);
                    default -> job;
                };
            } catch (RelayTimeoutException e) {
                if (stopping) { // the server stops and ended the relay's waits: not the terminal's failure
                    leftAtStop(job, e);
                    return;
                }
                // online by its heartbeats, yet its card does not answer: counted, so that it ends (bounded retries)
                failure(jobs.find(job.id()).orElse(job), true, "the terminal did not answer the relay: "
                    + e.getMessage());
                return;
            } catch (LpaException e) {
                if (stopping && "RELAY_TIMEOUT".equals(e.code())) { // the relay's waits ended by the stop, as above
                    leftAtStop(job, e);
                    return;
                }
                Job now = jobs.find(job.id()).orElseThrow();
                if (e.cancelled() != null && e.cancelled().cardCancelled() && e.cancelled().smdpCancelled()
                    && now.transactionId().isPresent()) {
                    now = jobs.apply(job.id(), settings.instance(), Change.none().transaction(null), "CANCELLED_SESSION",
                        "OK", "the LPA cancelled transaction " + now.transactionId().get() + " at the card and the SM-DP+: "
                        + e.cancelled().detail());
                }
                next = failure(now, e.retryable(), e.code() + ": " + e.getMessage());
            }
            steps.incrementAndGet();
            if (next == null || next.id() != job.id() || next.nextAttemptAt().isAfter(clock.instant())
                && next.state() == job.state()) {
                return; // parked until its next attempt
            }
            job = next;
        }
    }

    /** A job whose step the stop cut short: nothing recorded, the next run resumes it from its last recorded step. */
    private static void leftAtStop(Job job, Exception e) {
        Logger.info("provisioning job {}: left in its step as the engine stops ({}); the next run resumes it from its"
            + " last recorded step", job.id(), Untrusted.escape(e.getMessage()));
    }

    private Optional<Instant> deadlineOf(Job job) throws StoreException {
        if (job.campaignId().isEmpty()) {
            return Optional.empty();
        }
        return campaigns.find(job.campaignId().get()).map(Campaigns.Campaign::deadline);
    }

    /** Why a job that has not started downloading must stop now, if it must. */
    private Optional<String> stopped(Job job, Optional<Instant> deadline) throws StoreException {
        if (job.campaignId().isPresent()) {
            Optional<Campaigns.Campaign> c = campaigns.find(job.campaignId().get());
            if (c.isPresent() && c.get().state() == Campaigns.State.CANCELLED && job.transactionId().isEmpty()) {
                return Optional.of("campaign " + c.get().id() + " cancelled");
            }
        }
        if (deadline.isPresent() && !clock.instant().isBefore(deadline.get()) && job.transactionId().isEmpty()) {
            return Optional.of("deadline " + deadline.get() + " passed");
        }
        return Optional.empty();
    }

    /** Closes a job that has no download running: its order (if any) is cancelled at the platform first. */
    private void stopBeforeDownload(Job job, String why) throws StoreException, LeaseLostException {
        String detail = why;
        if (job.orderId().isPresent()) {
            try {
                orders.cancel(job.orderId().get(), "provisioning job " + job.id());
                detail += "; order " + job.orderId().get() + " cancelled (ES2+ cancelOrder)";
            } catch (OperatorException | NotFoundException | IllegalStateException e) {
                detail += "; cancelling order " + job.orderId().get() + " failed: " + e.getMessage();
            }
        }
        detail += withdrawSwitch(job);
        State to = why.startsWith("deadline") ? State.FAILED : State.CANCELLED;
        jobs.apply(job.id(), settings.instance(), Change.none().state(to).error(to == State.FAILED ? detail : null),
            to.name(), "OK", detail);
        Logger.info("provisioning job {} of {}: {}", job.id(), job.terminalId(), Untrusted.escape(detail));
    }

    /**
     * QUEUED → ORDERED: the interaction checks (the card answers, it is the EID on record, it has room), then the
     * ES2+ order — placed once, or adopted from a previous run — and the profile switch registered for the binding.
     */
    private Job order(Job job, CardLink card, int block) throws StoreException, LeaseLostException,
            RelayTimeoutException, InterruptedException, LpaException {
        CardReport report = lpa.inspect(card, block);
        if (job.eid().isPresent() && !job.eid().get().equals(report.eid())) {
            return fail(job, "the card answers EID " + report.eid() + ", the job is for EID " + job.eid().get());
        }
        String interaction = "eUICC " + report.eid() + " answered; " + report.profiles().size() + " profile(s)"
            + (report.freeNonVolatileMemory().isPresent() ? ", " + report.freeNonVolatileMemory().getAsLong()
            + " bytes free" : "");
        if (report.freeNonVolatileMemory().isPresent()
            && report.freeNonVolatileMemory().getAsLong() < settings.minFreeBytes()) {
            return failure(job, true, "no room on the eUICC: " + report.freeNonVolatileMemory().getAsLong()
                + " bytes free, " + settings.minFreeBytes() + " needed");
        }
        job = jobs.apply(job.id(), settings.instance(), Change.none().eid(report.eid()).started().progressed(),
            "INTERACTION", "OK", interaction);
        OperatorOrders.Order o;
        String orderedBy = "provisioning job " + job.id();
        try {
            Optional<OperatorOrders.Order> settled = orders.settleInterrupted(job.platform(), report.eid(), orderedBy);
            if (settled.isPresent()) {
                jobs.apply(job.id(), settings.instance(), Change.none(), "ORDER", "SETTLED", "order " + settled.get().id()
                    + " (ICCID " + settled.get().iccid().orElse("?") + ") was left between downloadOrder and"
                    + " confirmOrder by an earlier run; cancelled at the platform, ordering again");
            }
        } catch (OperatorException e) { // the platform down: try again later; refused: a person decides
            return failure(job, e.kind() == OperatorException.Kind.UNAVAILABLE, "order for EID " + report.eid()
                + " was left between downloadOrder and confirmOrder by an earlier run and could not be cancelled at the"
                + " platform (" + e.getMessage() + ")");
        }
        Optional<OperatorOrders.Order> open = orders.findOpen(job.platform(), report.eid());
        if (open.isPresent()) {
            o = open.get();
            if (o.state() != OperatorOrders.State.CONFIRMED) {
                return fail(job, "order " + o.id() + " for EID " + report.eid() + " is open in state " + o.state()
                    + " (" + o.lastError().orElse("no error recorded") + "); an operator must settle it (cancel it)");
            }
            if (o.profileType().isPresent() && !o.profileType().get().equals(job.profileType())) {
                // adopting it would load a profile the requirement did not ask for; placing another is refused by
                // the platform (one open order per EID), so a person decides which one stands
                return fail(job, "order " + o.id() + " for EID " + report.eid() + " is open for profile type "
                    + o.profileType().get() + ", not " + job.profileType() + "; cancel it (POST /operator/orders/"
                    + o.id() + "/cancel) or provision that type");
            }
            jobs.apply(job.id(), settings.instance(), Change.none(), "ORDER", "ADOPTED", "order " + o.id()
                + " was placed before and is confirmed; not placed again");
        } else {
            o = orders.place(job.platform(), report.eid(), job.profileType(), orderedBy);
        }
        if (o.state() != OperatorOrders.State.CONFIRMED || o.iccid().isEmpty() || o.matchingId().isEmpty()) {
            return fail(job, "the operator platform did not confirm the order " + o.id() + ": " + o.state() + " "
                + o.lastError().orElse(""));
        }
        String iccid = o.iccid().get();
        Optional<ProfilePool.Profile> profile = pool.find(job.platform(), iccid);
        if (profile.isEmpty()) {
            return failure(job, true, "ICCID " + iccid + " is not in the operator's profile list of " + job.platform()
                + " (import it: POST /operator/platforms/" + job.platform() + "/profiles)");
        }
        String previous = fleet.of(job.terminalId()).flatMap(TerminalFacts::imsi).orElse(null);
        if (job.enablePolicy() == ConfigRule.EnablePolicy.ENABLE
            && switches.open(job.terminalId(), profile.get().imsi()).isEmpty()) {
            try {
                switches.order(job.terminalId(), profile.get().imsi(), iccid, "provisioning job " + job.id());
            } catch (NotFoundException e) {
                return fail(job, e.getMessage());
            }
        }
        return jobs.apply(job.id(), settings.instance(), Change.none().state(State.ORDERED)
            .order(o.id(), iccid, profile.get().imsi(), previous).progressed(), "ORDER", "OK", "order " + o.id()
            + " confirmed: ICCID " + iccid + ", IMSI " + profile.get().imsi() + ", matchingId " + o.matchingId().get()
            + " at " + o.smdpAddress().orElse("?"));
    }

    /** ORDERED → DOWNLOADED: a session left open is cancelled first; a profile already on the card is not fetched again. */
    private Job download(Job job, CardLink card, int block) throws StoreException, LeaseLostException,
            RelayTimeoutException, InterruptedException, LpaException {
        OperatorOrders.Order o = orders.find(job.orderId().orElseThrow()).orElseThrow();
        String smdp = o.smdpAddress().orElseThrow(() -> new IllegalStateException("order " + o.id()
            + " has no SM-DP+ address"));
        if (job.transactionId().isPresent()) {
            CardReport r = lpa.inspect(card, block);
            if (onCard(r, job.iccid().orElseThrow()).isPresent()) {
                orders.installed(o.id(), job.iccid().get());
                return installed(job, "found on the card after an interrupted run (transaction "
                    + job.transactionId().get() + ")");
            }
            CancelOutcome c = lpa.cancel(card, block, smdp, job.transactionId().get(), CancelReason.POSTPONED);
            job = jobs.apply(job.id(), settings.instance(), Change.none().transaction(null), "CANCEL_STALE",
                c.cardCancelled() && c.smdpCancelled() ? "OK" : "PARTIAL", "transaction " + job.transactionId().get()
                + " of an interrupted run: " + c.detail());
        }
        long id = job.id();
        String imei = fleet.of(job.terminalId()).flatMap(TerminalFacts::imei).orElse(null);
        byte[] codeHash = orders.confirmationCodeHash(o.id()).orElse(null);
        Installed done = lpa.download(card, block, smdp, o.matchingId().orElseThrow(), imei, codeHash,
                (step, tid, detail) -> {
            try {
                Change ch = step == io.vinbind.server.provisioning.lpa.DownloadStep.INITIATED
                    ? Change.none().transaction(tid) : Change.none();
                jobs.apply(id, settings.instance(), ch, "DL_" + step.name(), "OK", detail);
                jobs.renew(id, settings.instance(), settings.lease());
            } catch (StoreException | LeaseLostException e) {
                throw new IllegalStateException("recording step " + step + " failed: " + e.getMessage(), e);
            }
        });
        orders.installed(o.id(), done.iccid().digits());
        return installed(jobs.find(id).orElseThrow(), done.segments() + " segments, " + done.bytes() + " bytes in "
            + done.took().toMillis() + " ms");
    }

    private Job installed(Job job, String detail) throws StoreException, LeaseLostException {
        return jobs.apply(job.id(), settings.instance(), Change.none().state(State.DOWNLOADED).transaction(null)
            .progressed(), "INSTALLED", "OK", "ICCID " + job.iccid().orElse("?") + ": " + detail);
    }

    /** DOWNLOADED → ENABLED; an enable the previous run sent already is recognised on the card. */
    private Job enable(Job job, CardLink card, int block) throws StoreException, LeaseLostException,
            RelayTimeoutException, InterruptedException, LpaException {
        Iccid iccid = new Iccid(job.iccid().orElseThrow().replace("F", ""));
        ProfileManagement.Result r = lpa.enable(card, block, iccid);
        if (r != ProfileManagement.Result.OK) {
            CardReport now = lpa.inspect(card, block);
            if (onCard(now, iccid.digits()).filter(p -> p.state() == ProfileState.ENABLED).isEmpty()) {
                return failure(job, r == ProfileManagement.Result.CAT_BUSY, "EnableProfile answered " + r);
            }
        }
        return jobs.apply(job.id(), settings.instance(), Change.none().state(State.ENABLED).progressed(), "ENABLE", "OK",
            "profile " + iccid.digits() + " enabled (" + r + "); the terminal refreshes and logs in with IMSI "
            + job.imsi().orElse("?"));
    }

    /** → NOTIFIED once every pending notification went to the SM-DP+ and left the card. */
    private Job notifications(Job job, CardLink card, int block) throws StoreException, LeaseLostException,
            RelayTimeoutException, InterruptedException, LpaException {
        String smdp = orders.find(job.orderId().orElseThrow()).flatMap(OperatorOrders.Order::smdpAddress).orElse("");
        NotificationsDelivered d = lpa.deliverNotifications(card, block, a -> a != null && a.equalsIgnoreCase(smdp));
        if (!d.left().isEmpty()) {
            return failure(job, true, d.delivered().size() + " notification(s) delivered, " + d.left().size()
                + " left: " + String.join("; ", d.left()));
        }
        return jobs.apply(job.id(), settings.instance(), Change.none().state(State.NOTIFIED).progressed(), "NOTIFY", "OK",
            d.delivered().size() + " notification(s) delivered to the SM-DP+ and removed from the card");
    }

    /** NOTIFIED → DONE once the terminal logs in with the new IMSI and the binding follows it (or at once, download-only). */
    private Job followed(Job job) throws StoreException, LeaseLostException {
        if (job.enablePolicy() == ConfigRule.EnablePolicy.DOWNLOAD_ONLY) {
            return jobs.apply(job.id(), settings.instance(), Change.none().state(State.DONE), "DONE", "OK",
                "downloaded, left disabled (DOWNLOAD_ONLY)");
        }
        Optional<String> now = fleet.of(job.terminalId()).flatMap(TerminalFacts::imsi);
        if (now.isPresent() && now.get().equals(job.imsi().orElse(""))) {
            return jobs.apply(job.id(), settings.instance(), Change.none().state(State.DONE), "DONE", "OK",
                "terminal " + job.terminalId() + " holds IMSI " + now.get() + " (was " + job.previousImsi().orElse("?")
                + "); the binding follows it");
        }
        Instant since = jobs.steps(job.id()).stream().filter(s -> s.step().equals("NOTIFY")).map(ProvisioningJobs.Step::at)
            .reduce((a, b) -> b).orElse(job.updatedAt());
        if (clock.instant().isAfter(since.plus(settings.switchWait()))) {
            return fail(job, "the terminal did not log in with IMSI " + job.imsi().orElse("?") + " within "
                + settings.switchWait().toSeconds() + " s of the enable (it holds " + now.orElse("none") + ")");
        }
        String why = "waiting for the terminal to log in with IMSI " + job.imsi().orElse("?");
        return jobs.apply(job.id(), settings.instance(), Change.none().waiting(clock.instant().plus(settings.poll()),
            why), why.equals(job.waitingFor().orElse(null)) ? null : "WAIT", "SWITCH", "the terminal holds IMSI "
            + now.orElse("none"));
    }

    private static Optional<ProfileInfo> onCard(CardReport r, String iccid) {
        String bare = iccid.replace("F", "");
        return r.profiles().stream().filter(p -> p.iccid().digits().replace("F", "").equals(bare)).findFirst();
    }

    private Optional<DeviceModel> modelOf(String terminalId) throws StoreException {
        Optional<TerminalFacts> f = fleet.of(terminalId);
        return f.isEmpty() ? Optional.empty() : models.match(f.get()).model();
    }

    /** A failure: retried later with backoff while it is retryable and under the bound, else FAILED. */
    private Job failure(Job job, boolean retryable, String why) throws StoreException, LeaseLostException {
        if (!retryable || job.failures() + 1 >= settings.maxFailures()) {
            return fail(job, why + (retryable ? " (failed " + (job.failures() + 1) + " times)" : ""));
        }
        long factor = 1L << Math.min(20, job.failures());
        Duration wait = settings.backoff().multipliedBy(factor);
        if (wait.compareTo(settings.maxBackoff()) > 0) {
            wait = settings.maxBackoff();
        }
        Logger.info("provisioning job {} of {}: {}; retry in {} s", job.id(), job.terminalId(), Untrusted.escape(why),
            wait.toSeconds());
        return jobs.apply(job.id(), settings.instance(), Change.none().retryAt(clock.instant().plus(wait), true, why),
            "RETRY", "FAILED", why);
    }

    private Job fail(Job stale, String why) throws StoreException, LeaseLostException {
        Job job = jobs.find(stale.id()).orElse(stale);
        Logger.warn("provisioning job {} of {} failed: {}", job.id(), job.terminalId(), Untrusted.escape(why));
        Optional<Long> order = job.state() == State.ORDERED ? job.orderId() : Optional.empty();
        if (job.state() == State.QUEUED && job.eid().isPresent()) { // placed by this job before it was recorded
            order = orders.findOpen(job.platform(), job.eid().get())
                .filter(o -> o.createdBy().equals("provisioning job " + job.id())).map(OperatorOrders.Order::id);
        }
        if (order.isPresent()) {
            try {
                orders.cancel(order.get(), "provisioning job " + job.id());
                why += "; order " + order.get() + " cancelled";
            } catch (OperatorException | NotFoundException | IllegalStateException e) {
                why += "; cancelling order " + order.get() + " failed: " + e.getMessage();
            }
        }
        why += withdrawSwitch(job);
        return jobs.apply(job.id(), settings.instance(), Change.none().failedFor(why), "FAILED", "FAILED", why);
    }

    /**
     * A job that ends before its profile reached the card (QUEUED or ORDERED) withdraws the profile switch it ordered:
     * that IMSI can no longer show up on this terminal, and a cancelled order's profile may go to another eUICC. Past
     * the download the profile is on the card and the switch stays.
     */
    private String withdrawSwitch(Job job) {
        if ((job.state() != State.QUEUED && job.state() != State.ORDERED) || job.imsi().isEmpty()
            || job.enablePolicy() != ConfigRule.EnablePolicy.ENABLE) {
            return "";
        }
        try {
            return switches.withdraw(job.terminalId(), job.imsi().get(), "provisioning job " + job.id())
                ? "; profile switch to IMSI " + job.imsi().get() + " withdrawn" : "";
        } catch (StoreException e) {
            Logger.warn("provisioning job {}: withdrawing its profile switch failed: {}", job.id(), e.getMessage());
            return "; withdrawing the profile switch failed: " + e.getMessage();
        }
    }

    /**
     * Stops: no job is taken any more, and jobs being driven stop at their next step boundary (waited for up to 30 s).
     * Workers are never interrupted: an interrupt in the middle of a write closes an embedded H2 database for good.
     */
    /**
     * The first half of {@link #close}: no step starts any more (a job being driven ends at its next step boundary);
     * returns at once, so that the caller can end what the workers wait for (the relay's waits) before waiting for them.
     */
    public void beginStop() {
        stopping = true;
    }

    @Override
    public synchronized void close() {
        if (ticker != null) {
            stopping = true;
            ticker.shutdown();
            pool2.shutdown();
            try {
                if (!pool2.awaitTermination(30, TimeUnit.SECONDS)) {
                    Logger.warn("provisioning engine {}: {} job(s) still at a step after 30 s; left to finish it",
                        settings.instance(), driving.size());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ticker = null;
            Logger.info("provisioning engine {} stopped", settings.instance());
        }
    }
}
