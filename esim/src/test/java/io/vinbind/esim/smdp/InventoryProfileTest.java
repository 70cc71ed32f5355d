package io.vinbind.esim.smdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InventoryProfileTest {

    @Test
    void inventoryFileIsReadAndItsErrorsNameTheLine(@TempDir Path dir) throws Exception {
        Path ok = Files.writeString(dir.resolve("ok.csv"), "iccid,imsi,profileType\n# comment\n"
            + "8949000000000001000,262010000000000,iot\n\n8949000000000001001,262010000000001,iot\n");
        assertEquals(2, InventoryProfile.load(ok).size());
        Path dup = Files.writeString(dir.resolve("dup.csv"), "8949000000000001000,262010000000000,iot\n"
            + "8949000000000001000,262010000000001,iot\n");
        IOException e = assertThrows(IOException.class, () -> InventoryProfile.load(dup));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        Path bad = Files.writeString(dir.resolve("bad.csv"), "8949,262010000000000,iot\n");
        assertTrue(assertThrows(IOException.class, () -> InventoryProfile.load(bad)).getMessage().contains("ICCID"));
    }
}
