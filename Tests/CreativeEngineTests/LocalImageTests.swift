import CreativeCatalog
import CreativeGeneration
import CreativeLibraries
import Foundation
import Testing

@Suite("Local image provider")
struct LocalImageTests {
    /// One PNG chunk as the bytes say it; `crcOK` is checked here, independently of the provider.
    struct Chunk {
        var type: String
        var body: [UInt8]
        var crcOK: Bool
    }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Splits a PNG into chunks; fails the test on truncated data.
    static func chunks(_ data: Data) throws -> [Chunk] {
        let bytes = [UInt8](data)
        try #require(bytes.count >= 8 && Array(bytes[0..<8]) == signature)
        var chunks: [Chunk] = []
        var i = 8
        while i + 12 <= bytes.count {
            let length = bytes[i..<i + 4].reduce(0) { $0 << 8 | Int($1) }
            try #require(i + 12 + length <= bytes.count)
            let typed = Array(bytes[(i + 4)..<(i + 8 + length)])
            let stored = bytes[(i + 8 + length)..<(i + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            chunks.append(
                Chunk(
                    type: String(decoding: typed[0..<4], as: UTF8.self), body: Array(typed[4...]),
                    crcOK: crc32(typed) == stored))
            i += 12 + length
        }
        return chunks
    }

    /// Bitwise CRC-32 (slow but obviously right), to check the provider's table-driven one.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    @Test func writesAPNGOfTheRequestedSize() async throws {
        let data = try LocalImage.generate(LocalImageRequest(prompt: "blue ocean waves", width: 320, height: 192, seed: 7, steps: 8))
        #expect(Array(data.prefix(8)) == Self.signature)
        let info = MediaProbe.inspect(data, fileName: nil)
        #expect(info.type == .image && info.format == "png")
        #expect(info.width == 320 && info.height == 192)
        let all = try Self.chunks(data)
        #expect(all.first?.type == "IHDR" && all.last?.type == "IEND")
        #expect(all.allSatisfy { $0.crcOK })
    }

    /// A job's image gets its thumbnail from the provider's own pixels: WebP, the same picture,
    /// shrunk to fit 512 (never enlarged), like one made from the stored PNG.
    @Test func aJobsThumbnailIsMadeFromThePixels() async throws {
        let lib = try TempLibrary()
        let generation = Generation(library: lib.library, runner: JobRunner(library: lib.library, workers: 1, lease: 30))
        for (width, height, expected) in [(1024, 768, (512, 384)), (256, 128, (256, 128))] {
            var request = GenerationRequest(kind: .image, prompt: "a red kite over blue water")
            (request.width, request.height, request.steps) = (width, height, 4)
            let id = try #require(try await generation.generate(request, userId: "alice", wait: true).assetId)
            let folder = try lib.folder(of: id)
            let made = try Data(contentsOf: URL(fileURLWithPath: folder + "/thumbnail.webp"))
            let info = MediaProbe.inspect(made, fileName: nil)
            #expect(info.format == "webp" && info.width == expected.0 && info.height == expected.1, "\(width)x\(height): \(info)")
            // The same picture as the stored PNG's own thumbnail (lossy WebP: compared by size and colour).
            let fromPNG = try #require(MediaProbe.thumbnail(try Data(contentsOf: URL(fileURLWithPath: folder + "/image.png"))))
            #expect(MediaProbe.inspect(fromPNG, fileName: nil).width == expected.0)
            #expect(abs(made.count - fromPNG.count) < max(made.count, fromPNG.count) / 4, "\(made.count) vs \(fromPNG.count) bytes")
        }
    }

    @Test func sameRequestSameBytesAndSeedMatters() async throws {
        let request = LocalImageRequest(prompt: "a golden sunset over the ocean", width: 128, height: 96, seed: 42, steps: 12)
        let first = try LocalImage.generate(request)
        #expect(try LocalImage.generate(request) == first)
        var other = request
        other.seed = 43
        #expect(try LocalImage.generate(other) != first)
        var otherPrompt = request
        otherPrompt.prompt = "a red forest at night"
        #expect(try LocalImage.generate(otherPrompt) != first)
        var otherSampler = request
        otherSampler.sampler = "DPM++ 2M Karras"
        #expect(try LocalImage.generate(otherSampler) != first)
        // A large picture is painted in row bands on every core: still the same bytes each time.
        let large = LocalImageRequest(prompt: "a golden sunset over the ocean", width: 1024, height: 512, seed: 42, steps: 10)
        let big = try LocalImage.generate(large)
        #expect(try LocalImage.generate(large) == big)
    }

    @Test func progressIsReportedOncePerStepInOrder() async throws {
        var calls: [[Int]] = []
        _ = try LocalImage.generate(LocalImageRequest(prompt: "night", width: 64, height: 64, seed: 1, steps: 7)) { step, total in
            calls.append([step, total])
        }
        #expect(calls == (1...7).map { [$0, 7] })
    }

    @Test func embedsA1111ParametersAsTextChunk() async throws {
        let request = LocalImageRequest(prompt: "a cozy cabin, snow", negativePrompt: "blurry, text", width: 96, height: 64, seed: 42)
        let all = try Self.chunks(try LocalImage.generate(request))
        let text = try #require(all.first { $0.type == "tEXt" })
        let keyword = Array("parameters".utf8) + [0]
        #expect(Array(text.body.prefix(keyword.count)) == keyword)
        let value = String(decoding: text.body.dropFirst(keyword.count), as: UTF8.self)
        #expect(value == "a cozy cabin, snow\nNegative prompt: blurry, text\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 96x64, Model: local")
        #expect(value == LocalImage.parametersText(request))
        #expect(text.crcOK)
        // Readers stop at the image data, so the text must come before the first IDAT.
        let textIndex = try #require(all.firstIndex { $0.type == "tEXt" })
        let dataIndex = try #require(all.firstIndex { $0.type == "IDAT" })
        #expect(textIndex < dataIndex)
    }

    @Test func nonLatin1PromptGoesIntoAnITXtChunk() async throws {
        let request = LocalImageRequest(prompt: "東京 night 🌙", width: 64, height: 64, seed: 3, steps: 2)
        let all = try Self.chunks(try LocalImage.generate(request))
        #expect(!all.contains { $0.type == "tEXt" })
        let itxt = try #require(all.first { $0.type == "iTXt" })
        let header = Array("parameters".utf8) + [0, 0, 0, 0, 0]
        #expect(Array(itxt.body.prefix(header.count)) == header)
        #expect(String(decoding: itxt.body.dropFirst(header.count), as: UTF8.self) == LocalImage.parametersText(request))
        #expect(itxt.crcOK)
    }

    @Test func parametersTextMatchesA1111() async {
        let plain = LocalImageRequest(prompt: "a lighthouse at dusk", seed: 42)
        #expect(
            LocalImage.parametersText(plain)
                == "a lighthouse at dusk\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512, Model: local")
        let full = LocalImageRequest(
            prompt: "red fox", negativePrompt: "lowres", width: 768, height: 512, seed: 1234,
            steps: 30, guidance: 7.5, sampler: "DPM++ 2M Karras", model: "local")
        #expect(
            LocalImage.parametersText(full)
                == "red fox\nNegative prompt: lowres\nSteps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 1234, Size: 768x512, Model: local")
        // An empty negative prompt is left out, and values with ":" or "," are JSON-quoted as A1111 does.
        let quoted = LocalImageRequest(prompt: "x", negativePrompt: "", seed: 0, model: "sd:xl")
        #expect(
            LocalImage.parametersText(quoted)
                == "x\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 0, Size: 512x512, Model: \"sd:xl\"")
    }

    @Test func rejectsOutOfRangeRequests() async {
        #expect(throws: CreativeError.self) { try LocalImage.generate(LocalImageRequest(prompt: "x", width: 32, seed: 1)) }
        #expect(throws: CreativeError.self) { try LocalImage.generate(LocalImageRequest(prompt: "x", seed: -1)) }
        #expect(throws: CreativeError.self) { try LocalImage.generate(LocalImageRequest(prompt: "x", seed: 1, steps: 0)) }
        #expect(throws: CreativeError.self) { try LocalImage.generate(LocalImageRequest(prompt: "x", seed: 1, guidance: .nan)) }
    }
}
