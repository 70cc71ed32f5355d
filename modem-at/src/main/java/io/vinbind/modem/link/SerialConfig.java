package io.vinbind.modem.link;

import java.util.Objects;

/**
 * Serial port settings. Frames are always 8N1: every AT modem uses 8 data bits, no parity, 1 stop bit
 * (ITU-T V.250 §4.3 autobaud assumes it), so only the path, baud rate and flow control vary.
 *
 * @param portPath    device path, e.g. {@code /dev/ttyUSB2} or a pty symlink made by socat
 * @param baudRate    bits per second, 300..4000000
 * @param flowControl flow control
 */
public record SerialConfig(String portPath, int baudRate, FlowControl flowControl) {

    /** The baud rate virtually every AT port defaults to. */
    public static final int DEFAULT_BAUD = 115_200;

    public SerialConfig {
        Objects.requireNonNull(portPath, "portPath");
        Objects.requireNonNull(flowControl, "flowControl");
        if (portPath.isBlank()) {
            throw new IllegalArgumentException("serial port path is blank");
        }
        if (baudRate < 300 || baudRate > 4_000_000) {
            throw new IllegalArgumentException("baud rate out of range 300..4000000: " + baudRate);
        }
    }

    /** 115200 baud 8N1 without flow control. */
    public static SerialConfig of(String portPath) {
        return new SerialConfig(portPath, DEFAULT_BAUD, FlowControl.NONE);
    }

    public SerialConfig withBaudRate(int baud) {
        return new SerialConfig(portPath, baud, flowControl);
    }

    public SerialConfig withFlowControl(FlowControl flow) {
        return new SerialConfig(portPath, baudRate, flow);
    }
}
