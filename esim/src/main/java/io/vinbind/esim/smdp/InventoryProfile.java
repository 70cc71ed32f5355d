package io.vinbind.esim.smdp;

import io.vinbind.esim.message.Iccid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One profile the SM-DP+ can sell: ICCID, IMSI and profile type.
 *
 * @param iccid 18-20 digits
 * @param imsi 6-15 digits
 * @param profileType the operator's name for the offer, matched by downloadOrder's profileType
 */
public record InventoryProfile(String iccid, String imsi, String profileType) {

    public InventoryProfile {
        new Iccid(iccid);
        if (imsi == null || !imsi.matches("[0-9]{6,15}")) {
            throw new IllegalArgumentException("IMSI must be 6-15 digits, got '" + imsi + "'");
        }
        Objects.requireNonNull(profileType, "profileType");
        if (profileType.isBlank() || profileType.length() > 64) {
            throw new IllegalArgumentException("profileType must be 1-64 characters");
        }
    }

    /**
     * Reads an inventory file: one profile a line, {@code iccid,imsi,profileType}; blank lines, lines starting
     * with {@code #} and a header line starting with {@code iccid} are skipped. Refuses a repeated ICCID or IMSI,
     * naming the line.
     */
    public static List<InventoryProfile> load(Path file) throws IOException {
        List<InventoryProfile> out = new ArrayList<>();
        Set<String> iccids = new HashSet<>();
        Set<String> imsis = new HashSet<>();
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#") || (n == 1 && t.toLowerCase(java.util.Locale.ROOT).startsWith("iccid"))) {
                continue;
            }
            String[] f = t.split(",", -1);
            if (f.length != 3) {
                throw new IOException(file + " line " + n + ": expected iccid,imsi,profileType, got " + f.length + " fields");
            }
            InventoryProfile p;
            try {
                p = new InventoryProfile(f[0].strip(), f[1].strip(), f[2].strip());
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " line " + n + ": " + e.getMessage(), e);
            }
            if (!iccids.add(p.iccid()) || !imsis.add(p.imsi())) {
                throw new IOException(file + " line " + n + ": ICCID or IMSI repeated");
            }
            out.add(p);
        }
        return out;
    }
}
