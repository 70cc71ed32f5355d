package io.vinbind.can.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.CanId;
import io.vinbind.can.isotp.StMin;
import io.vinbind.can.uds.UdsAddressing;
import io.vinbind.can.vehicle.PowerMode;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class EcuSimulatorConfigTest {

    @Test
    void reads_every_key_from_properties() {
        Properties p = new Properties();
        p.setProperty("ecu.request-id", "0x18DA40F1");
        p.setProperty("ecu.response-id", "0x18DAF140");
        p.setProperty("ecu.vin", "LSGPC52U6AF102554");
        p.setProperty("ecu.vin-fill", "0xFF");
        p.setProperty("ecu.vin-fill-count", "3");
        p.setProperty("ecu.padding", "none");
        p.setProperty("ecu.fc.block-size", "4");
        p.setProperty("ecu.fc.st-min", "300us");
        p.setProperty("ecu.fault", "pending:2:100ms");
        p.setProperty("power.mode", "on");
        p.setProperty("power.period", "250ms");
        p.setProperty("power.id", "0x123");
        EcuSimulatorConfig c = EcuSimulatorConfig.fromProperties(p);
        assertEquals(UdsAddressing.normalFixed(0x40, 0xF1), c.addressing());
        assertEquals(0xFF, c.vinFill());
        assertEquals(3, c.vinFillCount());
        assertEquals(OptionalInt.empty(), c.padding());
        assertEquals(4, c.blockSize());
        assertEquals(StMin.ofMicros(300), c.stMin());
        assertEquals(new EcuFault.ResponsePending(2, Duration.ofMillis(100)), c.fault());
        assertEquals(PowerMode.ON, c.powerMode());
        assertEquals(Duration.ofMillis(250), c.powerPeriod());
        assertEquals(CanId.standard(0x123), c.powerLayout().id());
        assertEquals(c, EcuSimulatorConfig.fromProperties(c.toProperties()));
    }

    @Test
    void missing_vin_and_bad_values_name_the_key() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EcuSimulatorConfig.fromProperties(new Properties()));
        assertTrue(e.getMessage().contains("ecu.vin"), e.getMessage());
        Properties p = new Properties();
        p.setProperty("ecu.vin", "LSGPC52U6AF102554");
        p.setProperty("ecu.fc.st-min", "0x80");
        e = assertThrows(IllegalArgumentException.class, () -> EcuSimulatorConfig.fromProperties(p));
        assertTrue(e.getMessage().contains("ecu.fc.st-min"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EcuSimulatorConfig.of("SHORT"));
    }

    @Test
    void fault_texts_parse_and_print_back() {
        for (String s : new String[] {"none", "silent", "bad-check-digit", "pending:3:200ms", "delay:1500ms", "nrc:0x33", "truncated:12"}) {
            assertEquals(s, EcuFault.parse(s).spec());
        }
        assertEquals(new EcuFault.Negative(0x22), EcuFault.parse("nrc:conditions_not_correct"));
        assertEquals(new EcuFault.ResponsePending(2, EcuFault.DEFAULT_PENDING_INTERVAL), EcuFault.parse("pending:2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EcuFault.parse("explode"));
        assertTrue(e.getMessage().contains("explode"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EcuFault.parse("nrc:0x78"));
        assertThrows(IllegalArgumentException.class, () -> EcuFault.parse("truncated:17"));
        assertThrows(IllegalArgumentException.class, () -> EcuFault.parse("pending:"));
    }

    @Test
    void check_digit_follows_49_cfr_565() {
        assertEquals('X', CheckDigit.compute("1M8GDM9AXKP042788"));
        assertEquals('6', CheckDigit.compute("LSGPC52U6AF102554"));
        assertEquals("LSGPC52U7AF102554", CheckDigit.corrupt("LSGPC52U6AF102554"));
    }

    @Test
    void the_example_configuration_file_loads_and_equals_the_defaults() throws Exception {
        java.nio.file.Path example = java.nio.file.Path.of(System.getProperty("basedir", "."), "config", "ecu-sim.properties");
        assertEquals(EcuSimulatorConfig.of("LSGPC52U6AF102554"), EcuSimulatorConfig.load(example));
    }
}
