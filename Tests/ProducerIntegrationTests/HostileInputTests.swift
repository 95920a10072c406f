import Foundation
import Testing
import WarrenProcess
import WarrenTestSupport

/// The producer's HTTP API under hostile input (issue 7), over real HTTP and, where no client would send such
/// bytes, raw TCP: after each case the producer still answers `/healthz`, accepts a valid event, and its log shows
/// neither an unhandled error nor a lost broker connection.
@Suite("producer under hostile input")
struct HostileInputTests {
    // MARK: - Oversized identifiers (AMQP short strings)

    @Test("an id or type over 255 bytes is 422 problem+json; the broker connection survives")
    func longIdentifiers() async throws {
        try await ProducerInstance.with { producer in
            for (name, value) in [
                ("id", String(repeating: "i", count: 256)), ("type", String(repeating: "t", count: 256)),
                ("id", String(repeating: "é", count: 128)), ("id", String(repeating: "x", count: 100_000)),
            ] {
                let json =
                    name == "id"
                    ? #"{"type":"demo.work","id":"\#(value)","data":{}}"# : #"{"type":"\#(value)","data":{}}"#
                let reply = try await producer.post(json)
                #expect(reply.status == 422, "\(name) of \(value.utf8.count) bytes: \(reply.text.prefix(300))")
                #expect(reply.header("Content-Type") == "application/problem+json")
                let detail = reply.json["detail"] as? String ?? ""
                #expect(detail.contains("\"\(name)\"") && detail.contains("at most 255 bytes"), "\(detail)")
            }
            let longest = String(repeating: "k", count: 255)
            let accepted = try await producer.post(#"{"type":"demo.work","id":"\#(longest)","data":{}}"#)
            #expect(accepted.status == 202, "\(accepted.text)")
            #expect(try await BrokerCheck.drain("\(producer.prefix).events", count: 1) == [longest])
            try await expectHealthy(producer)
        }
    }

    @Test("an id already accepted is 409 with its Location, never 503; nothing is published twice")
    func duplicateID() async throws {
        try await ProducerInstance.with { producer in
            let event = #"{"type":"demo.work","id":"twice","data":{}}"#
            #expect(try await producer.post(event).status == 202)
            for _ in 0..<2 {
                let again = try await producer.post(event)
                #expect(again.status == 409, "\(again.text)")
                #expect(again.header("Content-Type") == "application/problem+json")
                #expect(again.header("Location") == "/v1/events/twice")
                #expect((again.json["detail"] as? String ?? "").contains("already accepted"), "\(again.text)")
            }
            let ids = try await BrokerCheck.drain("\(producer.prefix).events", count: 2, timeout: .seconds(3))
            #expect(ids == ["twice"])
            try await expectHealthy(producer)
        }
    }

    // MARK: - Bodies

    @Test("a body cut short (client half-closes, or stops and closes) is 400, never 500")
    func truncatedBody() async throws {
        try await ProducerInstance.with { producer in
            let port = producer.port
            let halfClosed = try await offPool {
                let connection = try RawHTTPConnection(port: port)
                try connection.send(Self.head(contentLength: 100) + #"{"type":"demo.work","da"#)
                connection.shutdownWrite()
                return try connection.readResponse()
            }
            #expect(halfClosed.status == 400, "\(halfClosed.text)")
            #expect(halfClosed.header("content-type") == "application/problem+json")
            #expect(halfClosed.header("connection") == "close")
            #expect(halfClosed.text.contains("ended"), "\(halfClosed.text)")
            // Gone without waiting for an answer: nothing to answer, nothing logged as unhandled.
            try await offPool {
                let connection = try RawHTTPConnection(port: port)
                try connection.send(Self.head(contentLength: 5000) + String(repeating: " ", count: 100))
            }
            // JSON cut mid-way with a matching Content-Length.
            let cut = try await producer.post(#"{"type":"demo.work","data":{"sleep_ms":"#)
            #expect(cut.status == 400)
            #expect((cut.json["detail"] as? String ?? "").contains("malformed JSON"), "\(cut.text)")
            try await Task.sleep(for: .milliseconds(300))
            try await expectHealthy(producer)
        }
    }

    @Test("an oversized body is 413 with Connection: close, and the connection closes")
    func oversizedBody() async throws {
        try await ProducerInstance.with(arguments: ["--body-limit", "4096"]) { producer in
            let port = producer.port
            // Announced: refused before the body is read.
            let (announced, announcedClosed) = try await offPool {
                let connection = try RawHTTPConnection(port: port)
                try connection.send(Self.head(contentLength: 10 << 20) + String(repeating: "x", count: 8192))
                let response = try connection.readResponse()
                return (response, connection.isClosed(within: .seconds(5)))
            }
            #expect(announced.status == 413, "\(announced.text)")
            #expect(announced.header("connection") == "close")
            #expect(announced.header("content-type") == "application/problem+json")
            #expect(announcedClosed)
            // Chunked, no length: refused once the limit is crossed.
            let (chunked, chunkedClosed) = try await offPool {
                let connection = try RawHTTPConnection(port: port)
                try connection.send(
                    "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n")
                let chunk = String(repeating: "y", count: 1000)
                for _ in 0..<8 { try? connection.send("3e8\r\n\(chunk)\r\n") }
                let response = try connection.readResponse()
                return (response, connection.isClosed(within: .seconds(5)))
            }
            #expect(chunked.status == 413, "\(chunked.text)")
            #expect(chunked.header("connection") == "close")
            #expect(chunkedClosed)
            try await expectHealthy(producer)
        }
    }

    @Test("100,000 nested [ and deep objects are refused with 400, quickly")
    func deepNesting() async throws {
        try await ProducerInstance.with { producer in
            let start = ContinuousClock.now
            let open = try await producer.post(String(repeating: "[", count: 100_000))
            #expect(open.status == 400, "\(open.text.prefix(300))")
            let balanced = try await producer.post(
                String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
            #expect(balanced.status == 400, "\(balanced.text.prefix(300))")
            let objects = try await producer.post(
                #"{"type":"demo.work","data":"# + String(repeating: #"{"a":"#, count: 50_000) + "1"
                    + String(repeating: "}", count: 50_001))
            #expect(objects.status == 400, "\(objects.text.prefix(300))")
            #expect(ContinuousClock.now - start < .seconds(10))
            try await expectHealthy(producer)
        }
    }

    @Test("invalid UTF-8 in the body, a header or the path is refused, never 500")
    func invalidUTF8() async throws {
        try await ProducerInstance.with { producer in
            let port = producer.port
            let replies = try await offPool {
                var replies: [RawHTTPConnection.Response] = []
                let bodies: [[UInt8]] = [
                    [0x7b, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d],  // {"type":"\xc3("}
                    [0xff, 0xfe, 0xfd], [0xed, 0xa0, 0x80],  // not UTF-8; a UTF-16 surrogate
                ]
                for body in bodies {
                    let connection = try RawHTTPConnection(port: port)
                    try connection.send(Array(Self.head(contentLength: body.count).utf8) + body)
                    replies.append(try connection.readResponse())
                }
                let header = try RawHTTPConnection(port: port)
                let body = Array(#"{"type":"demo.work"}"#.utf8)
                try header.send(
                    Array(
                        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: "
                            .utf8)
                        + [0xff, 0xc3] + Array("\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
                replies.append(try header.readResponse())
                let path = try RawHTTPConnection(port: port)
                try path.send(
                    Array("GET /v1/events/".utf8) + [0xff, 0xfe] + Array(" HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
                replies.append(try path.readResponse())
                return replies
            }
            for (index, reply) in replies.enumerated() {
                #expect((400..<500).contains(reply.status), "case \(index): \(reply.status) \(reply.text)")
            }
            #expect(replies.prefix(3).allSatisfy { $0.status == 400 })
            try await expectHealthy(producer)
        }
    }

    @Test("a 1 MiB header is refused and the connection closed")
    func hugeHeaders() async throws {
        try await ProducerInstance.with { producer in
            let port = producer.port
            let (reply, closed) = try await offPool {
                let connection = try RawHTTPConnection(port: port)
                let big = String(repeating: "h", count: 1 << 20)
                try? connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n")
                let reply = try? connection.readResponse()
                return (reply, connection.isClosed(within: .seconds(5)))
            }
            if let reply { #expect((400..<500).contains(reply.status), "\(reply.status)") }
            #expect(closed)
            let many = try await offPool {
                let connection = try RawHTTPConnection(port: port)
                let fields = (0..<5000).map { "X-H\($0): v\r\n" }.joined()
                try? connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\(fields)\r\n")
                return try? connection.readResponse()
            }
            if let many { #expect((400..<500).contains(many.status), "\(many.status)") }
            try await expectHealthy(producer)
        }
    }

    // MARK: - Slow clients

    @Test("a request trickled byte by byte is cut at --request-timeout: 408, connection closed")
    func slowClient() async throws {
        try await ProducerInstance.with(arguments: ["--request-timeout", "2"]) { producer in
            let port = producer.port
            // A body, one byte every 200 ms: it would take 20 s.
            let (bodyReply, bodyElapsed) = try await offPool {
                let start = ContinuousClock.now
                let connection = try RawHTTPConnection(port: port)
                try connection.send(Self.head(contentLength: 100))
                for byte in Array(String(repeating: " ", count: 100).utf8) {
                    guard (try? connection.send([byte])) != nil else { break }
                    if let bytes = try? connection.read(timeout: .milliseconds(200)), !bytes.isEmpty {
                        // The answer arrived: hand it back through the reader.
                        return (Self.parse(bytes, rest: connection), ContinuousClock.now - start)
                    }
                }
                return (try? connection.readResponse(timeout: .seconds(5)), ContinuousClock.now - start)
            }
            #expect(bodyReply?.status == 408, "\(bodyReply?.text ?? "no reply")")
            #expect(bodyReply?.header("connection") == "close")
            #expect(bodyElapsed < .seconds(6), "\(bodyElapsed)")
            // The head itself, trickled: the connection closes.
            let headElapsed = try await offPool {
                let start = ContinuousClock.now
                let connection = try RawHTTPConnection(port: port)
                for byte in Array("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n".utf8) {
                    guard (try? connection.send([byte])) != nil else { break }
                    if connection.isClosed(within: .milliseconds(200)) { break }
                }
                return ContinuousClock.now - start
            }
            #expect(headElapsed < .seconds(6), "\(headElapsed)")
            // A silent connection is closed too.
            let idleClosed = try await offPool {
                try RawHTTPConnection(port: port).isClosed(within: .seconds(6))
            }
            #expect(idleClosed)
            // A request that completes in time is unaffected, and so is keep-alive within the deadline.
            let (first, second) = try await offPool {
                let connection = try RawHTTPConnection(port: port)
                try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                let first = try connection.readResponse()
                Thread.sleep(forTimeInterval: 1)
                try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                return (first, try connection.readResponse())
            }
            #expect(first.status == 200 && second.status == 200)
            #expect(producer.process.log.contains("its request was not received in time"))
            try await expectHealthy(producer)
        }
    }

    // MARK: - Many connections

    @Test("200 concurrent connections each get an answer")
    func manyConnections() async throws {
        try await ProducerInstance.with { producer in
            let port = producer.port
            let statuses = try await offPool {
                let body = #"{"type":"demo.work","data":{}}"#
                let connections = try (0..<200).map { _ in try RawHTTPConnection(port: port) }
                for connection in connections {
                    try connection.send(Self.head(contentLength: body.utf8.count) + body)
                }
                return connections.map { (try? $0.readResponse(timeout: .seconds(30)))?.status ?? 0 }
            }
            #expect(statuses.count == 200)
            #expect(
                statuses.allSatisfy { $0 == 202 }, "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
            let ids = try await BrokerCheck.drain("\(producer.prefix).events", count: 200)
            #expect(Set(ids).count == 200)
            try await expectHealthy(producer)
        }
    }

    // MARK: - Status URLs

    @Test("Location and statusUrl percent-encode the id, and route back to the event")
    func statusURLsAreEncoded() async throws {
        try await ProducerInstance.with { producer in
            for id in ["a b/c?d#e%f", "évé-1", "..", "x\ty"] {
                let escaped = id.replacingOccurrences(of: "\t", with: "\\t")
                let reply = try await producer.post(
                    #"{"specversion":"1.0","id":"\#(escaped)","source":"/t","type":"demo.work"}"#,
                    headers: [("Content-Type", "application/cloudevents+json")])
                #expect(reply.status == 202, "\(reply.text)")
                let location = try #require(reply.header("Location"))
                #expect(reply.json["statusUrl"] as? String == location)
                #expect(
                    location.dropFirst("/v1/events/".count).allSatisfy {
                        $0.isASCII && ($0.isLetter || $0.isNumber || "-_~.%".contains($0))
                    }, "\(location)")
                let status = try await TestHTTP.get(producer.base + location)
                #expect(status.status == 200, "\(location): \(status.text)")
                #expect(status.json["id"] as? String == id)
                #expect(status.json["statusUrl"] as? String == location)
            }
            try await expectHealthy(producer)
        }
    }

    // MARK: - Helpers

    /// The head of a `POST /v1/events` with a JSON body of `contentLength` bytes.
    static func head(contentLength: Int) -> String {
        "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(contentLength)\r\n\r\n"
    }

    /// A response whose first bytes were already read.
    static func parse(_ first: [UInt8], rest connection: RawHTTPConnection) -> RawHTTPConnection.Response? {
        connection.unread(first)
        return try? connection.readResponse(timeout: .seconds(5))
    }

    /// Still answering `/healthz`, still accepting a valid event, and no unhandled error or lost broker
    /// connection in the log.
    func expectHealthy(_ producer: ProducerInstance) async throws {
        #expect(producer.process.exitCode == nil)
        #expect(try await TestHTTP.get("\(producer.base)/healthz").status == 200)
        let reply = try await producer.post(#"{"type":"demo.work","data":{"ok":true}}"#)
        #expect(reply.status == 202, "\(reply.text)")
        let log = producer.process.log
        for bad in ["unhandled error", "broker connection lost", "event not accepted", "critical"] {
            #expect(!log.contains(bad), "the producer's log shows \"\(bad)\":\n\(log.suffix(3000))")
        }
    }
}
