package io.vinbind.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * The dashboard's static files, served by the server itself under {@code /ui/} from its own jar (no separate
 * process, nothing from the internet). The pages are plain HTML, CSS and JavaScript that call the JSON API with
 * the user's bearer token, so the API's roles are the dashboard's roles. Every file is answered with a Content
 * Security Policy that allows only this origin's scripts and styles and no framing (OWASP: clickjacking, XSS).
 */
final class DashboardAssets {

    /** The files there are; anything else under /ui/ is 404 (no path ever reaches the file system). */
    private static final Map<String, String> FILES = Map.of(
        "index.html", "text/html; charset=utf-8",
        "app.js", "text/javascript; charset=utf-8",
        "app.css", "text/css; charset=utf-8");

    static final Map<String, String> HEADERS = Map.of(
        "Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
            + " img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        "X-Content-Type-Options", "nosniff",
        "Referrer-Policy", "no-referrer",
        "Cache-Control", "no-cache");

    private DashboardAssets() {
    }

    /** The answer for a GET of {@code rawPath} under /ui, or empty when the path is not the dashboard's. */
    static Optional<HttpReply> serve(String method, String rawPath) {
        if (!rawPath.equals("/ui") && !rawPath.startsWith("/ui/")) {
            return Optional.empty();
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return Optional.of(error(405, "method " + method + " not allowed here, use GET"));
        }
        if (rawPath.equals("/ui")) {
            return Optional.of(new HttpReply(308, "text/plain; charset=utf-8", "see /ui/".getBytes(StandardCharsets.UTF_8),
                Map.of("Location", "/ui/")));
        }
        String name = rawPath.substring(4);
        if (name.isEmpty()) {
            name = "index.html";
        }
        String type = FILES.get(name);
        if (type == null) {
            return Optional.of(error(404, "no such dashboard file"));
        }
        try (InputStream in = DashboardAssets.class.getResourceAsStream("/ui/" + name)) {
            if (in == null) {
                return Optional.of(error(500, "the dashboard file " + name + " is missing from the server's jar"));
            }
            return Optional.of(new HttpReply(200, type, in.readAllBytes(), HEADERS));
        } catch (IOException e) {
            return Optional.of(error(500, "reading the dashboard file " + name + ": " + e.getMessage()));
        }
    }

    private static HttpReply error(int status, String message) {
        return new HttpReply(status, "application/json; charset=utf-8",
            HttpApi.errorJson(message).getBytes(StandardCharsets.UTF_8), Map.of());
    }
}
