import NIOCore
import Warren

/// The text/event-stream framing of status changes: `id: <seq>`, `event: status`, `data: <StatusUpdate JSON>`.
enum ServerSentEvent {
    /// One SSE message for `change`; its `id` is what `Last-Event-ID` resumes after.
    static func status(_ change: StatusChange) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("id: \(change.seq)\nevent: status\ndata: ")
        buffer.writeBytes(change.update.encoded())
        buffer.writeString("\n\n")
        return buffer
    }
}
