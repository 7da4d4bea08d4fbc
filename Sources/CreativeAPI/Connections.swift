import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Limits on what one client can hold: connections, time to send a request, time idle between
/// requests, bytes of uploads in flight. The defaults follow nginx (client_header_timeout and
/// client_body_timeout 60 s, keepalive_timeout 75 s).
public struct ServerLimits: Sendable {
    /// Open connections at most; nil: from the descriptor limit (see ``connectionCeiling()``).
    public var maxConnections: Int?
    /// From a connection's start (or the end of its last answer) to a complete request head.
    public var headerTimeout = Duration.seconds(60)
    /// Between two reads of a request body.
    public var bodyTimeout = Duration.seconds(60)
    /// A kept-alive connection with no request.
    public var idleTimeout = Duration.seconds(75)
    /// A client that takes nothing of an answer for this long (nginx's send_timeout).
    public var sendTimeout = Duration.seconds(60)
    /// Upload bytes being received at once, over all clients.
    public var uploadBytes = 512 << 20
    /// Uploads being received at once.
    public var uploads = 16

    public init() {}

    /// The ceiling when none is set: half the descriptors left after 128 for the library, the
    /// index and the watcher, since an answer streaming a file holds one more descriptor.
    public func connectionCeiling() -> Int {
        if let maxConnections { return maxConnections }
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let descriptors = limit.rlim_cur > 1 << 30 ? 1 << 20 : Int(limit.rlim_cur)
        return max(16, (descriptors - 128) / 2)
    }

    /// Raises the soft descriptor limit to the hard one (systemd leaves it at 1,024); returns it.
    @discardableResult
    public static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return limit.rlim_cur > 1 << 30 ? 1 << 30 : Int(limit.rlim_cur)
    }
}

/// The connections waiting for a request (a first one or the next), oldest first: at the
/// ceiling, the oldest of them are closed so a new client gets in (nginx closes kept-alive
/// connections the same way when it runs out).
final class IdleConnections: Sendable {
    private struct Idle {
        var channel: any Channel
        var since: NIODeadline
    }

    private let idle = Mutex<[ObjectIdentifier: Idle]>([:])
    private let warned = Atomic(false)
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func waiting(_ channel: any Channel) {
        idle.withLock { $0[ObjectIdentifier(channel)] = Idle(channel: channel, since: .now()) }
    }

    func busy(_ channel: any Channel) {
        _ = idle.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Closes the `count` longest-waiting connections; says so in the log the first time.
    func shed(_ count: Int, ceiling: Int) {
        let oldest = idle.withLock { idle in
            let picked = idle.sorted { $0.value.since < $1.value.since }.prefix(count)
            for (id, _) in picked { idle.removeValue(forKey: id) }
            return picked.map(\.value.channel)
        }
        if !warned.exchange(true, ordering: .relaxed) {
            logger.warning("\(ceiling) connections are open, the ceiling (--max-connections): closing the longest-idle ones to let new clients in")
        }
        for channel in oldest { channel.close(promise: nil) }
    }
}

/// Hummingbird's connection gate with the ceiling: at it, idle connections are shed.
struct ConnectionCeiling: AvailableConnectionsDelegate {
    let ceiling: Int
    let idle: IdleConnections
    var open = 0

    mutating func connectionOpened() { open += 1 }
    mutating func connectionClosed() { open -= 1 }

    func isAcceptingNewConnections() -> Bool {
        guard open >= ceiling else { return true }
        idle.shed(max(1, ceiling / 16), ceiling: ceiling)
        return false
    }
}

/// Closes a connection that takes too long to send its request head, pauses too long inside a
/// body, or stays idle too long between requests. While the server answers (a long download, an
/// event stream) no timer runs.
final class RequestTimeouts: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limits: ServerLimits
    private let idle: IdleConnections
    private var timer: Scheduled<Void>?
    /// Runs while the client takes nothing of what the server sends.
    private var sendTimer: Scheduled<Void>?
    private var started = false
    /// Requests whose head has arrived and whose answer has not ended.
    private var open = 0

    init(limits: ServerLimits, idle: IdleConnections) {
        self.limits = limits
        self.idle = idle
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        sendTimer?.cancel()
        sendTimer = nil
        if !context.channel.isWritable {
            let channel = context.channel
            sendTimer = context.eventLoop.scheduleTask(in: Self.amount(limits.sendTimeout)) { channel.close(promise: nil) }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        sendTimer?.cancel()
        timer?.cancel()
        idle.busy(context.channel)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        sendTimer?.cancel()
        timer?.cancel()
        idle.busy(context.channel)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            open += 1
            idle.busy(context.channel)
            arm(context, limits.bodyTimeout)
        case .body:
            arm(context, limits.bodyTimeout)
        case .end:
            // The answer may have ended before the body did (a refusal sent before reading it):
            // then the connection is idle from here.
            if open == 0 { arm(context, limits.idleTimeout) } else { timer?.cancel() }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            open -= 1
            if open == 0 {
                idle.waiting(context.channel)
                arm(context, limits.idleTimeout)
            }
        }
        context.write(data, promise: promise)
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        idle.waiting(context.channel)
        arm(context, limits.headerTimeout)
    }

    private func arm(_ context: ChannelHandlerContext, _ after: Duration) {
        timer?.cancel()
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: Self.amount(after)) { channel.close(promise: nil) }
    }

    private static func amount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
