package io.vinbind.modem.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vinbind.modem.DeviceInfo;
import io.vinbind.modem.Iccid;
import io.vinbind.modem.Imei;
import io.vinbind.modem.Imsi;
import io.vinbind.modem.Operator;
import io.vinbind.modem.Registration;
import io.vinbind.modem.SimState;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What {@code modem probe} found; printed as one JSON object.
 *
 * @param operator empty when not registered
 * @param rssiDbm  empty when the modem does not know the signal
 */
public record ProbeResult(SimState sim, Imsi imsi, Iccid iccid, Imei imei, Registration registration,
                          Optional<Operator> operator, OptionalInt rssiDbm, DeviceInfo device) {

    public ProbeResult {
        Objects.requireNonNull(sim, "sim");
        Objects.requireNonNull(imsi, "imsi");
        Objects.requireNonNull(iccid, "iccid");
        Objects.requireNonNull(imei, "imei");
        Objects.requireNonNull(registration, "registration");
        Objects.requireNonNull(operator, "operator");
        Objects.requireNonNull(rssiDbm, "rssiDbm");
        Objects.requireNonNull(device, "device");
    }

    /** The JSON object: {@code sim, imsi, iccid, imei, registration, operator, rssiDbm, manufacturer, model}. */
    public String toJson() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode o = mapper.createObjectNode();
        o.put("sim", sim.name());
        o.put("imsi", imsi.value());
        o.put("iccid", iccid.value());
        o.put("imei", imei.value());
        o.put("registration", registration.state().name());
        if (operator.isPresent()) {
            o.put("operator", operator.get().name());
        } else {
            o.putNull("operator");
        }
        if (rssiDbm.isPresent()) {
            o.put("rssiDbm", rssiDbm.getAsInt());
        } else {
            o.putNull("rssiDbm");
        }
        o.put("manufacturer", device.manufacturer());
        o.put("model", device.model());
        return o.toString();
    }
}
