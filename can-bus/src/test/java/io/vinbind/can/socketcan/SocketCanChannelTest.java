package io.vinbind.can.socketcan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vinbind.can.CanFilter;
import io.vinbind.can.CanId;
import org.junit.jupiter.api.Test;

/** The mapping to kernel structures, which needs no CAN interface. */
class SocketCanChannelTest {

    @Test
    void standard_filter_requires_eff_flag_clear() {
        tel.schich.javacan.CanFilter k = SocketCanChannel.toKernel(CanFilter.exact(CanId.standard(0x748)));
        assertEquals(0x0000_0748, k.getId());           // EFF flag (bit 31) clear
        assertEquals(0x8000_07FF, k.getMask());         // compare EFF flag and the 11 id bits
    }

    @Test
    void extended_filter_requires_eff_flag_set() {
        tel.schich.javacan.CanFilter k = SocketCanChannel.toKernel(new CanFilter(CanId.extended(0x18DAF100), 0x1FFFFF00));
        assertEquals(0x98DA_F100, k.getId());           // 0x18DAF100 | EFF flag
        assertEquals(0x9FFF_FF00, k.getMask());         // EFF flag + the masked id bits
    }

    @Test
    void opening_a_missing_interface_names_it() {
        io.vinbind.can.CanException e = org.junit.jupiter.api.Assertions.assertThrows(io.vinbind.can.CanException.class,
                () -> SocketCanChannel.open("vinbind-no-such-if"));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("vinbind-no-such-if"), e.getMessage());
    }

    @Test
    void native_frames_carry_eff_and_rtr_flags_in_the_raw_id() {
        tel.schich.javacan.CanFrame ext = SocketCanChannel.toNative(
                io.vinbind.can.CanFrame.ofUnsigned(CanId.extended(0x18DA40F1), 0x02, 0x3E, 0x00));
        assertEquals(0x98DA_40F1, ext.getRawId());      // 0x18DA40F1 | EFF flag
        assertEquals(0x18DA_40F1, ext.getId());
        assertEquals(3, ext.getDataLength());
        tel.schich.javacan.CanFrame rtr = SocketCanChannel.toNative(io.vinbind.can.CanFrame.remote(CanId.standard(0x7DF), 2));
        assertEquals(0x4000_07DF, rtr.getRawId());      // 0x7DF | RTR flag
        assertEquals(2, rtr.getDataLength());           // DLC asked for, no data
        org.junit.jupiter.api.Assertions.assertTrue(rtr.isRemoteTransmissionRequest());
    }
}
