package io.vinbind.server.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.server.BindingServer;
import io.vinbind.server.Fixtures;
import io.vinbind.server.ServerConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /modems/import} with records that used to end the import half-way with HTTP 500: the
 * answer is 200 with a line per record, every good record imported, each bad one rejected on its line.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ModemImportHttpIT {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void a_record_out_of_range_between_good_ones_is_rejected_on_its_line_and_the_rest_imported() throws Exception {
        String a = Fixtures.imsi(1);
        String b = Fixtures.imsi(2);
        String c = Fixtures.imsi(3);
        String csv = "imsi,part_number,registered_at\r\n"
            + a + ",TBOX-4G-01,2026-11-01T08:00:00Z\r\n"
            + b + ",TBOX-4G-01,+1000000000-12-31T23:59:59Z\r\n"
            + "\"" + c + "\",\"TBOX-4G-01\",\"2026-11-01T08:00:00Z\"\r\n";
        try (BindingServer server = BindingServer.start(ServerConfig.ephemeral(dir))) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.httpBaseUri().resolve("/modems/import"))
                .header("Authorization", "Bearer " + Fixtures.token(server, io.vinbind.server.auth.Role.FACTORY))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(csv)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode body = json.readTree(r.body());
            assertEquals("2 added, 0 unchanged, 0 updated, 1 rejected", body.get("summary").asText());
            JsonNode lines = body.get("lines");
            assertEquals(3, lines.size(), r.body());
            assertEquals(2, lines.get(0).get("line").asInt());
            assertEquals("ADDED", lines.get(0).get("status").asText());
            assertEquals(3, lines.get(1).get("line").asInt());
            assertEquals("REJECTED", lines.get(1).get("status").asText());
            assertTrue(lines.get(1).get("reason").asText().contains("is outside 2000-01-01T00:00:00Z .. "
                + "2099-12-31T23:59:59Z"), r.body());
            assertEquals("ADDED", lines.get(2).get("status").asText(), "the record after the bad one is imported");
            assertTrue(server.registry().find(a).isPresent());
            assertTrue(server.registry().find(b).isEmpty());
            assertTrue(server.registry().find(c).isPresent());
        }
    }
}
