package io.vinbind.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which addresses the server's own certificate names, for the listen addresses it is given. */
class ServerPkiTest {

    @TempDir
    Path dir;

    /** The IP subjectAltNames of a certificate, as {@link InetAddress#getHostAddress()} writes them. */
    private static Set<String> ipSans(X509Certificate cert) throws Exception {
        Set<String> out = new TreeSet<>();
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        for (List<?> san : sans) {
            if (Integer.valueOf(7).equals(san.get(0))) {
                out.add(InetAddress.getByName(String.valueOf(san.get(1))).getHostAddress());
            }
        }
        return out;
    }

    private static Set<String> dnsSans(X509Certificate cert) throws Exception {
        Set<String> out = new TreeSet<>();
        for (List<?> san : cert.getSubjectAlternativeNames()) {
            if (Integer.valueOf(2).equals(san.get(0))) {
                out.add(String.valueOf(san.get(1)));
            }
        }
        return out;
    }

    private static String text(String address) throws Exception {
        return InetAddress.getByName(address).getHostAddress();
    }

    @Test
    void listening_on_every_address_names_the_machines_interface_addresses_and_reissues_when_they_change()
        throws Exception {
        List<InetAddress> nics = new ArrayList<>(List.of(InetAddress.getByName("127.0.0.1"),
            InetAddress.getByName("192.0.2.10"), InetAddress.getByName("2001:db8::10")));
        ServerConfig loopback = ServerConfig.ephemeral(dir);
        ServerPki first = ServerPki.prepare(loopback, () -> nics);
        X509Certificate local = first.serverCertificate().certificate();
        assertEquals(Set.of(text("127.0.0.1")), ipSans(local), "a loopback server names loopback");
        assertEquals(Set.of("localhost"), dnsSans(local));

        ServerConfig everywhere = loopback.withMqttListen("0.0.0.0").withHttpListen("0.0.0.0");
        X509Certificate all = ServerPki.prepare(everywhere, () -> nics).serverCertificate().certificate();
        assertNotEquals(local.getSerialNumber(), all.getSerialNumber(), "re-issued: the old one lacks the addresses");
        assertEquals(Set.of(text("127.0.0.1"), text("192.0.2.10")), ipSans(all),
            "0.0.0.0 is every IPv4 address of the machine (an IPv4 socket is not reached over IPv6)");

        BigInteger serial = all.getSerialNumber();
        assertEquals(serial, ServerPki.prepare(everywhere, () -> nics).serverCertificate().certificate()
            .getSerialNumber(), "kept while it covers them");

        nics.add(InetAddress.getByName("198.51.100.7")); // a new interface came up
        X509Certificate grown = ServerPki.prepare(everywhere, () -> nics).serverCertificate().certificate();
        assertNotEquals(serial, grown.getSerialNumber());
        assertTrue(ipSans(grown).contains(text("198.51.100.7")), ipSans(grown).toString());

        X509Certificate v6 = ServerPki.prepare(loopback.withMqttListen("::"), () -> nics).serverCertificate()
            .certificate();
        assertTrue(ipSans(v6).containsAll(Set.of(text("192.0.2.10"), text("198.51.100.7"), text("2001:db8::10"))),
            ":: is every address, IPv6 too: " + ipSans(v6));
    }

    @Test
    void a_named_listen_address_is_named_and_the_any_address_never_is() throws Exception {
        ServerConfig c = ServerConfig.ephemeral(dir).withMqttListen("192.0.2.44").withHttpListen("0.0.0.0");
        X509Certificate cert = ServerPki.prepare(c, List::of).serverCertificate().certificate();
        assertTrue(ipSans(cert).contains(text("192.0.2.44")), ipSans(cert).toString());
        assertFalse(ipSans(cert).contains(text("0.0.0.0")), ipSans(cert).toString());
    }

    /** The real interface list: every IPv4 address of an interface that is up (not link-local) is covered. */
    @Test
    void on_this_machine_0_0_0_0_covers_every_ipv4_address_of_an_interface_that_is_up() throws Exception {
        List<InetAddress> real = ServerPki.interfaceAddresses();
        assertTrue(real.stream().anyMatch(InetAddress::isLoopbackAddress), "loopback is always there: " + real);
        assertTrue(real.stream().noneMatch(InetAddress::isLinkLocalAddress), real.toString());
        Set<String> expected = new TreeSet<>();
        for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp()) {
                for (InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLinkLocalAddress()) {
                        expected.add(a.getHostAddress());
                    }
                }
            }
        }
        X509Certificate cert = ServerPki.prepare(ServerConfig.ephemeral(dir).withMqttListen("0.0.0.0"))
            .serverCertificate().certificate();
        assertTrue(ipSans(cert).containsAll(expected), "certificate " + ipSans(cert) + ", interfaces " + expected);
    }
}
