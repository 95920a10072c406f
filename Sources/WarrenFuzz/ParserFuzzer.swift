@_spi(Fuzzing) import AMQP
import Foundation
import Warren

/// `warren-fuzz`: feeds arbitrary bytes to the parsers that face the outside world (AMQP URIs, AMQP header tables
/// as they arrive from a peer, CloudEvents, the producer's short form, delivered event messages) and checks that
/// what they accept survives a round trip.
///
/// Built normally it replays files (`warren-fuzz FILE...`), to reproduce a finding. Built with
/// `-Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING` it is a libFuzzer binary (`scripts/fuzz`).
enum ParserFuzzer {
    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? Endpoint.list(text)
        if let endpoint = try? Endpoint(url: text) {
            precondition(endpoint.port > 0 && endpoint.port < 65536, "parsed an out-of-range port")
        }
        if let event = try? CloudEvent.decode(bytes) {
            // What was accepted encodes to something accepted again, and a second round changes nothing.
            guard let once = try? CloudEvent.decode(event.encoded()) else {
                preconditionFailure("an accepted event does not decode after encoding")
            }
            precondition((try? CloudEvent.decode(once.encoded())) == once, "encoding is not stable")
        }
        if let event = try? CloudEvent.normalize(shortForm: bytes, id: "fuzz-id", now: Date(timeIntervalSince1970: 0)) {
            precondition((try? CloudEvent.decode(event.encoded())) != nil, "a normalized event is not valid")
            let (body, properties) = EventMessage.encode(event, attempt: 2)
            guard let decoded = try? EventMessage.decode(body: body, properties: properties) else {
                preconditionFailure("an encoded event message does not decode")
            }
            precondition(decoded.attempt == 2 && decoded.event.id == event.id, "event message round trip")
        }
        _ = try? EventMessage.decode(body: bytes, properties: BasicProperties(headers: ["x-warren-attempt": "x"]))
        fuzzHeaderTable(bytes)
    }

    /// A header table from a peer: whatever rabbitmq-c decodes converts to a ``FieldTable``; if that table passes
    /// the library's publish check it encodes, and a second decode/encode round changes nothing.
    static func fuzzHeaderTable(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let table = TableWireCodec.decode(UnsafeRawBufferPointer(bytes)) else { return }
        if let problem = TableWireCodec.publishProblem(headers: table) {
            // Names that grew past 255 bytes when invalid UTF-8 was replaced: refused before sending, by design.
            precondition(problem.contains("header name"), "unexpected refusal: \(problem)")
            return
        }
        guard let encoded = TableWireCodec.encode(table) else {
            preconditionFailure("a table that passed the publish check does not encode")
        }
        guard let again = encoded.withUnsafeBytes({ TableWireCodec.decode($0) }) else {
            preconditionFailure("an encoded table does not decode")
        }
        precondition(TableWireCodec.encode(again) == encoded, "table encoding is not stable")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ParserFuzzer.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}

#if FUZZING
    @_silgen_name("LLVMFuzzerRunDriver")
    func runLibFuzzer(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
    ) -> CInt

    /// SwiftPM names an executable's entry point `<target>_main`; hand it to libFuzzer's driver.
    @_cdecl("WarrenFuzz_main")
    func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var argc = argc
        var argv = argv
        return runLibFuzzer(&argc, &argv, fuzzOneInput)
    }
#else
    /// Replay mode: runs each file given on the command line through the parsers.
    @main
    struct ReplayMain {
        static func main() throws {
            for path in CommandLine.arguments.dropFirst() {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                data.withUnsafeBytes { raw in ParserFuzzer.run(raw.bindMemory(to: UInt8.self)) }
                print("ok \(path)")
            }
        }
    }
#endif
