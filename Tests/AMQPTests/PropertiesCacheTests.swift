import Foundation
import Testing

@testable import AMQP

@Suite("Decoding incoming properties with the per-channel cache")
struct PropertiesCacheTests {
    let persistentJSON = BasicProperties(
        contentType: "application/json", deliveryMode: .persistent, messageID: "m-1", type: "order.created")

    @Test func repeatedPropertiesShareOneDecodedValue() {
        let scratch = CScratch()
        var cache = PropertiesCache()
        let first = cache.properties(scratch.properties(persistentJSON))
        let second = cache.properties(scratch.properties(persistentJSON))
        #expect(first == persistentJSON)
        #expect(second == persistentJSON)
        #expect(first.sharesStorage(with: second))
    }

    @Test func anyChangedFieldIsDecodedAfresh() {
        let scratch = CScratch()
        var cache = PropertiesCache()
        _ = cache.properties(scratch.properties(persistentJSON))
        var variants: [BasicProperties] = []
        var changed = persistentJSON
        changed.messageID = "m-2"
        variants.append(changed)
        changed = persistentJSON
        changed.messageID = "m-11"  // a different length
        variants.append(changed)
        changed = persistentJSON
        changed.deliveryMode = .transient
        variants.append(changed)
        changed = persistentJSON
        changed.priority = 3
        variants.append(changed)
        changed = persistentJSON
        changed.timestamp = Date(timeIntervalSince1970: 1_700_000_000)
        variants.append(changed)
        changed = persistentJSON
        changed.contentType = nil
        variants.append(changed)
        for variant in variants {
            let warm = cache.properties(scratch.properties(persistentJSON))
            #expect(warm == persistentJSON)
            let decoded = cache.properties(scratch.properties(variant))
            #expect(decoded == variant)
            #expect(!decoded.sharesStorage(with: warm))
        }
    }

    @Test func propertiesWithHeadersAreNeverReused() {
        let scratch = CScratch()
        var cache = PropertiesCache()
        var withHeaders = persistentJSON
        withHeaders.headers = ["x-warren-attempt": 1]
        let first = cache.properties(scratch.properties(withHeaders))
        var next = withHeaders
        next.headers = ["x-warren-attempt": 2]
        let second = cache.properties(scratch.properties(next))
        #expect(first == withHeaders)
        #expect(second == next)
        #expect(cache.properties(scratch.properties(persistentJSON)) == persistentJSON)
    }

    @Test func copyOnWriteKeepsCopiesApart() {
        let original = persistentJSON
        var copy = original
        #expect(copy.sharesStorage(with: original))
        copy.messageID = "other"
        #expect(original.messageID == "m-1")
        #expect(copy.messageID == "other")
        #expect(!copy.sharesStorage(with: original))
        #expect(copy != original)
        copy.messageID = "m-1"
        #expect(copy == original)
        #expect(copy.hashValue == original.hashValue)
    }
}
