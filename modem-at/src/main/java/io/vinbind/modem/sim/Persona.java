package io.vinbind.modem.sim;

/**
 * Which real modem the simulator imitates: its identification strings, which ICCID command it knows and
 * how it does data. Chosen so each {@link io.vinbind.modem.Dialect} path is exercised.
 */
public enum Persona {
    /** Quectel EG25-G: {@code AT+QCCID}, {@code AT+QICSGP}/{@code AT+QIACT}, {@code +QIURC: "pdpdeact"}. */
    QUECTEL("Quectel", "EG25", "EG25GGBR07A08M2G"),
    /** SIMCom SIM7600G-H: {@code AT+CICCID} ({@code +ICCID:}), {@code AT+CCID}, 27.007 data, {@code +CGEV}. */
    SIMCOM("SIMCOM INCORPORATED", "SIMCOM_SIM7600G-H", "LE20B04SIM7600G22"),
    /** A plain 27.007 modem without vendor ICCID commands: the ICCID comes only from {@code AT+CRSM}. */
    GENERIC("Generic", "LTE Module", "1.0.0");

    private final String manufacturer;
    private final String model;
    private final String revision;

    Persona(String manufacturer, String model, String revision) {
        this.manufacturer = manufacturer;
        this.model = model;
        this.revision = revision;
    }

    public String manufacturer() {
        return manufacturer;
    }

    public String model() {
        return model;
    }

    public String revision() {
        return revision;
    }
}
