package io.vinbind.can.sim;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannelClosedException;
import io.vinbind.can.CanException;
import io.vinbind.can.Hex;
import io.vinbind.can.isotp.IsoTpChannel;
import io.vinbind.can.isotp.IsoTpConfig;
import io.vinbind.can.uds.Nrc;
import io.vinbind.can.uds.UdsClient;
import io.vinbind.can.uds.UdsService;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.can.vehicle.PowerModeFrameCodec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.tinylog.Logger;

/**
 * The smart-key (keyless) ECU as the terminal sees it on the CAN bus: it answers UDS ReadDataByIdentifier
 * 0xF190 with its VIN over ISO-TP (its own padding and flow-control parameters), refuses other DIDs with
 * NRC 0x31 and other services with 0x11, misbehaves as its {@link EcuFault} says, and broadcasts the power
 * mode periodically. Fault and power mode can be changed while it runs.
 *
 * <pre>{@code
 * VirtualCanBus bus = VirtualCanBus.create("bench");
 * try (EcuSimulator ecu = EcuSimulator.start(bus.connect("ecu"), EcuSimulatorConfig.of("LSVAU2180N2183294"))) {
 *     ecu.setPowerMode(PowerMode.ON);
 * }
 * }</pre>
 */
public final class EcuSimulator implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(100);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final CanChannel channel;
    private final EcuSimulatorConfig config;
    private final IsoTpChannel isoTp;
    private final PowerModeFrameCodec powerCodec;
    private final AtomicReference<PowerMode> powerMode;
    private final AtomicReference<EcuFault> fault;
    private final AtomicInteger vinRequests = new AtomicInteger();
    private final Thread responder;
    private final ScheduledExecutorService broadcaster;
    private volatile boolean stopping;

    private EcuSimulator(CanChannel channel, EcuSimulatorConfig config) throws CanException {
        this.channel = channel;
        this.config = config;
        IsoTpConfig link = IsoTpConfig.of(config.addressing().response(), config.addressing().request())
                .withBlockSize(config.blockSize()).withStMin(config.stMin());
        link = config.padding().isPresent() ? link.withPadding(config.padding().getAsInt()) : link.withoutPadding();
        this.isoTp = new IsoTpChannel(channel, link);
        this.powerCodec = new PowerModeFrameCodec(config.powerLayout());
        this.powerMode = new AtomicReference<>(config.powerMode());
        this.fault = new AtomicReference<>(config.fault());
        int n = INSTANCES.incrementAndGet();
        this.responder = new Thread(this::serve, "ecu-sim-" + n);
        responder.setDaemon(true);
        this.broadcaster = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ecu-sim-" + n + "-power");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts answering and broadcasting on {@code channel}; {@link #close()} stops and closes the channel. */
    public static EcuSimulator start(CanChannel channel, EcuSimulatorConfig config) throws CanException {
        EcuSimulator sim = new EcuSimulator(Objects.requireNonNull(channel, "channel"), Objects.requireNonNull(config, "config"));
        sim.responder.start();
        if (!config.powerPeriod().isZero()) {
            sim.broadcaster.scheduleAtFixedRate(sim::broadcast, 0, config.powerPeriod().toNanos(), TimeUnit.NANOSECONDS);
        }
        Logger.info("ECU simulator on {}: VIN {} on {}, fault {}, power {} every {} ms", channel.description(),
                config.vin(), config.addressing(), config.fault().spec(), config.powerMode(), config.powerPeriod().toMillis());
        return sim;
    }

    public EcuSimulatorConfig config() {
        return config;
    }

    public PowerMode powerMode() {
        return powerMode.get();
    }

    /** Changes the broadcast mode; the next broadcast (and one right now) carries it. */
    public void setPowerMode(PowerMode mode) {
        PowerMode old = powerMode.getAndSet(Objects.requireNonNull(mode, "mode"));
        if (old != mode) {
            Logger.info("ECU simulator: power mode {} -> {}", old, mode);
            if (!config.powerPeriod().isZero()) {
                broadcaster.execute(this::broadcast);
            }
        }
    }

    public EcuFault fault() {
        return fault.get();
    }

    public void setFault(EcuFault newFault) {
        EcuFault old = fault.getAndSet(Objects.requireNonNull(newFault, "fault"));
        Logger.info("ECU simulator: fault {} -> {}", old.spec(), newFault.spec());
    }

    /** VIN requests received so far (answered or not). */
    public int vinRequests() {
        return vinRequests.get();
    }

    private void broadcast() {
        try {
            channel.send(powerCodec.encode(powerMode.get()));
        } catch (CanChannelClosedException e) {
            if (!stopping) {
                Logger.info("ECU simulator: power-mode broadcast stops: {}", e.getMessage());
            }
            broadcaster.shutdown();
        } catch (CanException | RuntimeException e) {
            Logger.warn(e, "ECU simulator: power-mode broadcast failed");
        }
    }

    private void serve() {
        while (!stopping) {
            try {
                Optional<byte[]> request = isoTp.receive(POLL);
                if (request.isPresent()) {
                    handle(request.get());
                }
            } catch (CanChannelClosedException e) {
                if (!stopping) {
                    Logger.info("ECU simulator: responder stops: {}", e.getMessage());
                }
                return;
            } catch (CanException e) {
                Logger.warn("ECU simulator: {}", e.getMessage());
                if (!pauseAfterFailure()) {
                    return;
                }
            } catch (InterruptedException e) {
                Logger.debug("ECU simulator: responder interrupted while stopping");
                return;
            } catch (RuntimeException e) {
                Logger.error(e, "ECU simulator: failed to handle a request");
            }
        }
    }

    /** Keeps a failing transport from turning the responder into a hot loop; false when interrupted. */
    private boolean pauseAfterFailure() {
        try {
            Thread.sleep(POLL.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void handle(byte[] request) throws CanException, InterruptedException {
        int sid = request[0] & 0xFF;
        Logger.debug("ECU simulator: request {}", Hex.spaced(request));
        if (sid != UdsService.READ_DATA_BY_IDENTIFIER.id()) {
            refuse(sid, Nrc.SERVICE_NOT_SUPPORTED.code());
            return;
        }
        if (request.length != 3) {
            refuse(sid, Nrc.INCORRECT_MESSAGE_LENGTH_OR_INVALID_FORMAT.code());
            return;
        }
        int did = (request[1] & 0xFF) << 8 | (request[2] & 0xFF);
        if (did != UdsClient.DID_VIN) {
            refuse(sid, Nrc.REQUEST_OUT_OF_RANGE.code());
            return;
        }
        vinRequests.incrementAndGet();
        EcuFault f = fault.get();
        String vin = config.vin();
        if (f instanceof EcuFault.Silence) {
            Logger.info("ECU simulator: fault silent, not answering the VIN request");
            return;
        } else if (f instanceof EcuFault.Negative neg) {
            refuse(sid, neg.nrcCode());
            return;
        } else if (f instanceof EcuFault.ResponsePending pending) {
            for (int i = 0; i < pending.count() && !stopping; i++) {
                refuse(sid, Nrc.REQUEST_CORRECTLY_RECEIVED_RESPONSE_PENDING.code());
                Thread.sleep(pending.interval().toMillis(), pending.interval().toNanosPart() % 1_000_000);
            }
        } else if (f instanceof EcuFault.Delay delay) {
            Thread.sleep(delay.delay().toMillis());
        } else if (f instanceof EcuFault.TruncatedVin truncated) {
            vin = vin.substring(0, truncated.length());
        } else if (f instanceof EcuFault.WrongCheckDigit) {
            vin = CheckDigit.corrupt(vin);
        }
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        answer.write(UdsService.READ_DATA_BY_IDENTIFIER.positiveResponseId());
        answer.write(did >>> 8);
        answer.write(did & 0xFF);
        answer.writeBytes(vin.getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < config.vinFillCount(); i++) {
            answer.write(config.vinFill());
        }
        isoTp.send(answer.toByteArray());
        Logger.debug("ECU simulator: answered VIN {} ({})", vin, f.spec());
    }

    private void refuse(int sid, int nrc) throws CanException {
        isoTp.send(new byte[] {(byte) UdsService.NEGATIVE_RESPONSE_SID, (byte) sid, (byte) nrc});
    }

    /** Stops both threads (bounded wait) and closes the channel. */
    @Override
    public void close() {
        stopping = true;
        broadcaster.shutdownNow();
        responder.interrupt();
        try {
            responder.join(2000);
            if (!broadcaster.awaitTermination(2, TimeUnit.SECONDS)) {
                Logger.warn("ECU simulator: power-mode broadcaster did not stop within 2 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.close();
        Logger.debug("ECU simulator on {} stopped", channel.description());
    }
}
