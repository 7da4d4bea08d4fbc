import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A provider stand-in speaking real HTTP/1.1 on 127.0.0.1 (a port the kernel picks), inside the
/// test process. Each request is answered by `handler`; every request is recorded.
final class FakeProviderServer: @unchecked Sendable {
    struct Request {
        var method: String
        var path: String
        var headers: [String: String]
        var body: Data
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
    }

    struct Response {
        var status = 200
        var headers: [String: String] = ["Content-Type": "application/json"]
        var body = Data()
        /// Seconds to wait before answering (to test timeouts).
        var delay = 0.0
        /// Announce the full length but send only this many bytes, then hang up.
        var truncateAt: Int?

        static func json(_ status: Int, _ object: Any, headers: [String: String] = [:]) -> Response {
            var response = Response(status: status, body: (try? JSONSerialization.data(withJSONObject: object)) ?? Data())
            for (k, v) in headers { response.headers[k] = v }
            return response
        }
    }

    private let socketFD: Int32
    let port: Int
    private let lock = NSLock()
    private var recorded: [Request] = []
    private let handler: @Sendable (Request, Int) -> Response

    private var closed: [(path: String, at: Date)] = []
    private var delaying = 0

    var requests: [Request] { lock.withLock { recorded } }
    /// Requests whose client hung up while their answer was delayed, with when it was seen.
    var hangUps: [(path: String, at: Date)] { lock.withLock { closed } }
    /// Requests being delayed right now.
    var delayedNow: Int { lock.withLock { delaying } }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// `handler` gets the request and its 0-based number.
    init(_ handler: @escaping @Sendable (Request, Int) -> Response) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        socketFD = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit { stop() }

    func stop() {
        shutdown(socketFD, Int32(SHUT_RDWR))
        close(socketFD)
    }

    private func acceptLoop() {
        while true {
            let client = accept(socketFD, nil, nil)
            guard client >= 0 else { return }
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        func fill() -> Bool {
            let n = read(client, &chunk, chunk.count)
            guard n > 0 else { return false }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
        let separator = Data("\r\n\r\n".utf8)
        while buffer.range(of: separator) == nil { guard fill() else { return } }
        guard let headerEnd = buffer.range(of: separator) else { return }
        let head = String(decoding: buffer[..<headerEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = head.first?.split(separator: " ") ?? []
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count - headerEnd.upperBound < length { guard fill() else { break } }
        let body = buffer[headerEnd.upperBound...].prefix(length)
        let request = Request(
            method: requestLine.first.map(String.init) ?? "", path: requestLine.dropFirst().first.map(String.init) ?? "",
            headers: headers, body: Data(body))
        let number = lock.withLock { () -> Int in
            recorded.append(request)
            return recorded.count - 1
        }
        let response = handler(request, number)
        if response.delay > 0 {
            lock.withLock { delaying += 1 }
            let answered = waitUnlessHungUp(client, seconds: response.delay)
            lock.withLock { delaying -= 1 }
            guard answered else {
                lock.withLock { closed.append((request.path, Date())) }
                return
            }
        }
        var text = "HTTP/1.1 \(response.status) Fake\r\nContent-Length: \(response.body.count)\r\nConnection: close\r\n"
        for (k, v) in response.headers { text += "\(k): \(v)\r\n" }
        var out = Data((text + "\r\n").utf8)
        out.append(response.truncateAt.map { response.body.prefix($0) } ?? response.body)
        _ = out.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
    }

    /// POLLRDHUP (Linux; Glibc hides it behind _GNU_SOURCE).
    static let peerClosed: Int16 = 0x2000

    /// Waits `seconds`; false as soon as the client closes its end of the connection.
    private func waitUnlessHungUp(_ client: Int32, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return true }
            var entry = pollfd(fd: client, events: Int16(POLLIN) | Self.peerClosed, revents: 0)
            guard poll(&entry, 1, Int32(min(left, 0.05) * 1000)) > 0 else { continue }
            var byte: UInt8 = 0
            if recv(client, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) == 0 { return false }
            if entry.revents & (Int16(POLLHUP) | Self.peerClosed) != 0 { return false }
            Thread.sleep(forTimeInterval: 0.01)  // bytes of a next request: not a hang-up
        }
    }
}
