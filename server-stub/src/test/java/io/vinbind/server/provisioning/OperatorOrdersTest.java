package io.vinbind.server.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.esim.pki.Pem;
import io.vinbind.esim.pki.TestPki;
import io.vinbind.esim.smdp.InventoryProfile;
import io.vinbind.esim.smdp.SmdpConfig;
import io.vinbind.esim.smdp.SmdpSimulator;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.DbSettings;
import io.vinbind.server.store.Sql;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ES2+ order left between downloadOrder and confirmOrder (the server died after the platform reserved a profile)
 * against the SM-DP+ simulator: the run that placed it cancels it at the platform and orders again; anybody else's
 * is left for an operator.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OperatorOrdersTest {

    static final String TOKEN = "es2-token-for-the-orders-test";
    static final String PLATFORM = "smdp-sim";
    @TempDir
    static Path dir;
    static TestPki pki;
    static SmdpSimulator smdp;
    static OperatorPlatform platform;
    static final AtomicInteger nextEid = new AtomicInteger(500);

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(TestPki.DEFAULT_SMDP_ADDRESS, 1);
        List<InventoryProfile> inventory = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            inventory.add(new InventoryProfile(String.format("8949000000000005%03d", i), String.format("26201000005%04d", i),
                "vinbind-iot"));
        }
        smdp = SmdpSimulator.start(SmdpConfig.of(pki.smdp(), inventory, TOKEN));
        Path ca = dir.resolve("rsp-ci.pem");
        Pem.writeCertificate(ca, pki.ci());
        platform = new OperatorPlatform(new OperatorPlatform.Spec(PLATFORM, smdp.baseUri(), TOKEN, Optional.of(ca)),
            "vinbind-orders-test");
    }

    @AfterAll
    static void stop() {
        if (smdp != null) {
            smdp.close();
        }
    }

    /** The state a crash after downloadOrder leaves: the platform reserved ICCID …, the row says ORDERED. */
    static long interrupted(Database db, String eid, String createdBy) throws Exception {
        String iccid = platform.downloadOrder(eid, Optional.empty(), Optional.of("vinbind-iot")).iccid();
        assertEquals("LINKED", smdp.profileState(iccid), "reserved for the EID, not yet confirmed");
        return row(db, eid, OperatorOrders.State.ORDERED, iccid, createdBy);
    }

    /** An open order row as the server writes it, straight into the table (what a crash leaves behind). */
    static long row(Database db, String eid, OperatorOrders.State state, String iccid, String createdBy)
        throws Exception {
        return db.transaction("an order as a crash leaves it", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO operator_order (platform, eid, profile_type,"
                + " iccid, state, open_key, created_at, updated_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                new String[] {"id"})) {
                ps.setString(1, PLATFORM);
                ps.setString(2, eid);
                ps.setString(3, "vinbind-iot");
                ps.setString(4, iccid);
                ps.setString(5, state.name());
                ps.setString(6, PLATFORM + "|" + eid);
                Sql.setInstant(ps, 7, Instant.now());
                Sql.setInstant(ps, 8, Instant.now());
                ps.setString(9, createdBy);
                ps.executeUpdate();
                try (var keys = ps.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        });
    }

    static Database database() throws Exception {
        return Database.open(DbSettings.h2Memory("orders-" + UUID.randomUUID()));
    }

    @Test
    void the_run_that_placed_it_cancels_it_at_the_platform_and_orders_again() throws Exception {
        try (Database db = database()) {
            OperatorOrders orders = new OperatorOrders(db, Clock.systemUTC(), Map.of(PLATFORM, platform));
            String eid = pki.eidNumber(nextEid.incrementAndGet());
            long id = interrupted(db, eid, "provisioning job 7");
            String iccid = orders.find(id).orElseThrow().iccid().orElseThrow();
            // as before this change: placing again is refused while the interrupted one is open
            assertThrows(IllegalStateException.class, () -> orders.place(PLATFORM, eid, "vinbind-iot", "provisioning job 7"));

            OperatorOrders.Order settled = orders.settleInterrupted(PLATFORM, eid, "provisioning job 7").orElseThrow();
            assertEquals(id, settled.id());
            assertEquals(OperatorOrders.State.CANCELLED, settled.state());
            assertTrue(settled.lastError().orElse("").contains("interrupted between downloadOrder and confirmOrder"),
                settled.view().toString());
            assertEquals("AVAILABLE", smdp.profileState(iccid), "the reserved profile went back to stock");
            assertTrue(orders.findOpen(PLATFORM, eid).isEmpty());

            OperatorOrders.Order again = orders.place(PLATFORM, eid, "vinbind-iot", "provisioning job 7");
            assertEquals(OperatorOrders.State.CONFIRMED, again.state(), again.view().toString());
            assertTrue(again.matchingId().isPresent());
            assertTrue(orders.settleInterrupted(PLATFORM, eid, "provisioning job 7").isEmpty(),
                "a confirmed order is not interrupted: nothing to settle");
            orders.cancel(again.id(), "test");
        }
    }

    @Test
    void an_order_of_someone_else_or_without_an_iccid_is_left_for_an_operator() throws Exception {
        try (Database db = database()) {
            OperatorOrders orders = new OperatorOrders(db, Clock.systemUTC(), Map.of(PLATFORM, platform));
            String eid = pki.eidNumber(nextEid.incrementAndGet());
            long id = interrupted(db, eid, "alice");
            assertTrue(orders.settleInterrupted(PLATFORM, eid, "provisioning job 8").isEmpty());
            OperatorOrders.Order left = orders.find(id).orElseThrow();
            assertEquals(OperatorOrders.State.ORDERED, left.state(), "an operator's order is the operator's");
            assertEquals("LINKED", smdp.profileState(left.iccid().orElseThrow()));
            orders.cancel(id, "alice");

            String other = pki.eidNumber(nextEid.incrementAndGet());
            long placing = row(db, other, OperatorOrders.State.PLACING, null, "provisioning job 9"); // never answered
            assertTrue(orders.settleInterrupted(PLATFORM, other, "provisioning job 9").isEmpty(),
                "no ICCID: what the platform reserved is not known here");
            assertEquals(OperatorOrders.State.PLACING, orders.find(placing).orElseThrow().state());
        }
    }
}
