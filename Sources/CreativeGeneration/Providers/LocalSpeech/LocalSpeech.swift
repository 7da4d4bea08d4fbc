import CEspeak
import CreativeCatalog
import Foundation
import Synchronization

/// The built-in offline speech provider: eSpeak NG's C library speaks the text (16-bit mono PCM
/// through its synchronous callback) and ffmpeg encodes it. Needs no network and no model.
public enum LocalSpeech {
    /// What `speak` can write: the formats OpenAI's speech endpoint offers.
    public enum Format: String, CaseIterable, Sendable {
        case mp3, opus, aac, flac, wav, pcm

        /// ffmpeg's encoder and container for the format (pcm is returned raw).
        var ffmpegArguments: [String] {
            switch self {
            case .mp3: ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"]
            case .opus: ["-c:a", "libopus", "-b:a", "32k", "-f", "ogg"]
            // In an MP4 (.m4a) box: a bare ADTS stream has no length, and players guess it.
            case .aac: ["-c:a", "aac", "-b:a", "64k", "-f", "ipod", "-movflags", "+faststart"]
            case .flac: ["-c:a", "flac", "-f", "flac"]
            case .wav: ["-c:a", "pcm_s16le", "-f", "wav"]
            case .pcm: []
            }
        }

        /// The file extension the encoded speech is stored under.
        public var fileExtension: String { self == .aac ? "m4a" : rawValue }
    }

    /// eSpeak NG is one global state: one synthesis at a time. Holds its sample rate once initialised.
    private static let engine = Mutex<Int32?>(nil)
    /// The samples of the synthesis running under `engine`'s lock (the C callback cannot capture).
    nonisolated(unsafe) private static var collected: [Int16] = []

    private static let callback: @convention(c) (UnsafeMutablePointer<Int16>?, Int32, UnsafeMutablePointer<espeak_EVENT>?) -> Int32 = { wav, count, _ in
        if let wav, count > 0 { LocalSpeech.collected.append(contentsOf: UnsafeBufferPointer(start: wav, count: Int(count))) }
        return 0
    }

    /// Voices are eSpeak NG's language names: en, en-us, de, fr-fr …
    static func isVoiceName(_ voice: String) -> Bool {
        (1...32).contains(voice.utf8.count) && voice.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 43 }
    }

    /// 16-bit mono samples of the text and their rate (22,050 Hz).
    /// - Parameter speed: 0.25–4, 1 is eSpeak's 175 words a minute.
    public static func pcm(_ text: String, voice: String = "en", speed: Double = 1) throws(CreativeError) -> (samples: [Int16], rate: Int) {
        guard isVoiceName(voice) else { throw .invalid("voice", "voice must be an eSpeak NG voice such as en, en-us, de or fr.") }
        guard speed.isFinite, (0.25...4).contains(speed) else { throw .invalid("speed", "speed must be 0.25–4.") }
        let result = engine.withLock { rate -> Result<(samples: [Int16], rate: Int), CreativeError> in
            if rate == nil {
                let initialised = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nil, Int32(espeakINITIALIZE_DONT_EXIT))
                guard initialised > 0 else { return .failure(CreativeError(.providerUnavailable, "eSpeak NG could not start (is espeak-ng-data installed?).")) }
                espeak_SetSynthCallback(callback)
                rate = initialised
            }
            guard espeak_SetVoiceByName(voice) == EE_OK else {
                return .failure(.invalid("voice", "eSpeak NG has no voice \(voice); `espeak-ng --voices` lists them."))
            }
            espeak_SetParameter(espeakRATE, Int32((175 * speed).rounded()).clamped(to: 80...450), 0)
            collected = []
            let bytes = Array(text.utf8) + [0]
            let status = espeak_Synth(bytes, bytes.count, 0, POS_CHARACTER, 0, UInt32(espeakCHARS_UTF8), nil, nil)
            defer { collected = [] }
            guard status == EE_OK else { return .failure(CreativeError(.providerError, "eSpeak NG could not speak the text (error \(status.rawValue)).")) }
            return .success((collected, Int(rate ?? 22_050)))
        }
        return try result.get()
    }

    /// The text spoken and encoded in `format`. Blocking: eSpeak NG, then ffmpeg.
    public static func speak(_ text: String, voice: String = "en", speed: Double = 1, format: Format = .mp3) throws(CreativeError) -> Data {
        let (samples, rate) = try pcm(text, voice: voice, speed: speed)
        return try encode(samples.withUnsafeBufferPointer { Data(buffer: $0) }, rate: rate, as: format)
    }

    /// Raw 16-bit mono PCM at `rate` encoded by ffmpeg in `format` (pcm: as it is). Blocking.
    public static func encode(_ raw: Data, rate: Int, as format: Format) throws(CreativeError) -> Data {
        guard format != .pcm else { return raw }
        guard FFmpeg.available else {
            throw CreativeError(
                .providerUnavailable,
                "ffmpeg is not installed (Debian package ffmpeg; scripts/install-deps.sh installs it), so speech can only be written as pcm.")
        }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("creative-speech-\(UUID().uuidString).pcm").path
        guard FileManager.default.createFile(atPath: input, contents: raw, attributes: [.posixPermissions: 0o600]) else {
            throw CreativeError(.storage, "Could not write a temporary file for ffmpeg.")
        }
        defer { try? FileManager.default.removeItem(atPath: input) }
        // To a file, not a pipe: FLAC, MP4 and MP3 write their length into the header at the end.
        let output = input + "." + format.fileExtension
        defer { try? FileManager.default.removeItem(atPath: output) }
        let arguments = ["-v", "error", "-nostdin", "-y", "-f", "s16le", "-ar", String(rate), "-ac", "1", "-i", input] + format.ffmpegArguments + [output]
        guard FFmpeg.run(FFmpeg.ffmpeg, arguments, timeout: 120) != nil, let encoded = FileManager.default.contents(atPath: output), !encoded.isEmpty else {
            throw CreativeError(.providerError, "ffmpeg could not encode the speech as \(format.rawValue).")
        }
        return encoded
    }
}

extension Comparable {
    fileprivate func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}
