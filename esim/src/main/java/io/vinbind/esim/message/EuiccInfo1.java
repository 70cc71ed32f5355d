package io.vinbind.esim.message;

import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;

/**
 * SGP.22 {@code EUICCInfo1} (BF20), the answer to ES10b.GetEUICCInfo without a tag list: the SGP.22 version
 * and the CI public key identifiers the eUICC verifies with and signs with (§5.7.8).
 *
 * @param svn SGP.22 version, 3 bytes (e.g. 02 02 02)
 * @param ciPkIdsForVerification CI subject key identifiers (20 bytes each) the eUICC trusts
 * @param ciPkIdsForSigning CI subject key identifiers whose chains the eUICC's certificate belongs to
 */
public record EuiccInfo1(byte[] svn, List<byte[]> ciPkIdsForVerification, List<byte[]> ciPkIdsForSigning) {

    public EuiccInfo1 {
        svn = Bytes.sized(svn, "svn", 3, 3);
        ciPkIdsForVerification = Bytes.copyList(ciPkIdsForVerification, "ciPkIdsForVerification");
        ciPkIdsForSigning = Bytes.copyList(ciPkIdsForSigning, "ciPkIdsForSigning");
    }

    @Override
    public byte[] svn() {
        return svn.clone();
    }

    @Override
    public List<byte[]> ciPkIdsForVerification() {
        return Bytes.cloneList(ciPkIdsForVerification);
    }

    @Override
    public List<byte[]> ciPkIdsForSigning() {
        return Bytes.cloneList(ciPkIdsForSigning);
    }

    public ASN1Encodable toAsn1() {
        return Der.seq(Der.CONTEXT, 32, Der.ctx(2, svn), Der.ctx(9, keyIds(ciPkIdsForVerification)),
            Der.ctx(10, keyIds(ciPkIdsForSigning)));
    }

    public byte[] encode() {
        return Der.encode(toAsn1());
    }

    public static EuiccInfo1 decode(byte[] der) {
        Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 32, "EUICCInfo1");
        byte[] svn = r.octets(Der.CONTEXT, 2, "svn", 3, 3);
        List<byte[]> v = keyIdsOf(r.sequence(Der.CONTEXT, 9, "euiccCiPKIdListForVerification"));
        List<byte[]> s = keyIdsOf(r.sequence(Der.CONTEXT, 10, "euiccCiPKIdListForSigning"));
        r.end();
        return new EuiccInfo1(svn, v, s);
    }

    static ASN1Encodable keyIds(List<byte[]> ids) {
        List<ASN1Encodable> items = new ArrayList<>();
        ids.forEach(id -> items.add(new DEROctetString(id)));
        return Der.seq(items);
    }

    static List<byte[]> keyIdsOf(Der.Reader r) {
        List<byte[]> out = new ArrayList<>();
        while (r.hasMore()) {
            out.add(r.universal(ASN1OctetString.class, "SubjectKeyIdentifier").getOctets());
        }
        return out;
    }
}
