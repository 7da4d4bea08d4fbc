import CCurl
import Foundation
import Synchronization

/// libcurl's multi interface, driven by one thread that owns every easy handle.
///
/// Callers hand a request over with ``perform(_:)`` and await a continuation; the thread adds
/// the transfer, waits in `curl_multi_poll` for sockets or for `curl_multi_wakeup`, and resumes
/// the continuation when the transfer ends. Cancelling the calling task removes the transfer from
/// the multi handle, which closes its connection at once. Nothing here blocks a Swift task.
final class CurlMulti: Sendable {
    static let shared = CurlMulti()

    fileprivate enum Command {
        case add(UInt64, HTTPRequest, CheckedContinuation<Result<HTTPResponse, TransportFailure>, Never>)
        case cancel(UInt64)
    }

    private struct Inbox {
        var commands: [Command] = []
        var nextId: UInt64 = 0
    }

    private let inbox = Mutex(Inbox())
    /// Only `curl_multi_wakeup`, which libcurl documents as thread-safe, is called off the loop thread.
    private nonisolated(unsafe) let multi: UnsafeMutableRawPointer?

    private init() {
        _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        multi = curl_multi_init()
        guard multi != nil else { return }
        let thread = Thread { [self] in
            if let multi = self.multi { Loop(multi: multi, owner: self).run() }
        }
        thread.name = "creative-curl"
        thread.start()
    }

    /// Where one call stands, shared by the call and its cancellation handler.
    private enum Ticket {
        case waiting
        case handedOver(UInt64)
        case cancelled
    }

    /// One exchange; `.failure(.cancelled)` when the calling task is cancelled.
    func perform(_ request: HTTPRequest) async -> Result<HTTPResponse, TransportFailure> {
        guard multi != nil else { return .failure(.unreachable("libcurl could not start")) }
        // The transfer is handed over and its ticket set under one lock, so a cancel always
        // follows its transfer into the loop, or finds it was never handed over.
        let ticket = Mutex(Ticket.waiting)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let handedOver = ticket.withLock { ticket -> Bool in
                    guard case .waiting = ticket else { return false }
                    let id = inbox.withLock { inbox in
                        inbox.nextId += 1
                        inbox.commands.append(.add(inbox.nextId, request, continuation))
                        return inbox.nextId
                    }
                    ticket = .handedOver(id)
                    return true
                }
                if handedOver { wake() } else { continuation.resume(returning: .failure(.cancelled)) }
            }
        } onCancel: {
            let id = ticket.withLock { ticket -> UInt64? in
                if case .handedOver(let id) = ticket { return id }
                ticket = .cancelled
                return nil
            }
            guard let id else { return }
            inbox.withLock { $0.commands.append(.cancel(id)) }
            wake()
        }
    }

    private func wake() {
        if let multi { curl_multi_wakeup(multi) }
    }

    fileprivate func takeCommands() -> [Command] {
        inbox.withLock { inbox in
            defer { inbox.commands = [] }
            return inbox.commands
        }
    }

    /// The loop thread's state: never shared.
    private final class Loop {
        let multi: UnsafeMutableRawPointer
        unowned let owner: CurlMulti
        var transfers: [UnsafeMutableRawPointer: Transfer] = [:]
        var byId: [UInt64: UnsafeMutableRawPointer] = [:]

        init(multi: UnsafeMutableRawPointer, owner: CurlMulti) {
            (self.multi, self.owner) = (multi, owner)
        }

        func run() {
            var running: Int32 = 0
            while true {
                for command in owner.takeCommands() {
                    switch command {
                    case .add(let id, let request, let continuation):
                        start(id, request, continuation)
                    case .cancel(let id):
                        // A transfer that already ended has nothing left to cancel.
                        if let easy = byId[id] { finish(easy, .failure(.cancelled)) }
                    }
                }
                curl_multi_perform(multi, &running)
                var left: Int32 = 0
                while let message = curl_multi_info_read(multi, &left) {
                    guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                    let code = cc_msg_result(message)
                    finish(easy, transfers[easy]?.result(code) ?? .failure(.unreachable("unknown transfer")))
                }
                var ready: Int32 = 0
                curl_multi_poll(multi, nil, 0, 1000, &ready)
            }
        }

        func start(_ id: UInt64, _ request: HTTPRequest, _ continuation: CheckedContinuation<Result<HTTPResponse, TransportFailure>, Never>) {
            guard let easy = curl_easy_init() else {
                continuation.resume(returning: .failure(.unreachable("libcurl could not start a transfer")))
                return
            }
            let transfer = Transfer(id: id, easy: easy, request: request, continuation: continuation)
            transfers[easy] = transfer
            byId[id] = easy
            if curl_multi_add_handle(multi, easy) != CURLM_OK {
                finish(easy, .failure(.unreachable("libcurl could not add a transfer")))
            }
        }

        func finish(_ easy: UnsafeMutableRawPointer, _ result: Result<HTTPResponse, TransportFailure>) {
            guard let transfer = transfers.removeValue(forKey: easy) else { return }
            byId[transfer.id] = nil
            curl_multi_remove_handle(multi, easy)
            transfer.close()
            transfer.continuation.resume(returning: result)
        }
    }
}

/// One easy handle and what it collects; lives on the loop thread only.
private final class Transfer {
    let id: UInt64
    let easy: UnsafeMutableRawPointer
    let continuation: CheckedContinuation<Result<HTTPResponse, TransportFailure>, Never>
    let limit: Int
    let onChunk: (@Sendable (Data) -> Void)?
    var headerList: UnsafeMutablePointer<curl_slist>?
    var body = Data()
    var headers: [String: String] = [:]
    var overflowed = false
    /// ``HTTPRequest/saveTo``, open for writing (-1: the body stays in memory), the bytes written
    /// there, and the errno of a failed write.
    let file: Int32
    var saved = 0
    var saveError: Int32 = 0
    /// Set by the open-socket hook when it refused an address that is not public.
    let refused = UnsafeMutablePointer<Int32>.allocate(capacity: 1)

    init(
        id: UInt64, easy: UnsafeMutableRawPointer, request: HTTPRequest,
        continuation: CheckedContinuation<Result<HTTPResponse, TransportFailure>, Never>
    ) {
        (self.id, self.easy, self.continuation) = (id, easy, continuation)
        (limit, onChunk) = (request.maxResponseBytes, request.onChunk)
        file = request.saveTo.map { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600) } ?? -1
        if request.saveTo != nil && file < 0 { saveError = errno }
        for (name, value) in request.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        // curl adds "Expect: 100-continue" to large POSTs; providers answer faster without it.
        headerList = curl_slist_append(headerList, "Expect:")
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = request.url.withCString { cc_setopt_ptr(easy, CURLOPT_URL, $0) }
        _ = request.method.withCString { cc_setopt_ptr(easy, CURLOPT_CUSTOMREQUEST, $0) }
        _ = cc_setopt_headers(easy, headerList)
        _ = cc_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = cc_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000))
        _ = cc_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000))
        _ = cc_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        _ = cc_setopt_long(easy, CURLOPT_PROTOCOLS, Int(CURLPROTO_HTTP | CURLPROTO_HTTPS))
        _ = cc_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        refused.initialize(to: 0)
        if request.publicAddressesOnly { _ = cc_setopt_public_only(easy, refused) }
        _ = cc_setopt_ptr(easy, CURLOPT_WRITEDATA, context)
        _ = cc_setopt_write(easy) { data, size, count, context in
            guard let context, let data else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
            return transfer.append(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
        }
        _ = cc_setopt_ptr(easy, CURLOPT_HEADERDATA, context)
        _ = cc_setopt_header(easy) { data, size, count, context in
            guard let context, let data else { return 0 }
            Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue().header(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
        if let payload = request.body {
            // COPYPOSTFIELDS copies the bytes: nothing of the caller's must outlive this call.
            _ = cc_setopt_long(easy, CURLOPT_POSTFIELDSIZE, payload.count)
            _ = payload.withUnsafeBytes { cc_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
        }
    }

    func result(_ code: CURLcode) -> Result<HTTPResponse, TransportFailure> {
        switch code {
        case CURLE_OK:
            var status = 0
            _ = cc_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            let saving = file >= 0 && (200..<300).contains(status)
            return .success(HTTPResponse(status: status, headers: headers, body: saving ? Data() : body))
        case _ where refused.pointee != 0:
            return .failure(.forbiddenAddress)
        case _ where saveError != 0:
            return .failure(.cannotSave(saveError))
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(.timeout)
        case CURLE_WRITE_ERROR where overflowed:
            return .failure(.tooLarge)
        default:
            return .failure(.unreachable(String(cString: curl_easy_strerror(code))))
        }
    }

    func close() {
        if file >= 0 { Glibc.close(file) }
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        headerList = nil
        refused.deallocate()
    }

    func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if file >= 0 || saveError != 0 { return save(bytes) }
        guard body.count + bytes.count <= limit else {
            overflowed = true
            return false
        }
        body.append(contentsOf: bytes)
        onChunk?(Data(bytes))
        return true
    }

    /// Writes to the download's file (on this loop thread: page-cache writes, no fsync), keeping
    /// the first 64 KiB in memory too, in case the answer is an error to read.
    private func save(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard saveError == 0 else { return false }
        guard saved + bytes.count <= limit else {
            overflowed = true
            return false
        }
        if body.count < 65536 { body.append(contentsOf: bytes.prefix(65536 - body.count)) }
        var offset = 0
        while offset < bytes.count, let base = bytes.baseAddress {
            let n = write(file, base + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                saveError = errno == 0 ? EIO : errno
                return false
            }
            offset += n
        }
        saved += bytes.count
        return true
    }

    func header(_ bytes: UnsafeRawBufferPointer) {
        let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") { headers = [:] }  // a new response (after 100-continue)
        guard let colon = line.firstIndex(of: ":") else { return }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}
