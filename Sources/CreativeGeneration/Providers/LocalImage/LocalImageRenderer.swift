import Foundation

extension LocalImage {
    /// Paints an abstract picture in a float RGB buffer, coarse to fine: a gradient, then one
    /// layer per step (big colour washes and wave bands first, ever smaller glows, discs and
    /// rings after), then a finish of soft noise, grain, grading and a vignette.
    ///
    /// Layer k draws the same thing whatever the total step count, so more steps only ever add
    /// detail — and because later layers are small and only their bounding box is touched,
    /// 150 steps cost little more than 20.
    struct Renderer {
        let width: Int
        let height: Int
        private let minDim: Float
        private var pixels: [Float]
        private var random: Random
        private let accents: [Color]
        /// The saturated middle colours of each theme; pale ones would wash big shapes out.
        private let mids: [Color]

        init(_ request: LocalImageRequest) {
            width = request.width
            height = request.height
            minDim = Float(min(width, height))
            pixels = [Float](repeating: 0, count: width * height * 3)
            let chosen = LocalImage.themes(prompt: request.prompt, negative: request.negativePrompt)
            accents = chosen.flatMap { $0.colors[1...] }
            mids = chosen.flatMap { $0.colors[1...2] }
            // The composition depends on the words and the seed only; size, steps, guidance and
            // sampler change how it is rendered, not where things are.
            let seed =
                fnv1a(request.prompt) ^ fnv1a(request.negativePrompt ?? "", basis: 0x8422_2325_cbf2_9ce4)
                ^ (UInt64(request.seed) &* 0x9E37_79B9_7F4A_7C15)
            random = Random(seed: seed)
            let first = chosen[0].colors, last = chosen[chosen.count - 1].colors
            gradient(from: first[0], to: last[1], angle: random.range(0, 2 * .pi))
        }

        /// The vertical/diagonal background wash, eased so the mid-tones dominate.
        private mutating func gradient(from a: Color, to b: Color, angle: Float) {
            let (w, h) = (width, height)
            let dx = cos(angle), dy = sin(angle)
            // Project the corners so t spans exactly 0...1 across the image.
            let corners = [Float(0), dx * Float(w), dy * Float(h), dx * Float(w) + dy * Float(h)]
            let low = corners.min() ?? 0, span = max((corners.max() ?? 1) - low, 1)
            pixels.withUnsafeMutableBufferPointer { p in
                Self.rows(0..<h, width: w) { y in
                    for x in 0..<w {
                        var t = (Float(x) * dx + Float(y) * dy - low) / span
                        t = t * t * (3 - 2 * t)
                        let i = (y * w + x) * 3
                        p[i] = a.r + (b.r - a.r) * t
                        p[i + 1] = a.g + (b.g - a.g) * t
                        p[i + 2] = a.b + (b.b - a.b) * t
                    }
                }
            }
        }

        /// Draws the layer of step `k` (1-based).
        mutating func layer(_ k: Int) {
            if k == 2 || k == 6 || k == 10 {
                band()
            } else {
                blob(k)
            }
        }

        private enum Blend { case mix, screen }

        /// A soft round shape whose radius shrinks geometrically with the step number.
        private mutating func blob(_ k: Int) {
            let radius = minDim * max(0.03, 0.55 * pow(0.85, Float(k - 1)))
            let cx = random.range(-0.1, 1.1) * Float(width), cy = random.range(-0.1, 1.1) * Float(height)
            let color = random.pick(k <= 3 ? mids : accents)
            let roll = random.unit(), strength = random.range(0.35, 0.75)
            if k <= 3 {
                // Early steps lay down large colour fields, like a diffusion model's first guesses.
                paint(cx, cy, radius, color, strength, .mix) { q, _ in (1 - q) * (1 - q) }
            } else if roll < 0.55 {
                paint(cx, cy, radius, color, strength * 0.8, .screen) { q, _ in (1 - q) * (1 - q) }
            } else if roll < 0.8 {
                paint(cx, cy, radius, color, strength * 0.7, .mix) { _, d in
                    let e = min(max((1 - d) / 0.25, 0), 1)
                    return e * e * (3 - 2 * e)
                }
            } else {
                paint(cx, cy, radius, color, 0.5, .screen) { _, d in
                    let e = max(0, 1 - ((d - 0.8) / 0.12) * ((d - 0.8) / 0.12))
                    return e * e
                }
            }
        }

        /// Blends `color` inside the circle; `falloff(q, d)` gets the squared and plain
        /// distance from the centre in radii (both < 1) and returns the coverage 0...1.
        private mutating func paint(
            _ cx: Float, _ cy: Float, _ radius: Float, _ color: Color, _ strength: Float,
            _ blend: Blend, _ falloff: (Float, Float) -> Float
        ) {
            let x0 = max(0, Int(cx - radius)), x1 = min(width - 1, Int(cx + radius))
            let y0 = max(0, Int(cy - radius)), y1 = min(height - 1, Int(cy + radius))
            guard x0 <= x1, y0 <= y1 else { return }
            let inv = 1 / (radius * radius), w = width
            pixels.withUnsafeMutableBufferPointer { p in
                Self.rows(y0..<y1 + 1, width: x1 - x0 + 1) { y in
                    let ry = (Float(y) - cy) * (Float(y) - cy) * inv
                    for x in x0...x1 {
                        let q = (Float(x) - cx) * (Float(x) - cx) * inv + ry
                        guard q < 1 else { continue }
                        let a = falloff(q, q.squareRoot()) * strength
                        let i = (y * w + x) * 3
                        Self.blend(&p[i], color.r, a, blend)
                        Self.blend(&p[i + 1], color.g, a, blend)
                        Self.blend(&p[i + 2], color.b, a, blend)
                    }
                }
            }
        }

        @inline(__always)
        private static func blend(_ value: inout Float, _ target: Float, _ amount: Float, _ mode: Blend) {
            switch mode {
            case .mix: value += (target - value) * amount
            case .screen: value = 1 - (1 - value) * (1 - target * amount)
            }
        }

        /// A glowing wavy ribbon across the whole picture.
        private mutating func band() {
            let angle = random.range(0, .pi)
            let nx = cos(angle), ny = sin(angle)
            let offset = random.range(0.2, 0.8) * Float(width) * nx + random.range(0.2, 0.8) * Float(height) * ny
            let halfWidth = minDim * random.range(0.05, 0.14)
            let amplitude = minDim * random.range(0.03, 0.12)
            let frequency = 2 * Float.pi / (minDim * random.range(0.5, 1.2)), phase = random.range(0, 2 * .pi)
            let color = random.pick(accents), strength = random.range(0.3, 0.55)
            let (w, h) = (width, height)
            // Only pixels within reach of the band's centre line can be touched: its half width
            // plus the wave's amplitude, and a pixel to spare. The rest of each row is skipped.
            let reach = halfWidth + abs(amplitude) + 1
            pixels.withUnsafeMutableBufferPointer { p in
                Self.rows(0..<h, width: w) { y in
                    let c = Float(y) * ny - offset
                    let xs: ClosedRange<Int>
                    if abs(nx) < 1e-4 {
                        guard abs(c) < reach else { return }
                        xs = 0...(w - 1)
                    } else {
                        let (a, b) = ((-reach - c) / nx, (reach - c) / nx)
                        let (low, high) = (max(0, Int(min(a, b).rounded(.down)) - 1), min(w - 1, Int(max(a, b).rounded(.up)) + 1))
                        guard low <= high else { return }
                        xs = low...high
                    }
                    for x in xs {
                        let along = Float(y) * nx - Float(x) * ny
                        let d = (Float(x) * nx + Float(y) * ny - offset + amplitude * sin(frequency * along + phase)) / halfWidth
                        guard d * d < 1 else { continue }
                        let a = (1 - d * d) * (1 - d * d) * strength
                        let i = (y * w + x) * 3
                        Self.blend(&p[i], color.r, a, .screen)
                        Self.blend(&p[i + 1], color.g, a, .screen)
                        Self.blend(&p[i + 2], color.b, a, .screen)
                    }
                }
            }
        }

        /// Soft value noise, film grain, contrast/saturation from guidance and a vignette, then
        /// 8-bit RGB. The sampler seeds the noise, so "Euler a" and "DPM++ 2M" differ in texture
        /// only; ancestral samplers (the " a" ones) get a little more grain.
        func finish(guidance: Double, sampler: String) -> [UInt8] {
            var noiseRandom = Random(seed: fnv1a(sampler) ^ fnv1a(String(width) + "x" + String(height)))
            let scale = noiseRandom.range(0.8, 1.25)
            let coarse = ValueNoise(width: width, height: height, cell: minDim / 4.5 * scale, random: &noiseRandom)
            let fine = ValueNoise(width: width, height: height, cell: minDim / 16 * scale, random: &noiseRandom)
            let name = sampler.lowercased()
            let grain: Float = name.hasSuffix(" a") || name.contains("ancestral") ? 0.035 : 0.02
            let grainSeed = UInt32(truncatingIfNeeded: noiseRandom.next())
            let g = Float(guidance)
            let contrast = 0.9 + g * 0.02, saturation = 0.9 + g * 0.035
            let (w, h) = (width, height)
            var out = [UInt8](repeating: 0, count: w * h * 3)
            pixels.withUnsafeBufferPointer { p in
                out.withUnsafeMutableBufferPointer { o in
                    Self.rows(0..<h, width: w) { y in
                        let vy = (Float(y) / Float(h) - 0.5) * 2
                        for x in 0..<w {
                            let vx = (Float(x) / Float(w) - 0.5) * 2
                            let texture = 1 + (coarse.value(x, y) - 0.5) * 0.14 + (fine.value(x, y) - 0.5) * 0.08
                            let vignette = 1 - 0.16 * (vx * vx + vy * vy)
                            let i = (y * w + x) * 3
                            var r = p[i] * texture, gr = p[i + 1] * texture, b = p[i + 2] * texture
                            let luma = 0.2126 * r + 0.7152 * gr + 0.0722 * b
                            r = luma + (r - luma) * saturation
                            gr = luma + (gr - luma) * saturation
                            b = luma + (b - luma) * saturation
                            let noise = (Self.hash(x, y, grainSeed) - 0.5) * grain
                            o[i] = Self.byte(((r - 0.5) * contrast + 0.5) * vignette + noise)
                            o[i + 1] = Self.byte(((gr - 0.5) * contrast + 0.5) * vignette + noise)
                            o[i + 2] = Self.byte(((b - 0.5) * contrast + 0.5) * vignette + noise)
                        }
                    }
                }
            }
            return out
        }

        /// Read once: Foundation reads two cgroup files each time it is asked.
        private static let cores = ProcessInfo.processInfo.activeProcessorCount

        /// Runs `body` for every row, rows spread over the cores for a large picture (each row
        /// touches only its own pixels, so the result is the same as in order).
        private static func rows(_ ys: Range<Int>, width w: Int, _ body: (Int) -> Void) {
            guard w * ys.count >= 256 * 256 else {
                for y in ys { body(y) }
                return
            }
            let bands = cores * 4
            withoutActuallyEscaping(body) { body in
                // The rows write disjoint parts of one buffer: safe to share across threads.
                nonisolated(unsafe) let row = body
                DispatchQueue.concurrentPerform(iterations: bands) { band in
                    for y in stride(from: ys.lowerBound + band, to: ys.upperBound, by: bands) { row(y) }
                }
            }
        }

        @inline(__always)
        private static func byte(_ value: Float) -> UInt8 { UInt8(min(max(value * 255 + 0.5, 0), 255)) }

        /// A per-pixel value in 0..<1 from integer mixing (cheaper than a PRNG per pixel).
        @inline(__always)
        private static func hash(_ x: Int, _ y: Int, _ seed: UInt32) -> Float {
            var v = UInt32(truncatingIfNeeded: x) &* 0x27D4_EB2D ^ UInt32(truncatingIfNeeded: y) &* 0x1656_67B1 ^ seed
            v = (v ^ (v >> 15)) &* 0x2C1B_3C6D
            v = (v ^ (v >> 12)) &* 0x297A_2D39
            return Float((v ^ (v >> 15)) >> 8) / Float(1 << 24)
        }
    }

    /// Bilinear value noise with smoothstep easing; lattice and per-column weights are
    /// precomputed so a lookup is a handful of loads and multiplies.
    struct ValueNoise {
        private let lattice: [Float]
        private let stride: Int
        private let column: [(index: Int, t: Float)]
        private let row: [(index: Int, t: Float)]

        init(width: Int, height: Int, cell: Float, random: inout Random) {
            let cell = max(cell, 2)
            stride = Int(Float(width) / cell) + 2
            let rows = Int(Float(height) / cell) + 2
            lattice = (0..<(stride * rows)).map { _ in random.unit() }
            func axis(_ count: Int) -> [(index: Int, t: Float)] {
                (0..<count).map { i in
                    let f = Float(i) / cell, base = Float(Int(f)), t = f - base
                    return (Int(f), t * t * (3 - 2 * t))
                }
            }
            column = axis(width)
            row = axis(height)
        }

        @inline(__always)
        func value(_ x: Int, _ y: Int) -> Float {
            let (cx, tx) = column[x], (cy, ty) = row[y]
            let i = cy * stride + cx
            let top = lattice[i] + (lattice[i + 1] - lattice[i]) * tx
            let bottom = lattice[i + stride] + (lattice[i + stride + 1] - lattice[i + stride]) * tx
            return top + (bottom - top) * ty
        }
    }
}
