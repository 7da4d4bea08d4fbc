import Foundation
import Testing

@testable import CreativeCatalog

/// `JSONReader` stands in for JSONDecoder on the hot paths: where it accepts a document it must
/// give JSONDecoder's answer, and it must refuse what JSONDecoder refuses.
@Suite("JSON reader")
struct JSONReaderTests {
    static func randomString(_ rng: inout SeededRandom) -> String {
        let pieces = ["fox", " ", "é", "\u{301}", "\"", "\\", "/", "\n", "\t", "\u{1}", "\u{1F600}", "雪", "\u{7F}", "\u{2028}", "{", "]", ","]
        return (0..<Int.random(in: 0..<12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    static func randomValue(_ rng: inout SeededRandom, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 6 : 8), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int([0, -1, 7, 1 << 53, -(1 << 60), Int.max, Int.random(in: -1000...1000, using: &rng)].randomElement(using: &rng)!)
        case 3: return .double([0.5, -2.25, 1e-7, 3.14159, 1e300, -1.5e20, Double.random(in: -1e6...1e6, using: &rng)].randomElement(using: &rng)!)
        case 4, 5: return .string(randomString(&rng))
        case 6: return .array((0..<Int.random(in: 0..<4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            return .object(
                Dictionary((0..<Int.random(in: 0..<4, using: &rng)).map { _ in (randomString(&rng), randomValue(&rng, depth: depth + 1)) }) { a, _ in a })
        }
    }

    static func randomAsset(_ rng: inout SeededRandom) -> CreativeAsset {
        let date = Date(timeIntervalSince1970: Double(Int.random(in: 0..<2_000_000_000_000, using: &rng)) / 1000)
        var a = CreativeAsset(
            id: ULID.make(), userId: "user\(Int.random(in: 0..<9, using: &rng))", type: MediaType.allCases.randomElement(using: &rng)!,
            title: randomString(&rng), url: "image.png", status: AssetStatus.allCases.randomElement(using: &rng)!, createdAt: date, updatedAt: date)
        let maybe = { (rng: inout SeededRandom) in Bool.random(using: &rng) }
        if maybe(&rng) { a.description = randomString(&rng) }
        if maybe(&rng) { a.prompt = randomString(&rng) }
        if maybe(&rng) { a.negativePrompt = randomString(&rng) }
        if maybe(&rng) { a.category = randomString(&rng) }
        if maybe(&rng) { (a.width, a.height, a.fileSize) = (Int.random(in: 1...8192, using: &rng), 512, Int.random(in: 0...Int.max, using: &rng)) }
        if maybe(&rng) { (a.seed, a.steps, a.guidance) = (Int.random(in: Int.min...Int.max, using: &rng), 30, Double.random(in: 0...20, using: &rng)) }
        if maybe(&rng) { (a.cost, a.duration) = (Double.random(in: 0...1, using: &rng), 12.5) }
        if maybe(&rng), case .object(let o) = randomValue(&rng, depth: 7) { a.parameters = o }
        if maybe(&rng) { a.parameters = ["nested": randomValue(&rng), "n": .int(5)] }
        if maybe(&rng) { (a.source, a.parentAssetId, a.contentHash) = (AssetSource.allCases.randomElement(using: &rng), ULID.make(), randomString(&rng)) }
        if maybe(&rng), case .object(let o) = randomValue(&rng, depth: 8) { (a.templateId, a.templateVariables) = (ULID.make(), o) }
        a.tags = (0..<Int.random(in: 0..<4, using: &rng)).map { _ in randomString(&rng) }
        (a.isPublic, a.isFavorite) = (maybe(&rng), maybe(&rng))
        return a
    }

    @Test func randomSidecarsReadAsJSONDecoderReadsThem() throws {
        var rng = SeededRandom(seed: 1207)
        for n in 0..<2000 {
            let asset = Self.randomAsset(&rng)
            let data = try JSONCoding.encoder(pretty: n % 2 == 0).encode(asset)
            let fields = try #require(JSONReader.object(data), "\(String(decoding: data, as: UTF8.self))")
            #expect(fields == (try JSONCoding.decoder().decode([String: JSONValue].self, from: data)))
            let quick = try #require(CreativeAsset(json: data))
            #expect(quick == (try JSONCoding.decoder().decode(CreativeAsset.self, from: data)))
            #expect(quick == asset)
            // The store skips its merge round trip when there is nothing to merge: same bytes.
            let merged = try JSONCoding.encoder().encode(try JSONCoding.decoder().decode([String: JSONValue].self, from: data))
            #expect(try JSONCoding.encoder().encode(asset) == merged)
            var unparameterised = asset
            unparameterised.parameters = nil
            #expect(CreativeAsset(json: data, parameters: false) == unparameterised)
        }
    }

    @Test func numbersEscapesAndSpacingReadAsJSONDecoderReadsThem() throws {
        let documents = [
            #"{"a":1e2,"b":-0,"c":1.5E-3,"d":1152921504606846976,"e":-9007199254740993,"f":100.0,"g":1e400}"#,
            #" { "s" : "caf\u00e9 \ud83d\ude00 \/ \b\f\n\r\t \"q\" \\" , "t" : [ ] , "u" : { } } "#,
            "{\n\t\"k\"\r\n:\n[true,false,null,\"\u{10FFFF}\"]}",
            #"{"dup":1,"dup":2}"#,
        ]
        for text in documents {
            let data = Data(text.utf8)
            let decoded = try? JSONCoding.decoder().decode([String: JSONValue].self, from: data)
            let read = JSONReader.object(data)
            if let read { #expect(read == decoded, "\(text)") }
        }
        // The ones any JSON reader must take.
        #expect(JSONReader.object(Data(documents[1].utf8)) != nil && JSONReader.object(Data(documents[2].utf8)) != nil)
    }

    @Test func whatJSONDecoderRefusesTheReaderRefuses() throws {
        let bad = [
            #"{"a":01}"#, #"{"a":"\ud800"}"#, "{\"a\":\"tab\there\"}", #"{"a":tru}"#, #"{"a":1} x"#, #"{"a":.5}"#,
            #"{"a":-}"#, #"{"a":"\x"}"#, #"{a:1}"#, #"[1]"#, #"{"a":1"#, #"{"a":"unterminated}"#, #"{"a":1e}"#,
        ]
        for text in bad {
            #expect(JSONReader.object(Data(text.utf8)) == nil, "\(text)")
            #expect((try? JSONCoding.decoder().decode([String: JSONValue].self, from: Data(text.utf8))) == nil, "\(text)")
        }
        // Left to JSONDecoder, which is lenient here: a trailing comma, a repeated key.
        #expect(JSONReader.object(Data(#"{"a":1,}"#.utf8)) == nil && JSONReader.object(Data(#"{"a":1,"a":2}"#.utf8)) == nil)
        #expect(JSONReader.object(Data([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D])) == nil, "invalid UTF-8")
        let deep = String(repeating: "{\"a\":", count: 33) + "1" + String(repeating: "}", count: 33)
        #expect(JSONReader.object(Data(deep.utf8)) == nil, "deeper than JSONCoding.maxDepth")
    }
}
