package io.vinbind.esim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.esim.crypto.Ecc;
import io.vinbind.esim.crypto.SessionKeys;
import io.vinbind.esim.bpp.BppBuilder;
import io.vinbind.esim.message.ConfigureIsdpRequest;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.InitialiseSecureChannelRequest;
import io.vinbind.esim.message.ProfileClass;
import io.vinbind.esim.message.StoreMetadata;
import io.vinbind.esim.pki.TestPki;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class EsimCliTest {

    record Run(int code, String out, String err) {
    }

    static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command).registerConverter(java.time.Duration.class, new DurationConverter());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void pkiInitWritesAPkiAndRefusesToOverwriteIt(@TempDir Path dir) throws Exception {
        Run r = run(new EsimCli(), "pki", "init", dir.toString(), "--euiccs", "2");
        assertEquals(0, r.code(), r.err());
        assertEquals(2, TestPki.eidsIn(dir).size());
        assertTrue(Files.exists(dir.resolve("dptls.key.pem")));
        assertEquals(1, run(new EsimCli(), "pki", "init", dir.toString()).code());
    }

    @Test
    void bppInspectPrintsSegmentsAndMetadata(@TempDir Path dir) throws Exception {
        InitialiseSecureChannelRequest isc = new InitialiseSecureChannelRequest(new byte[] {0x0A, 0x0B}, new byte[8],
            Ecc.encodePoint(Ecc.generateKeyPair().getPublic()), new byte[64]);
        byte[] bpp = BppBuilder.bind(isc, new SessionKeys(new byte[16], new byte[16], new byte[16]),
            new ConfigureIsdpRequest(null), new StoreMetadata(new Iccid("8949000000000001234"), "op", "bench",
                ProfileClass.OPERATIONAL, List.of()), new byte[2000], null).encode();
        Path der = Files.write(dir.resolve("p.der"), bpp);
        Path b64 = Files.writeString(dir.resolve("p.b64"), Base64.getEncoder().encodeToString(bpp));
        for (Path f : List.of(der, b64)) {
            Run r = run(new EsimCli(), "bpp", "inspect", f.toString());
            assertEquals(0, r.code(), r.err());
            JsonNode j = new ObjectMapper().readTree(r.out());
            assertEquals("8949000000000001234", j.path("metadata").path("iccid").asText());
            assertEquals("0A0B", j.path("transactionId").asText());
            assertEquals("INITIALISE_SECURE_CHANNEL", j.path("segments").get(0).path("kind").asText());
            assertEquals(bpp.length, j.path("size").asInt());
        }
        Path junk = Files.writeString(dir.resolve("junk"), "hello");
        Run bad = run(new EsimCli(), "bpp", "inspect", junk.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("not a bound profile package"), bad.err());
    }

    @Test
    void smdpSimulatorRefusesAMissingPki(@TempDir Path dir) throws Exception {
        Path inv = Files.writeString(dir.resolve("inv.csv"), "8949000000000001000,262010000000000,iot\n");
        Run r = run(new SmdpSimCli(), "--pki", dir.resolve("none").toString(), "--inventory", inv.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("sim smdp:"), r.err());
        assertEquals(2, run(new SmdpSimCli(), "--inventory", inv.toString()).code());
    }
}
