package io.vinbind.can.slcan;

import com.fazecast.jSerialComm.SerialPort;
import com.fazecast.jSerialComm.SerialPortInvalidPortException;
import io.vinbind.can.CanException;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tinylog.Logger;

/** An {@link SlcanTransport} over a serial port through jSerialComm (USB CDC adapters, ptys on the bench). */
final class SerialPortTransport implements SlcanTransport {

    /** Lawicel adapters on a real UART run at 115200 8N1; USB CDC adapters ignore the rate. */
    static final int SERIAL_BAUD = 115_200;
    private static final int READ_TIMEOUT_MS = 100;
    /**
     * Set by a jSerialComm shutdown hook, which runs before jSerialComm closes every port at JVM exit, so a
     * read failing then is reported as a deliberate close instead of an error (Ctrl-C on the simulator).
     */
    private static final AtomicBoolean SHUTTING_DOWN = new AtomicBoolean();
    private static final AtomicBoolean HOOK_REGISTERED = new AtomicBoolean();

    private final SerialPort port;
    private final String path;

    private SerialPortTransport(SerialPort port, String path) {
        this.port = port;
        this.path = path;
    }

    static SerialPortTransport open(String path) throws CanException {
        if (HOOK_REGISTERED.compareAndSet(false, true)) {
            SerialPort.addShutdownHook(new Thread(() -> SHUTTING_DOWN.set(true), "slcan-shutdown"));
        }
        SerialPort port;
        try {
            port = SerialPort.getCommPort(path);
        } catch (SerialPortInvalidPortException e) {
            throw new CanException("SLCAN serial port " + path + " does not exist: " + e.getMessage(), e);
        }
        port.setComPortParameters(SERIAL_BAUD, 8, SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
        port.setFlowControl(SerialPort.FLOW_CONTROL_DISABLED);
        port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING,
                READ_TIMEOUT_MS, 1000);
        if (!port.openPort()) {
            throw new CanException("cannot open SLCAN serial port " + path + " (error code "
                    + port.getLastErrorCode() + "; does it exist and may this user open it?)");
        }
        Logger.debug("opened serial port {} for SLCAN", path);
        return new SerialPortTransport(port, path);
    }

    @Override
    public int read(byte[] buffer) throws IOException {
        int n = port.readBytes(buffer, buffer.length);
        if (n < 0 && SHUTTING_DOWN.get()) {
            throw new PortClosedException("serial port " + path + " closed at JVM shutdown");
        }
        if (n < 0) {
            throw new IOException("read from serial port " + path + " failed (error code " + port.getLastErrorCode() + ")");
        }
        return n;
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        int written = port.writeBytes(bytes, bytes.length);
        if (written != bytes.length) {
            throw new IOException("write to serial port " + path + " failed: " + written + " of " + bytes.length
                    + " bytes written (error code " + port.getLastErrorCode() + ")");
        }
    }

    @Override
    public String description() {
        return path;
    }

    @Override
    public void close() {
        if (!port.closePort()) {
            Logger.warn("closing serial port {} failed (error code {})", path, port.getLastErrorCode());
        }
    }
}
