package io.vinbind.server.broker;

import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission;
import com.hivemq.extension.sdk.api.client.parameter.ClientTlsInformation;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.auth.ModifiableDefaultPermissions;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import io.vinbind.log.Untrusted;
import io.vinbind.protocol.MessageType;
import io.vinbind.protocol.Topics;
import io.vinbind.server.pki.ChainCheck;
import io.vinbind.server.pki.Identity;
import io.vinbind.server.pki.PkiException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The embedded broker's gatekeeper (a HiveMQ extension): every client is authenticated by its TLS client
 * certificate, mapped to a vinbind {@link Identity} and confined by per-client default permissions, so that
 * the broker itself enforces the trust model, whatever a client sends:
 * <ul>
 *   <li>a <b>terminal</b> ({@code CN=<terminalId>} from a terminal CA) must use its terminal id as MQTT client
 *       id (so nobody can take over another terminal's session), may publish only its own requests
 *       ({@code vinbind/v2/<id>/login}, {@code …/bind}) and subscribe only its own answers
 *       ({@code vinbind/v2/<id>/login/ack}, {@code …/bind/ack}), never a shared subscription;</li>
 *   <li>a <b>service</b> ({@code CN=svc:<name>} from a service CA) uses client ids
 *       {@code svc:<name>[:<instance>]}; only the binding server's own identity
 *       ({@link BrokerSecurity#serverServices()}, {@code svc:vinbind-server}) may take requests from every
 *       terminal, and only through the shared group {@value Topics#SHARE_GROUP}, and publish answers; any other
 *       service (a factory or after-sales tool's certificate) gets no permission at all (tools use the HTTP
 *       API), so it can neither read requests nor forge answers;</li>
 *   <li>a revoked certificate (by serial) or a revoked terminal (by id, from the server's database) is
 *       refused, and {@link #disconnect} drops a terminal that is revoked while connected.</li>
 * </ul>
 * Everything else is denied (default behaviour DENY). In the insecure plaintext mode (loopback only, for
 * benchmarks against plaintext) the identity is the MQTT user name instead: a terminal names its id, a
 * service must also give the password only the server knows.
 */
final class BrokerIdentity implements ExtensionMain {

    private final BrokerSecurity security;

    BrokerIdentity(BrokerSecurity security) {
        this.security = Objects.requireNonNull(security, "security");
    }

    @Override
    public void extensionStart(ExtensionStartInput in, ExtensionStartOutput out) {
        SimpleAuthenticator authenticator = this::authenticate;
        Services.securityRegistry().setAuthenticatorProvider(input -> authenticator);
        Logger.info("broker identity rules active ({})", security.plaintext()
            ? "INSECURE plaintext listener: identity from the MQTT user name" : "TLS client certificates");
    }

    @Override
    public void extensionStop(ExtensionStopInput in, ExtensionStopOutput out) {
        // nothing to release
    }

    /** Drops the connected client of a terminal (revoked while connected). */
    static void disconnect(String terminalId) {
        try {
            Services.clientService().disconnectClient(terminalId, false, DisconnectReasonCode.NOT_AUTHORIZED,
                "credential revoked").whenComplete((done, e) -> {
                    if (e != null) {
                        Logger.warn("could not disconnect revoked terminal {}: {}", terminalId, e.getMessage());
                    } else if (Boolean.TRUE.equals(done)) {
                        Logger.warn("revoked terminal {} disconnected", terminalId);
                    }
                });
        } catch (RuntimeException e) {
            Logger.warn("could not disconnect revoked terminal {}: {}", terminalId, e.getMessage());
        }
    }

    void authenticate(SimpleAuthInput in, SimpleAuthOutput out) {
        String clientId = in.getClientInformation().getClientId();
        Identity who;
        try {
            who = security.plaintext() ? fromUserName(in) : fromCertificate(in);
        } catch (Refusal r) {
            refuse(out, r.code, clientId, r.getMessage());
            return;
        }
        try {
            if (who.kind() == Identity.Kind.TERMINAL) {
                if (!clientId.equals(who.name())) {
                    throw new Refusal(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "terminal " + who.name()
                        + " must use its terminal id as client id, not '" + Untrusted.escape(clientId) + "'");
                }
                if (security.terminalRevoked().test(who.name())) {
                    throw new Refusal(ConnackReasonCode.NOT_AUTHORIZED, "terminal " + who.name() + " is revoked");
                }
                permit(out.getDefaultPermissions(), terminalPermissions(who.name()));
            } else {
                String own = Identity.SERVICE_PREFIX + who.name();
                if (!clientId.equals(own) && !clientId.startsWith(own + ":")) {
                    throw new Refusal(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "service " + who.name()
                        + " must use client id " + own + "[:<instance>], not '" + Untrusted.escape(clientId) + "'");
                }
                if (security.isServer(who.name())) {
                    permit(out.getDefaultPermissions(), servicePermissions());
                } else {
                    permit(out.getDefaultPermissions(), List.of());
                    Logger.info("service {} connected as '{}' with no MQTT permissions (only {} may take requests"
                        + " and publish answers)", who.name(), Untrusted.escape(clientId), security.serverServices());
                }
            }
        } catch (Refusal r) {
            refuse(out, r.code, clientId, r.getMessage());
            return;
        }
        Logger.debug("MQTT client {} authenticated as {} {}", Untrusted.escape(clientId), who.kind(), who.name());
        out.authenticateSuccessfully();
    }

    private Identity fromCertificate(SimpleAuthInput in) throws Refusal {
        X509Certificate[] chain = in.getConnectionInformation().getClientTlsInformation()
            .flatMap(ClientTlsInformation::getClientCertificateChain)
            .orElseThrow(() -> new Refusal(ConnackReasonCode.NOT_AUTHORIZED, "no client certificate"));
        try {
            return ChainCheck.verify(chain, security.anchors(), security.revokedSerials().get(), Instant.now(),
                ChainCheck.Purpose.CLIENT);
        } catch (PkiException e) {
            throw new Refusal(ConnackReasonCode.NOT_AUTHORIZED, "certificate refused: " + e.getMessage());
        }
    }

    /** Insecure plaintext mode: the user name is the identity; a service proves itself with the password. */
    private Identity fromUserName(SimpleAuthInput in) throws Refusal {
        String user = in.getConnectPacket().getUserName()
            .orElseThrow(() -> new Refusal(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "no user name"));
        try {
            if (user.startsWith(Identity.SERVICE_PREFIX)) {
                Optional<ByteBuffer> pw = in.getConnectPacket().getPassword();
                byte[] given = pw.map(b -> {
                    byte[] a = new byte[b.remaining()];
                    b.duplicate().get(a);
                    return a;
                }).orElse(new byte[0]);
                byte[] expected = new String(security.servicePassword()).getBytes(StandardCharsets.UTF_8);
                if (!MessageDigest.isEqual(given, expected)) {
                    throw new Refusal(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "wrong service password");
                }
                return new Identity(Identity.Kind.SERVICE, user.substring(Identity.SERVICE_PREFIX.length()),
                    java.math.BigInteger.ONE, Instant.MAX);
            }
            return new Identity(Identity.Kind.TERMINAL, user, java.math.BigInteger.ONE, Instant.MAX);
        } catch (IllegalArgumentException e) {
            throw new Refusal(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "user name '" + Untrusted.escape(user)
                + "' is not an identity: " + e.getMessage());
        }
    }

    private static void refuse(SimpleAuthOutput out, ConnackReasonCode code, String clientId, String why) {
        Logger.warn("MQTT client '{}' refused: {}", Untrusted.escape(clientId), why);
        out.failAuthentication(code, why);
    }

    private static void permit(ModifiableDefaultPermissions p, List<TopicPermission> allowed) {
        p.addAll(allowed);
        p.setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
    }

    /** Its own requests out, its own answers in; nothing shared, nothing retained. */
    static List<TopicPermission> terminalPermissions(String terminalId) {
        List<TopicPermission> out = new ArrayList<>();
        for (MessageType type : MessageType.values()) {
            out.add(Builders.topicPermission()
                .topicFilter(Topics.topic(terminalId, type))
                .type(TopicPermission.PermissionType.ALLOW)
                .activity(type.isAck() ? TopicPermission.MqttActivity.SUBSCRIBE : TopicPermission.MqttActivity.PUBLISH)
                .retain(TopicPermission.Retain.NOT_RETAINED)
                .sharedSubscription(TopicPermission.SharedSubscription.NOT_SHARED)
                .build());
        }
        return out;
    }

    /**
     * Every terminal's requests, through the shared group only (and the relay's results without it: see
     * {@code EsimRelay}); every terminal's answers out.
     */
    static List<TopicPermission> servicePermissions() {
        List<TopicPermission> out = new ArrayList<>();
        for (MessageType type : MessageType.values()) {
            if (type.isAck()) {
                out.add(Builders.topicPermission()
                    .topicFilter(Topics.allTerminals(type))
                    .type(TopicPermission.PermissionType.ALLOW)
                    .activity(TopicPermission.MqttActivity.PUBLISH)
                    .retain(TopicPermission.Retain.NOT_RETAINED)
                    .build());
            } else {
                out.add(Builders.topicPermission()
                    .topicFilter(Topics.allTerminals(type))
                    .type(TopicPermission.PermissionType.ALLOW)
                    .activity(TopicPermission.MqttActivity.SUBSCRIBE)
                    .sharedSubscription(TopicPermission.SharedSubscription.SHARED)
                    .sharedGroup(Topics.SHARE_GROUP)
                    .build());
            }
        }
        // the relay reads every result with a plain subscription (each instance keeps its own batches' results)
        out.add(Builders.topicPermission()
            .topicFilter(Topics.allTerminals(MessageType.ESIM_RESULT))
            .type(TopicPermission.PermissionType.ALLOW)
            .activity(TopicPermission.MqttActivity.SUBSCRIBE)
            .sharedSubscription(TopicPermission.SharedSubscription.NOT_SHARED)
            .build());
        return out;
    }

    /** Why a client is not let in, with the CONNACK reason it gets. */
    private static final class Refusal extends Exception {
        final ConnackReasonCode code;

        Refusal(ConnackReasonCode code, String message) {
            super(message);
            this.code = code;
        }
    }
}
