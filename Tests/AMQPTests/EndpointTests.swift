import Testing

@testable import AMQP

@Suite("AMQP URI parsing")
struct EndpointTests {
    @Test func defaultsForPlainAMQP() throws {
        let e = try Endpoint(url: "amqp://broker")
        #expect(e.host == "broker")
        #expect(e.port == 5672)
        #expect(e.user == "guest" && e.password == "guest")
        #expect(e.vhost == "/")
        #expect(!e.tls)
    }

    @Test func amqpsDefaultsToPort5671() throws {
        let e = try Endpoint(url: "amqps://broker")
        #expect(e.tls && e.port == 5671)
    }

    @Test func userPasswordPortAndEncodedVhost() throws {
        let e = try Endpoint(url: "amqp://us%40er:p%3Ass@127.0.0.1:5682/%2F")
        #expect(e.user == "us@er")
        #expect(e.password == "p:ss")
        #expect(e.port == 5682)
        #expect(e.vhost == "/")
        let named = try Endpoint(url: "amqp://h/production")
        #expect(named.vhost == "production")
    }

    @Test func queryParameters() throws {
        let e = try Endpoint(url: "amqp://h?heartbeat=3&connection_timeout=1500&channel_max=10&frame_max=8192")
        #expect(e.heartbeat == .seconds(3))
        #expect(e.connectionTimeout == .milliseconds(1500))
        #expect(e.channelMax == 10)
        #expect(e.frameMax == 8192)
    }

    @Test func tlsQueryParameters() throws {
        let e = try Endpoint(url: "amqps://localhost:5681?cacertfile=/tmp/ca.pem&verify=verify_none")
        #expect(e.tlsOptions?.caFile == "/tmp/ca.pem")
        #expect(e.tlsOptions?.verifyPeer == false)
        #expect(throws: AMQPError.self) { try Endpoint(url: "amqp://h?cacertfile=/x") }
    }

    @Test func ipv6Host() throws {
        let e = try Endpoint(url: "amqp://[::1]:5673")
        #expect(e.host == "::1" && e.port == 5673)
        #expect(e.hostPort == "[::1]:5673")
    }

    @Test(arguments: [
        "http://h", "amqp//h", "amqp://h:0", "amqp://h:99999", "amqp://h:abc", "amqp://h/a/b",
        "amqp://h?heartbeat=-1", "amqp://h?bogus=1", "amqp://h/%ZZ",
    ])
    func rejectsInvalid(_ url: String) {
        #expect(throws: AMQPError.self) { try Endpoint(url: url) }
    }

    @Test func descriptionAndErrorsNeverShowThePassword() throws {
        let e = try Endpoint(url: "amqp://alice:s3cret@h:1/v")
        #expect(!e.description.contains("s3cret"))
        #expect(e.description == "amqp://alice:***@h:1/v")
        do {
            _ = try Endpoint(url: "amqp://alice:s3cret@h:99999/v")
            Issue.record("expected an error")
        } catch {
            #expect(!"\(error)".contains("s3cret"))
        }
    }

    @Test func listOfURLs() throws {
        let list = try Endpoint.list("amqp://a:1, amqp://b:2 ,amqp://c:3")
        #expect(list.map(\.host) == ["a", "b", "c"])
        #expect(throws: AMQPError.self) { try Endpoint.list(" , ") }
    }

    /// The defect: a password with an unencoded '/' or '?' was cut at that character, the rest read as a path, port or
    /// query, and fragments of it ended up in the error's description.
    @Test(arguments: ["amqp://u:se/cr?et@broker:5672/%2F", "amqp://u:sec?ret@broker/%2F", "amqp://u:s/ecret@broker"])
    func aPasswordWithUnencodedDelimitersStaysThePassword(url: String) throws {
        let endpoint = try Endpoint(url: url)
        #expect(endpoint.host == "broker")
        #expect(endpoint.user == "u")
        #expect(!endpoint.description.contains("cr") && !endpoint.description.contains("ret"))
    }

    @Test func errorsAfterTheUserInformationNeverQuoteThePassword() {
        for url in ["amqp://u:hunter/2@broker:99999/%2F", "amqp://u:hunter?2@broker/%2F?nonsense=1"] {
            do {
                _ = try Endpoint(url: url)
                Issue.record("\(url) was accepted")
            } catch {
                #expect(!"\(error)".contains("hunter"), "\(error)")
            }
        }
    }
}
