/// The OpenAPI 3.1 document of the producer API, generated from docs/openapi.yaml by scripts/gen-openapi.
enum OpenAPIDocument {
    /// The YAML text, byte for byte the file in docs/.
    static let yaml = #"""
        openapi: 3.1.0
        info:
          title: Warren producer
          version: 1.0.0
          description: |
            The asynchronous front door of Warren. `POST /v1/events` answers `202 Accepted` once the event is safe
            (confirmed by RabbitMQ, or committed to the local outbox while the broker is away); the outcome arrives later
            through the status URL, a server-sent event stream, or a signed webhook. In sync mode the producer calls the
            consumer directly and waits. Errors are RFC 9457 problem documents.
        servers:
          - url: http://127.0.0.1:8080
        security:
          - {}
          - bearer: []
        paths:
          /v1/events:
            post:
              operationId: createEvent
              summary: Accept an event (async 202, or sync 200)
              parameters:
                - name: mode
                  in: query
                  required: false
                  description: >-
                    `sync` on an async producer is refused with 403 unless it runs with `--allow-sync-override`; `async`
                    is always allowed.
                  schema: {type: string, enum: [async, sync]}
                - name: callback_url
                  in: query
                  required: false
                  description: >-
                    Where to POST the final status (absolute http(s) URL). A host that is or resolves to a loopback,
                    private, link-local, CGNAT, unique-local, multicast, unspecified or reserved address is refused with 422
                    unless the producer runs with `--allow-private-callbacks`; redirects from the receiver are never
                    followed.
                  schema: {type: string, format: uri, maxLength: 2048}
                - name: Idempotency-Key
                  in: header
                  required: false
                  description: >-
                    The same key returns the same event id and never publishes twice (`Idempotent-Replayed: true`). In sync
                    mode it returns the recorded outcome without calling the consumer again, or 409 while that call runs.
                  schema: {type: string, minLength: 1, maxLength: 255, pattern: '^[!-~]+$'}
                - name: Prefer
                  in: header
                  required: false
                  description: '`respond-async` asks for async mode (RFC 7240).'
                  schema: {type: string}
                - name: traceparent
                  in: header
                  required: false
                  description: W3C trace context, carried into the AMQP message headers.
                  schema: {type: string}
              requestBody:
                required: true
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/ShortEvent'}
                  application/cloudevents+json:
                    schema: {$ref: '#/components/schemas/CloudEvent'}
              responses:
                '202':
                  description: Accepted; the event is safe (confirmed by the broker or in the outbox).
                  headers:
                    Location: {description: The status URL (the id percent-encoded)., schema: {type: string}}
                    Retry-After: {schema: {type: integer}}
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Accepted'}
                '200':
                  description: Sync mode; the consumer's outcome.
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/StatusUpdate'}
                '400': {$ref: '#/components/responses/Problem'}
                '401': {$ref: '#/components/responses/Problem'}
                '403':
                  description: '`?mode=sync` on an async producer started without `--allow-sync-override`.'
                  content:
                    application/problem+json:
                      schema: {$ref: '#/components/schemas/Problem'}
                '408': {$ref: '#/components/responses/Problem'}
                '409':
                  description: >-
                    An event with this id was already accepted, or (sync mode) the call of this Idempotency-Key is still
                    running; `Location` is its status URL.
                  headers:
                    Location: {schema: {type: string}}
                  content:
                    application/problem+json:
                      schema: {$ref: '#/components/schemas/Problem'}
                '413': {$ref: '#/components/responses/Problem'}
                '415': {$ref: '#/components/responses/Problem'}
                '422': {$ref: '#/components/responses/Problem'}
                '502': {$ref: '#/components/responses/Problem'}
                '503': {$ref: '#/components/responses/Problem'}
                '504': {$ref: '#/components/responses/Problem'}
          /v1/events/{id}:
            get:
              operationId: getEvent
              summary: The event's current status
              parameters:
                - {$ref: '#/components/parameters/EventID'}
              responses:
                '200':
                  description: The current status.
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/EventStatus'}
                '401': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
          /v1/events/{id}/stream:
            get:
              operationId: streamEvent
              summary: Server-sent events of status changes until a final status
              parameters:
                - {$ref: '#/components/parameters/EventID'}
                - name: Last-Event-ID
                  in: header
                  required: false
                  description: Resume after this change.
                  schema: {type: string}
              responses:
                '200':
                  description: 'A text/event-stream; each message has `id`, `event: status` and a StatusUpdate as `data`.'
                  content:
                    text/event-stream:
                      schema:
                        description: One server-sent event.
                        type: object
                        properties:
                          id: {type: string}
                          event: {type: string, const: status}
                          data: {type: string, contentMediaType: application/json}
                '401': {$ref: '#/components/responses/Problem'}
                '404': {$ref: '#/components/responses/Problem'}
          /healthz:
            get:
              operationId: health
              summary: The process is alive
              security: []
              responses:
                '200':
                  description: Alive.
                  content:
                    application/json:
                      schema: {type: object}
          /readyz:
            get:
              operationId: ready
              summary: Ready to accept events (broker connected and topology declared, or the outbox accepting)
              security: []
              responses:
                '200':
                  description: Ready.
                  content:
                    application/json:
                      schema: {type: object}
                '503': {$ref: '#/components/responses/Problem'}
          /metrics:
            get:
              operationId: metrics
              summary: Prometheus metrics
              security: []
              responses:
                '200':
                  description: Prometheus text exposition.
                  content:
                    text/plain:
                      schema: {type: string}
          /openapi.yaml:
            get:
              operationId: openapi
              summary: This document
              security: []
              responses:
                '200':
                  description: OpenAPI 3.1 YAML.
                  content:
                    application/yaml: {}
        components:
          securitySchemes:
            bearer:
              type: http
              scheme: bearer
          parameters:
            EventID:
              name: id
              in: path
              required: true
              description: The event id, percent-encoded as one path segment (as in `Location` and `statusUrl`).
              schema: {type: string, minLength: 1, maxLength: 255}
          responses:
            Problem:
              description: An RFC 9457 problem document.
              content:
                application/problem+json:
                  schema: {$ref: '#/components/schemas/Problem'}
          schemas:
            ShortEvent:
              type: object
              required: [type]
              properties:
                type: {type: string, minLength: 1, maxLength: 255, description: At most 255 bytes of UTF-8 (an AMQP short string).}
                data: {}
                source: {type: string}
                id: {type: string, minLength: 1, maxLength: 255, description: At most 255 bytes of UTF-8 (an AMQP short string).}
                callbackurl: {type: string, format: uri}
              additionalProperties: true
            CloudEvent:
              type: object
              required: [type]
              properties:
                specversion: {type: string, const: '1.0'}
                id: {type: string, minLength: 1, maxLength: 255, description: At most 255 bytes of UTF-8 (an AMQP short string).}
                source: {type: string}
                type: {type: string, minLength: 1, maxLength: 255, description: At most 255 bytes of UTF-8 (an AMQP short string).}
                time: {type: string, format: date-time}
                datacontenttype: {type: string}
                data: {}
              additionalProperties: true
            Accepted:
              type: object
              required: [id, status, statusUrl]
              properties:
                id: {type: string}
                status: {type: string}
                statusUrl: {type: string}
            Status:
              type: string
              enum: [accepted, processing, retrying, succeeded, failed, dead-lettered]
            StatusUpdate:
              type: object
              required: [id, status, attempt, at]
              properties:
                id: {type: string}
                status: {$ref: '#/components/schemas/Status'}
                attempt: {type: integer, minimum: 1}
                at: {type: string, format: date-time}
                result: {}
                error: {type: string}
            EventStatus:
              type: object
              required: [id, type, status, attempt, createdAt, updatedAt, statusUrl]
              properties:
                id: {type: string}
                type: {type: string}
                status: {$ref: '#/components/schemas/Status'}
                attempt: {type: integer, minimum: 1}
                createdAt: {type: string, format: date-time}
                updatedAt: {type: string, format: date-time}
                statusUrl: {type: string}
                result: {}
                error: {type: string}
                callbackUrl: {type: string}
            Problem:
              type: object
              required: [type, title, status, detail]
              properties:
                type: {type: string}
                title: {type: string}
                status: {type: integer}
                detail: {type: string}
                instance: {type: string}
        """#
}
