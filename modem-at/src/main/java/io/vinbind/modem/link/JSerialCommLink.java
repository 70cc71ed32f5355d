package io.vinbind.modem.link;

import com.fazecast.jSerialComm.SerialPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.tinylog.Logger;

/**
 * A {@link SerialLink} on a real serial device through jSerialComm: {@code /dev/ttyUSBn}, {@code /dev/ttyACMn},
 * {@code /dev/ttySn} or a pty (socat's {@code link=} symlinks work: jSerialComm resolves them on open).
 *
 * <p>When the device node disappears (a USB modem resetting re-enumerates), jSerialComm's read returns -1;
 * this link then reports itself closed with {@link LinkClosedException} so the AT engine can raise a
 * "link lost" event and re-open through its {@link LinkOpener}.
 */
public final class JSerialCommLink implements SerialLink {

    private static final int MAX_READ_TIMEOUT_MS = 60_000;

    private final SerialConfig config;
    private final SerialPort port;
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private volatile boolean open = true;
    private volatile String closeReason = "closed locally";
    private int currentReadTimeoutMs = -1;

    private JSerialCommLink(SerialConfig config, SerialPort port) {
        this.config = config;
        this.port = port;
    }

    /**
     * Opens the port with the given settings (8N1 always).
     *
     * @throws LinkClosedException if the device does not exist
     * @throws IOException         if it exists but cannot be opened (permissions, busy)
     */
    public static JSerialCommLink open(SerialConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        if (!Files.exists(Path.of(config.portPath()))) {
            throw new LinkClosedException(config.portPath(), "no such device");
        }
        SerialPort port = SerialPort.getCommPort(config.portPath());
        port.setComPortParameters(config.baudRate(), 8, SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
        port.setFlowControl(switch (config.flowControl()) {
            case NONE -> SerialPort.FLOW_CONTROL_DISABLED;
            case RTS_CTS -> SerialPort.FLOW_CONTROL_RTS_ENABLED | SerialPort.FLOW_CONTROL_CTS_ENABLED;
            case XON_XOFF -> SerialPort.FLOW_CONTROL_XONXOFF_IN_ENABLED | SerialPort.FLOW_CONTROL_XONXOFF_OUT_ENABLED;
        });
        port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING, 100, 1000);
        if (!port.openPort()) {
            throw new IOException("cannot open serial port " + config.portPath()
                    + " (jSerialComm error " + port.getLastErrorCode() + " at source line " + port.getLastErrorLocation()
                    + "; check permissions and that no other process holds it)");
        }
        Logger.debug("opened serial port {} ({}) at {} baud 8N1 flow {}",
                config.portPath(), port.getSystemPortPath(), config.baudRate(), config.flowControl());
        return new JSerialCommLink(config, port);
    }

    /** An opener that re-opens this configuration, for the AT engine's reconnect after the device returns. */
    public static LinkOpener opener(SerialConfig config) {
        return () -> open(config);
    }

    @Override
    public String name() {
        return config.portPath();
    }

    @Override
    public void write(byte[] data) throws IOException {
        Objects.requireNonNull(data, "data");
        synchronized (writeLock) {
            ensureOpen();
            int off = 0;
            while (off < data.length) {
                int n = port.writeBytes(data, data.length - off, off);
                if (n < 0) {
                    markGone("write failed (device vanished?) jSerialComm error " + port.getLastErrorCode());
                    throw new LinkClosedException(name(), closeReason);
                }
                if (n == 0) {
                    throw new IOException("serial port " + name() + ": write timed out with "
                            + (data.length - off) + " of " + data.length + " bytes unsent");
                }
                off += n;
            }
        }
    }

    @Override
    public int read(byte[] buffer, Duration timeout) throws IOException {
        Objects.requireNonNull(buffer, "buffer");
        int ms = (int) Math.max(1, Math.min(MAX_READ_TIMEOUT_MS, timeout.toMillis()));
        synchronized (readLock) {
            ensureOpen();
            if (ms != currentReadTimeoutMs) {
                port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING, ms, 1000);
                currentReadTimeoutMs = ms;
            }
            int n = port.readBytes(buffer, buffer.length);
            if (n < 0) {
                if (open) {
                    markGone("read failed: device vanished (jSerialComm error " + port.getLastErrorCode() + ")");
                }
                throw new LinkClosedException(name(), closeReason);
            }
            return n;
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        if (open) {
            open = false;
            port.closePort();
            Logger.debug("closed serial port {}", name());
        }
    }

    private void ensureOpen() throws LinkClosedException {
        if (!open) {
            throw new LinkClosedException(name(), closeReason);
        }
    }

    private void markGone(String reason) {
        closeReason = reason;
        Logger.warn("serial port {}: {}", name(), reason);
        open = false;
        port.closePort();
    }
}
