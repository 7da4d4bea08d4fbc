import CreativeAPI
import CreativeCatalog
import CreativeGeneration
import Foundation
import Testing

/// The server against clients that guess tokens, hold connections or send more than it takes:
/// real HTTP and raw sockets on 127.0.0.1.
@Suite("Hostile clients") struct HostileClientTests {
    typealias Client = APITests.Client

    static func tokensPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tokens-\(UUID().uuidString)/tokens").path
    }

    @Test func aTokenFileEntryInTheOldFormatStillWorksAndIsUpgraded() async throws {
        let lib = try TempLibrary()
        let file = Self.tokensPath()
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        let token = "oldformattoken23456789abcdefghjk"
        // A crypt(3) line as older versions wrote them (SHA-512 crypt here; libxcrypt reads any).
        let crypt = Process()
        crypt.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        crypt.arguments = ["-W", "ignore", "-c", "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_SHA512)))", token]
        let out = Pipe()
        crypt.standardOutput = out
        try crypt.run()
        crypt.waitUntilExit()
        let hash = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(hash.hasPrefix("$6$"))
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data("erin:\(hash)\n".utf8).write(to: URL(fileURLWithPath: file))
        let tokens = try await offPool { () throws(CreativeError) in try TokenFile(path: file, library: lib.path) }
        #expect(tokens.hasLegacyEntries)
        try await APITests.withAPI(lib, tokenFile: tokens) { base in
            #expect(await Client(base: base, token: token).call("GET", "/api/creative/assets").status == 200)
            #expect(await Client(base: base, token: token + "x").call("GET", "/api/creative/assets").status == 401)
        }
        let upgraded = try String(contentsOfFile: file, encoding: .utf8)
        #expect(upgraded.hasPrefix("erin:hmac-sha256:") && !upgraded.contains("$6$"))
        #expect(!tokens.hasLegacyEntries)
        // Read afresh (a restart), the upgraded line still names erin.
        let again = try await offPool { () throws(CreativeError) in try TokenFile(path: file, library: lib.path) }
        #expect(again.match(token)?.user == "erin" && again.match(token + "x") == nil)
    }

    @Test func wrongTokensAreLimitedPerAddressWithoutLockingOutAValidOne() async throws {
        let lib = try TempLibrary()
        let valid = "valid-token-0123456789abcdef"
        try await APITests.withAPI(lib, tokens: [valid: "alice"]) { base in
            let replies = await withTaskGroup(of: APITests.Reply.self) { group in
                for n in 0..<14 { group.addTask { await Client(base: base, token: "wrong-token-\(n)-0123456789").call("GET", "/api/creative/assets") } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let limited = replies.filter { $0.status == 429 }
            let refused = replies.filter { $0.status == 401 }
            // 10 in a burst; a slow machine may drain one more slot while the 14 arrive.
            #expect(refused.count >= 10 && refused.count <= 11)
            #expect(limited.count >= 3 && refused.count + limited.count == 14)
            #expect(limited.allSatisfy { $0.code == "rate_limited" && Int($0.retryAfter ?? "") ?? 0 >= 1 })
            // The same address with the right token is never limited.
            #expect(await Client(base: base, token: valid).call("GET", "/api/creative/assets").status == 200)
            // Sign-ins count against the same address (a slow machine may have drained a slot).
            var signIns: [Int] = []
            for _ in 0..<3 {
                signIns.append(await Client(base: base).call("POST", "/signin", json: "token=wrong", contentType: "application/x-www-form-urlencoded").status)
            }
            #expect(signIns.contains(429), "\(signIns)")
        }
    }

    @Test func aSessionSurvivesARestartAndEndsWithItsToken() async throws {
        let lib = try TempLibrary()
        let file = Self.tokensPath()
        defer { try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent) }
        let token = try await offPool { () throws(CreativeError) in try TokenFile.add(user: "alice", path: file) }
        let form = "application/x-www-form-urlencoded"
        var session = ""
        try await APITests.withAPI(lib, tokenFile: try await offPool { () throws(CreativeError) in try TokenFile(path: file, library: lib.path) }) {
            base in
            let signedIn = await Client(base: base).call("POST", "/signin", json: "token=\(token)", contentType: form)
            let cookie = signedIn.headers["set-cookie"] ?? ""
            #expect(signedIn.status == 303 && !cookie.contains("Secure"))
            session = String(cookie.prefix { $0 != ";" })
            #expect(await Client(base: base).call("GET", "/api/creative/assets", headers: [("Cookie", session)]).status == 200)
        }
        // A new server (a restart) takes the cookie: it is signed, not remembered.
        try await APITests.withAPI(lib, tokenFile: try await offPool { () throws(CreativeError) in try TokenFile(path: file, library: lib.path) }) {
            base in
            #expect(await Client(base: base).call("GET", "/api/creative/assets", headers: [("Cookie", session)]).status == 200)
            // A forged cookie (another user, the same signature) is refused.
            let value = session.dropFirst("creative_session=".count)
            let payload = String(value.prefix { $0 != "." })
            var base64 = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
            let text = String(decoding: Data(base64Encoded: base64) ?? Data(), as: UTF8.self)
            #expect(text.contains("|alice|"))
            let other = Data(text.replacingOccurrences(of: "|alice|", with: "|bob|").utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            let forged = "creative_session=" + other + value.drop { $0 != "." }
            #expect(await Client(base: base).call("GET", "/api/creative/assets", headers: [("Cookie", forged)]).status == 401)
            // The token removed while the server runs: its sessions end within the 2 s re-read.
            #expect(try await offPool { () throws(CreativeError) in try TokenFile.remove(user: "alice", path: file) } == 1)
            try await Task.sleep(for: .milliseconds(2200))
            #expect(await Client(base: base).call("GET", "/api/creative/assets", headers: [("Cookie", session)]).status == 401)
        }
    }

    @Test func sessionCookiesAreSecureBehindATrustedTLSProxy() async throws {
        let lib = try TempLibrary()
        let token = "proxy-token-0123456789abcdef"
        let form = "application/x-www-form-urlencoded"
        try await APITests.withAPI(lib, tokens: [token: "alice"], configure: { $0.trustProxy = true }) { base in
            let https = await Client(base: base).call("POST", "/signin", json: "token=\(token)", contentType: form, headers: [("X-Forwarded-Proto", "https")])
            #expect(https.status == 303 && https.headers["set-cookie"]?.contains("; Secure") == true)
            let plain = await Client(base: base).call("POST", "/signin", json: "token=\(token)", contentType: form)
            #expect(plain.status == 303 && plain.headers["set-cookie"]?.contains("Secure") == false)
        }
        // Without --trust-proxy the header is a client's word: no Secure on loopback.
        try await APITests.withAPI(lib, tokens: [token: "alice"]) { base in
            let claimed = await Client(base: base).call("POST", "/signin", json: "token=\(token)", contentType: form, headers: [("X-Forwarded-Proto", "https")])
            #expect(claimed.status == 303 && claimed.headers["set-cookie"]?.contains("Secure") == false)
        }
    }

    @Test func connectionsThatSendNothingHalfAHeadOrHalfABodyAreClosedByTheTimeouts() async throws {
        let lib = try TempLibrary()
        try await APITests.withAPI(
            lib,
            configure: {
                $0.limits.headerTimeout = .seconds(2); $0.limits.idleTimeout = .seconds(2); $0.limits.bodyTimeout = .seconds(2)
            }
        ) { base in
            let port = Int(base.split(separator: ":").last ?? "") ?? 0
            let silent = try RawConnection(port: port)
            let slow = try RawConnection(port: port)
            slow.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            let kept = try RawConnection(port: port)
            kept.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let stalledBody = try RawConnection(port: port)
            stalledBody.send("POST /api/creative/asset/upload?name=note.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789")
            #expect(kept.receive(timeout: 10).contains("200 OK"))
            // Closed within the timeout plus a margin: recv sees the end of the stream.
            // A margin for a busy machine (the whole suite runs at once).
            #expect(silent.closedWithin(seconds: 15))
            #expect(slow.closedWithin(seconds: 15))
            #expect(kept.closedWithin(seconds: 15))
            #expect(stalledBody.closedWithin(seconds: 15))
            #expect(await Client(base: base).call("GET", "/healthz").status == 200)
            // The half-sent upload's staged file went with its connection.
            for _ in 0..<100 where (try? FileManager.default.contentsOfDirectory(atPath: lib.path))?.contains(where: { $0.hasPrefix(".upload.") }) == true {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: lib.path).filter { $0.hasPrefix(".upload.") }.isEmpty)
        }
    }

    @Test func atTheConnectionCeilingTheLongestIdleAreClosedSoANewClientGetsIn() async throws {
        let lib = try TempLibrary()
        try await APITests.withAPI(lib, configure: { $0.limits.maxConnections = 8 }) { base in
            let port = Int(base.split(separator: ":").last ?? "") ?? 0
            let idle = try (0..<12).map { _ in try RawConnection(port: port) }
            // Every idle slot is taken and more wait in the backlog; a client that asks still gets
            // in (without shedding it would wait for the 60 s header timeout, past its own 20 s).
            var request = HTTPRequest(method: "GET", url: base + "/healthz")
            request.timeout = 20
            guard case .success(let health) = await HTTPClient.perform(request) else {
                Issue.record("/healthz did not answer while idle connections held every slot")
                return
            }
            #expect(health.status == 200)
            // The ones closed to make room were waiting longest; which of them the two event
            // loops accepted first is theirs to say, so only their number is checked.
            let closed = idle.filter { $0.closedWithin(seconds: 0.5) }.count
            #expect(closed >= 4 && closed < 12, "\(closed) closed")
        }
    }

    @Test func uploadsPastTheBudgetAreRefusedBeforeTheirBodyIsRead() async throws {
        let lib = try TempLibrary()
        try await APITests.withAPI(lib, configure: { $0.limits.uploads = 1 }) { base in
            let port = Int(base.split(separator: ":").last ?? "") ?? 0
            let stalled = try RawConnection(port: port)
            stalled.send("POST /api/creative/asset/upload?name=big.png HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000\r\n\r\n")
            stalled.send(String(repeating: "x", count: 100_000))
            for _ in 0..<100 where (try? FileManager.default.contentsOfDirectory(atPath: lib.path))?.contains(where: { $0.hasPrefix(".upload.") }) != true {
                try await Task.sleep(for: .milliseconds(100))
            }
            let refused = await Client(base: base).call("POST", "/api/creative/asset/upload?name=note.txt", json: "hello", contentType: "text/plain")
            #expect(refused.status == 503 && refused.code == "busy" && refused.retryAfter == "5")
            // While it arrives, the body is in a staged file of the library, not in memory.
            let staged = { (try? FileManager.default.contentsOfDirectory(atPath: lib.path))?.filter { $0.hasPrefix(".upload.") } ?? [] }
            #expect(staged().count == 1)
            stalled.close()
            for _ in 0..<100 where !staged().isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            #expect(staged().isEmpty)
            let stored = await Client(base: base).call("POST", "/api/creative/asset/upload?name=note.txt", json: "hello", contentType: "text/plain")
            #expect(stored.status == 201)
        }
    }

    @Test func eachMediaBombUploadedIsRefusedWithItsSentenceAndNothingKept() async throws {
        let lib = try TempLibrary()
        try await APITests.withAPI(lib) { base in
            for bomb in MediaBombTests.bombs {
                var request = HTTPRequest(method: "POST", url: base + "/api/creative/asset/upload?name=\(bomb.name)", headers: [], body: bomb.data)
                request.headers.append(("Content-Type", "application/octet-stream"))
                guard case .success(let reply) = await HTTPClient.perform(request) else {
                    Issue.record("\(bomb.name): no answer")
                    continue
                }
                let error = try JSONDecoder().decode(ErrorBody.self, from: reply.body).error
                #expect(reply.status == 400 && error.code == "unsupported_media", "\(bomb.name): \(reply.status) \(error.code)")
                #expect(error.message.contains(bomb.reason), "\(bomb.name): \(error.message)")
            }
        }
        #expect(MediaBombTests.assetCount(lib) == 0)
        #expect((try FileManager.default.contentsOfDirectory(atPath: lib.path)).filter { $0.hasPrefix(".upload.") }.isEmpty)
    }

    @Test func aTwentyThousandDeepTemplateWrittenByHandAnswersAnErrorAndTheServerStaysUp() async throws {
        let lib = try TempLibrary()
        let deep = try #require(TemplateBombTests.prompts["Deep"])
        let bad = try TemplateBombTests.writeByHand(lib, name: "Deep", prompt: deep, user: "local")
        try lib.library.index.reconcile()
        // As in a running engine: an id the index does not know is taken as missing without a walk.
        lib.library.index.keptCurrent(by: { true })
        try await APITests.withAPI(lib) { base in
            let api = Client(base: base)
            let used = await api.call("POST", "/api/creative/content/from-template", json: #"{"templateId": "\#(bad.id)", "variables": {"a": "x"}}"#)
            #expect(used.status == 400 && used.code == "invalid_template")
            let message = try JSONDecoder().decode(ErrorBody.self, from: used.body).error.message
            #expect(message.contains("cannot be used: prompt has more than 10000 characters"), "\(message)")
            let got = await api.call("GET", "/api/creative/template/\(bad.id)")
            #expect(got.status == 400 && got.code == "invalid_template")
            #expect(await api.call("GET", "/healthz").status == 200)
            #expect(await api.call("GET", "/api/creative/templates").status == 200)
        }
    }

    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            var code: String
            var message: String
        }
        var error: Detail
    }

    @Test func aFullDiskIsTriedAgainOneAttemptAtATimeWithAGrowingPause() {
        let disk = DiskPressure()
        #expect(disk.wait() == nil && !disk.isFull)
        disk.failed(CreativeError(.diskFull, "Could not write x: No space left on device."))
        #expect(disk.isFull)
        let first = disk.wait() ?? .zero
        #expect(first > .milliseconds(900) && first <= .seconds(1))
        // Once the pause is over, one caller gets the attempt; the others keep waiting for it.
        #expect(disk.wait(now: .now + .seconds(1)) == nil)
        #expect(disk.wait(now: .now + .seconds(1)) != nil)
        disk.failed(CreativeError(.diskFull, "Could not write x: No space left on device."))
        let second = disk.wait() ?? .zero
        #expect(second > .milliseconds(1900) && second <= .seconds(2))
        disk.succeeded()
        #expect(!disk.isFull && disk.wait() == nil)
    }
}

/// A TCP connection to 127.0.0.1 that sends what a test says, byte for byte.
final class RawConnection: @unchecked Sendable {
    private var fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw CreativeError(.storage, "connect failed") }
    }

    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What arrives within `timeout` seconds (up to 64 KiB).
    func receive(timeout: Double) -> String {
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
    }

    /// Whether the server closes the connection within `seconds` (reads until end of stream).
    func closedWithin(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var tv = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date() < deadline {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 && errno != EAGAIN && errno != EWOULDBLOCK { return true }
        }
        return false
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
