package io.vinbind.esim.message;

import static io.vinbind.esim.Hex.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** SGP.22 structures against their bytes, written out field by field. */
class MessageCodecTest {

    static final String ICCID_EF = "98 00 10 32 54 76 98 10 32 14"; // 89000123456789012341, nibbles swapped

    @Test
    void iccidIsCodedAsEfIccid() {
        assertArrayEquals(bytes(ICCID_EF), new Iccid("89000123456789012341").toEf());
        assertEquals("8949000000000001000", Iccid.fromEf(bytes("98 94 00 00 00 00 00 10 00 F0")).digits());
        assertThrows(IllegalArgumentException.class, () -> Iccid.fromEf(bytes("98 94 00 00 00 00 00 10 00 A0")));
    }

    @Test
    void getEidRequestAndResponse() {
        assertArrayEquals(bytes(
            "BF3E 03"       // GetEuiccDataRequest, 3 bytes
            + " 5C 01 5A"), // tagList: 5A (the EID)
            new ProfileManagement.GetEidRequest().encode());
        byte[] response = bytes(
            "BF3E 12"                                       // GetEuiccDataResponse, 18 bytes
            + " 5A 10 89049032123451234512345678901235");   // eidValue, 16 bytes BCD
        assertArrayEquals(bytes("89049032123451234512345678901235"), ProfileManagement.GetEidResponse.decode(response).eid());
    }

    @Test
    void retrieveNotificationsListBySequenceNumber() {
        assertArrayEquals(bytes(
            "BF2B 06"           // RetrieveNotificationsListRequest, 6 bytes
            + " A0 04"          // searchCriteria (CHOICE, explicit [0])
            + " 80 02 01 00"),  // seqNumber [0] INTEGER 256
            new Notifications.RetrieveRequest(256L, null).encode());
        assertEquals(256L, Notifications.RetrieveRequest.decode(bytes("BF2B 06 A0 04 80 02 01 00")).seqNumber());
    }

    @Test
    void notificationSentAndItsAnswer() {
        assertArrayEquals(bytes(
            "BF30 03"        // NotificationSentRequest
            + " 80 01 05"),  // seqNumber 5
            new Notifications.SentRequest(5).encode());
        assertEquals(Notifications.DeleteStatus.NOTHING_TO_DELETE, Notifications.SentResponse.decode(bytes(
            "BF30 03"          // NotificationSentResponse
            + " 80 01 01")).status()); // deleteNotificationStatus nothingToDelete(1)
    }

    @Test
    void enableProfileByIccidWithRefresh() {
        assertArrayEquals(bytes(
            "BF31 11"                 // EnableProfileRequest, 17 bytes
            + " A0 0C"                // profileIdentifier (CHOICE, explicit [0])
            + " 5A 0A " + ICCID_EF    //   iccid
            + " 81 01 FF"),           // refreshFlag [1] TRUE
            new ProfileManagement.SwitchRequest(ProfileManagement.Operation.ENABLE, new Iccid("89000123456789012341"), true).encode());
        assertEquals(ProfileManagement.Result.PROFILE_NOT_IN_REQUIRED_STATE, ProfileManagement.ResultResponse.decode(bytes(
            "BF31 03"                 // EnableProfileResponse
            + " 80 01 02"), 49).result()); // enableResult profileNotInDisabledState(2)
    }

    @Test
    void deleteProfileIsAChoiceUnderItsTag() {
        assertArrayEquals(bytes(
            "BF33 0C"                // DeleteProfileRequest (CHOICE, explicit [51])
            + " 5A 0A " + ICCID_EF), // iccid
            new ProfileManagement.DeleteRequest(new Iccid("89000123456789012341")).encode());
    }

    @Test
    void notificationMetadata() {
        byte[] expected = bytes(
            "BF2F 1E"                      // NotificationMetadata, 30 bytes
            + " 80 01 07"                  // seqNumber 7
            + " 81 02 06 40"               // profileManagementOperation: bit 1 (enable), 6 unused bits
            + " 0C 09 736d64702e74657374"  // notificationAddress "smdp.test"
            + " 5A 0A " + ICCID_EF);       // iccid
        NotificationMetadata m = new NotificationMetadata(7, NotificationEvent.ENABLE, "smdp.test", new Iccid("89000123456789012341"));
        assertArrayEquals(expected, m.encode());
        assertEquals(m, NotificationMetadata.decode(expected));
    }

    @Test
    void euiccInfo1() {
        byte[] ci = bytes("F54172BDF98A95D65CBEB88A38A1C11D800A85C3");
        byte[] encoded = new EuiccInfo1(bytes("020202"), List.of(ci), List.of(ci)).encode();
        assertArrayEquals(bytes(
            "BF20 35"                                        // EUICCInfo1, 53 bytes
            + " 82 03 02 02 02"                              // svn 2.2.2
            + " A9 16 04 14 F54172BDF98A95D65CBEB88A38A1C11D800A85C3"   // ciPKIds for verification: one key id
            + " AA 16 04 14 F54172BDF98A95D65CBEB88A38A1C11D800A85C3"), // ciPKIds for signing
            encoded);
        assertArrayEquals(ci, EuiccInfo1.decode(encoded).ciPkIdsForSigning().get(0));
    }

    @Test
    void storeMetadataOfAPublishedBoundProfilePackage() {
        StoreMetadata m = StoreMetadata.decode(bytes(
            "BF25 2D"                                        // StoreMetadataRequest, 45 bytes
            + " 5A 0A 98001032547698103214"                  // iccid 89000123456789012341
            + " 91 09 47534D415F54455354"                    // serviceProviderName "GSMA_TEST"
            + " 92 11 47534D415F544553545F50524F46494C45"    // profileName "GSMA_TEST_PROFILE"
            + " 95 01 00"));                                 // profileClass test(0)
        assertEquals("89000123456789012341", m.iccid().digits());
        assertEquals("GSMA_TEST", m.serviceProviderName());
        assertEquals("GSMA_TEST_PROFILE", m.profileName());
        assertEquals(ProfileClass.TEST, m.profileClass());
        assertArrayEquals(bytes("BF252D5A0A98001032547698103214910947534D415F54455354921147534D415F544553545F50524F46494C45950100"),
            m.encode());
    }

    @Test
    void cancelSessionRequest() {
        assertArrayEquals(bytes(
            "BF41 09"            // CancelSessionRequest
            + " 80 04 01020304"  // transactionId
            + " 81 01 05"),      // reason loadBppExecutionError(5)
            new CancelSession.Request(bytes("01020304"), CancelSession.Reason.LOAD_BPP_EXECUTION_ERROR).encode());
        assertEquals(5, CancelSession.Response.decode(bytes("BF41 03 81 01 05")).errorCode());
    }

    @Test
    void authenticateServerError() {
        byte[] b = bytes(
            "BF38 0B"            // AuthenticateServerResponse (CHOICE, explicit [56])
            + " A1 09"           // authenticateResponseError
            + " 80 04 0A0B0C0D"  //   transactionId
            + " 02 01 02");      //   authenticateErrorCode invalidSignature(2)
        AuthenticateServerResponse.Error e = assertInstanceOf(AuthenticateServerResponse.Error.class,
            AuthenticateServerResponse.decode(b));
        assertEquals(AuthenticateErrorCode.INVALID_SIGNATURE, e.code());
        assertArrayEquals(b, e.encode());
    }

    @Test
    void prepareDownloadError() {
        byte[] b = bytes(
            "BF21 0B"            // PrepareDownloadResponse (CHOICE, explicit [33])
            + " A1 09"           // downloadResponseError
            + " 80 04 0A0B0C0D"  //   transactionId
            + " 02 01 05");      //   downloadErrorCode invalidTransactionId(5)
        PrepareDownloadResponse.Error e = assertInstanceOf(PrepareDownloadResponse.Error.class, PrepareDownloadResponse.decode(b));
        assertEquals(DownloadErrorCode.INVALID_TRANSACTION_ID, e.code());
    }

    @Test
    void profileInstallationResultError() {
        NotificationMetadata m = new NotificationMetadata(1, NotificationEvent.INSTALL, "a", null);
        ProfileInstallationResult pir = new ProfileInstallationResult(bytes("0102"), m, "2.999.10.7",
            new ProfileInstallationResult.Error(BppCommandId.LOAD_PROFILE_ELEMENTS, InstallErrorReason.SCP03T_SECURITY_ERROR),
            new byte[64]);
        byte[] b = pir.encode();
        assertArrayEquals(bytes(
            "BF37 67"                         // ProfileInstallationResult
            + " BF27 21"                      // profileInstallationResultData
            + " 80 02 0102"                   //   transactionId
            + " BF2F 0A 80 01 01 81 02 07 80 0C 01 61" // notificationMetadata: seq 1, install, "a"
            + " 06 04 8837 0A 07"             //   smdpOid 2.999.10.7
            + " A2 08 A1 06"                  //   finalResult: errorResult
            + " 80 01 05"                     //     bppCommandId loadProfileElements(5)
            + " 81 01 08"                     //     errorReason scp03tSecurityError(8)
            + " 5F37 40" + "00".repeat(64)),  // euiccSignPIR
            b);
        ProfileInstallationResult back = assertInstanceOf(ProfileInstallationResult.class, PendingNotification.decode(b));
        assertEquals(InstallErrorReason.SCP03T_SECURITY_ERROR, ((ProfileInstallationResult.Error) back.result()).reason());
        assertNull(back.metadata().iccid());
    }

    @Test
    void malformedInputNamesTheStructureAndField() {
        MalformedMessageException wrongTag = assertThrows(MalformedMessageException.class,
            () -> EuiccInfo1.decode(bytes("BF22 00")));
        assertEquals("EUICCInfo1", wrongTag.structure());
        MalformedMessageException missing = assertThrows(MalformedMessageException.class,
            () -> Notifications.SentRequest.decode(bytes("BF30 00")));
        assertTrue(missing.getMessage().contains("seqNumber"), missing.getMessage());
        MalformedMessageException size = assertThrows(MalformedMessageException.class,
            () -> ProfileManagement.GetEidResponse.decode(bytes("BF3E 04 5A 02 8904")));
        assertTrue(size.getMessage().contains("eidValue has 2 bytes"), size.getMessage());
        assertThrows(MalformedMessageException.class, () -> Notifications.SentRequest.decode(bytes("BF30 03 80 01 05 00")));
        assertThrows(MalformedMessageException.class, () -> Notifications.SentRequest.decode(bytes("BF30 05 80 01")));
    }
}
