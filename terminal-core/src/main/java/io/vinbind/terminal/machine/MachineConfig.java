package io.vinbind.terminal.machine;

import io.vinbind.protocol.VinPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * The bounds and policies of the binding state machine. Every wait of the machine is one of these.
 *
 * @param vinMode               how strictly a VIN read from the ECU is judged
 * @param vinReadTimeout        bound of one VIN read (covers UDS P2* with a few 0x78 response-pending)
 * @param vinReads              reads per attempt to get two consecutive equal ones, at least 2
 * @param vinReadGap            pause between two reads of one attempt
 * @param identifyTimeout       SIM ready and IMSI/ICCID/IMEI read (a modem needs 10-15 s after power-up)
 * @param attachTimeout         network registration and data activation
 * @param connectTimeout        MQTT connect and subscribe
 * @param loginAckTimeout       from login published to login-ack
 * @param bindAckTimeout        from bind published to the matching bind-ack
 * @param retry                 backoff between attempts
 * @param serviceRequestPoll    how often a powered, resting machine looks for a service request file
 */
public record MachineConfig(VinPolicy vinMode, Duration vinReadTimeout, int vinReads, Duration vinReadGap,
        Duration identifyTimeout, Duration attachTimeout, Duration connectTimeout, Duration loginAckTimeout,
        Duration bindAckTimeout, RetryPolicy retry, Duration serviceRequestPoll) {

    public MachineConfig {
        Objects.requireNonNull(vinMode, "vinMode");
        positive("vinReadTimeout", vinReadTimeout);
        if (vinReads < 2) {
            throw new IllegalArgumentException("vinReads must be >= 2 (two reads must agree), was " + vinReads);
        }
        Objects.requireNonNull(vinReadGap, "vinReadGap");
        if (vinReadGap.isNegative()) {
            throw new IllegalArgumentException("vinReadGap must not be negative, was " + vinReadGap);
        }
        positive("identifyTimeout", identifyTimeout);
        positive("attachTimeout", attachTimeout);
        positive("connectTimeout", connectTimeout);
        positive("loginAckTimeout", loginAckTimeout);
        positive("bindAckTimeout", bindAckTimeout);
        Objects.requireNonNull(retry, "retry");
        positive("serviceRequestPoll", serviceRequestPoll);
    }

    /** Values for a head unit on a real vehicle and network. */
    public static MachineConfig defaults() {
        return new MachineConfig(VinPolicy.STRICT, Duration.ofSeconds(6), 4, Duration.ofMillis(200),
                Duration.ofSeconds(30), Duration.ofMinutes(3), Duration.ofSeconds(20), Duration.ofSeconds(15),
                Duration.ofSeconds(20), RetryPolicy.defaults(), Duration.ofSeconds(5));
    }

    public MachineConfig withVinMode(VinPolicy v) {
        return new MachineConfig(v, vinReadTimeout, vinReads, vinReadGap, identifyTimeout, attachTimeout,
                connectTimeout, loginAckTimeout, bindAckTimeout, retry, serviceRequestPoll);
    }

    public MachineConfig withRetry(RetryPolicy r) {
        return new MachineConfig(vinMode, vinReadTimeout, vinReads, vinReadGap, identifyTimeout, attachTimeout,
                connectTimeout, loginAckTimeout, bindAckTimeout, r, serviceRequestPoll);
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }
}
