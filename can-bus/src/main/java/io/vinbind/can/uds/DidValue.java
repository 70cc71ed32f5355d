package io.vinbind.can.uds;

import io.vinbind.can.Hex;
import java.util.Arrays;
import java.util.Objects;

/**
 * A data identifier's value from a positive ReadDataByIdentifier response {@code 62 DIDhi DIDlo data...}.
 *
 * @param did   the data identifier, 0..0xFFFF
 * @param value the data record; copied in and out
 */
public record DidValue(int did, byte[] value) implements DidReadResult {

    public DidValue {
        if (did < 0 || did > 0xFFFF) {
            throw new IllegalArgumentException("DID must be 0..0xFFFF, got " + did);
        }
        Objects.requireNonNull(value, "value");
        value = value.clone();
    }

    @Override
    public byte[] value() {
        return value.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DidValue v && v.did == did && Arrays.equals(v.value, value);
    }

    @Override
    public int hashCode() {
        return did * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return String.format("DID 0x%04X = %s", did, Hex.spaced(value));
    }
}
