package io.vinbind.hil.fuzz;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One fuzz target of the project: a Jazzer {@code @FuzzTest} method in a module's test sources, and its
 * committed corpus ({@code src/test/resources/<package>/<Class>Inputs/<method>/}).
 *
 * @param name   the short name {@code ./vinbind bench fuzz --target} takes
 * @param module the Maven module (directory) that holds it
 * @param testClass the test class's binary name
 * @param method the {@code @FuzzTest} method
 * @param what   what it feeds and what it asserts, for {@code --help} and the report
 */
public record FuzzTarget(String name, String module, String testClass, String method, String what) {

    /** Every target, in the order {@code bench fuzz} runs them. To add one, add its line here (docs/bench.md). */
    public static final List<FuzzTarget> ALL = List.of(
        new FuzzTarget("json", "protocol", "io.vinbind.protocol.JsonCodecFuzzTest",
            "decode_yields_a_valid_record_or_a_protocol_exception",
            "JsonCodec.decode of any bytes as every message type: a valid record or ProtocolException; round trip"),
        new FuzzTarget("slcan", "can-bus", "io.vinbind.can.slcan.SlcanCodecFuzzTest",
            "any_byte_stream_yields_frames_or_typed_tokens",
            "SLCAN byte stream in any reads: frames or typed tokens, printable text, frames re-encode"),
        new FuzzTarget("slcan-frames", "can-bus", "io.vinbind.can.slcan.SlcanCodecFuzzTest",
            "every_frame_survives_encoding_and_decoding",
            "every CAN frame (and timestamp) encodes to an SLCAN line that decodes to it"),
        new FuzzTarget("isotp", "can-bus", "io.vinbind.can.isotp.IsoTpReceiveFuzzTest",
            "any_frame_sequence_yields_messages_or_typed_failures",
            "ISO-TP receiver on timed frame sequences (virtual time): messages <= 4095 B or IsoTpException, "
                + "no wait past timeout/N_Cr, bounded allocation"),
        new FuzzTarget("isotp-segmented", "can-bus", "io.vinbind.can.isotp.IsoTpReceiveFuzzTest",
            "a_segmented_message_is_reassembled_whole",
            "a message segmented by IsoTpChannel.send, with noise frames, is reassembled whole"),
        new FuzzTarget("at", "modem-at", "io.vinbind.modem.at.LineAssemblerFuzzTest",
            "any_byte_stream_yields_bounded_printable_lines",
            "modem byte stream in any reads: bounded printable lines, typed AT errors only"),
        new FuzzTarget("csv", "server-stub", "io.vinbind.server.registry.CsvImportFuzzTest",
            "any_file_yields_a_per_line_report_or_a_header_error",
            "factory CSV import of any file: per-line report or CsvHeaderException, printable reasons, "
                + "re-import unchanged"),
        new FuzzTarget("csv-record", "server-stub", "io.vinbind.server.registry.CsvImportFuzzTest",
            "a_record_splits_into_fields_that_quote_back_to_themselves",
            "CsvLines.split of any line: fields or IllegalArgumentException; fields quote back to themselves"));

    public FuzzTarget {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(testClass, "testClass");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(what, "what");
    }

    /** The target called {@code name}, if there is one. */
    public static Optional<FuzzTarget> named(String name) {
        return ALL.stream().filter(t -> t.name.equals(name)).findFirst();
    }

    /** The module's directory under the repository root. */
    public Path moduleDir(Path root) {
        return root.resolve(module);
    }

    /** The committed corpus, which a fuzzing run also writes its findings into ({@code crash-<sha1>}). */
    public Path corpusDir(Path root) {
        String pkg = testClass.substring(0, testClass.lastIndexOf('.')).replace('.', '/');
        String simple = testClass.substring(testClass.lastIndexOf('.') + 1);
        return moduleDir(root).resolve("src/test/resources").resolve(pkg).resolve(simple + "Inputs").resolve(method);
    }

    /** The compiled test class, to tell whether the module's tests are built. */
    public Path compiledClass(Path root) {
        return moduleDir(root).resolve("target/test-classes").resolve(testClass.replace('.', '/') + ".class");
    }
}
