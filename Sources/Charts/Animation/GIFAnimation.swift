import CGIF
import Foundation
import Storage

/// An animated GIF built from rendered frames (all the same size), for example t-SNE
/// scatter plots of aligned layouts per snapshot epoch. Frames are quantised to a fixed
/// 256-colour palette (nearest colour), written with giflib, and loop forever via the
/// NETSCAPE2.0 application extension; the same frames always give the same bytes.
public struct GIFAnimation: Sendable {
    public var frames: [RGBAImage]
    /// Time each frame shows, in hundredths of a second.
    public var delay: Int
    /// Time the last frame shows, in hundredths of a second (nil = `delay`).
    public var finalDelay: Int?
    /// Repetitions after the first play; 0 = forever.
    public var loopCount: Int
    public var palette: GIFPalette

    public init(frames: [RGBAImage], delay: Int = 100, finalDelay: Int? = 250, loopCount: Int = 0,
                palette: GIFPalette = .standard) {
        self.frames = frames
        self.delay = delay
        self.finalDelay = finalDelay
        self.loopCount = loopCount
        self.palette = palette
    }

    /// Frames rendered from charts (at `scale` device pixels per logical pixel).
    public init(charts: [any Chart], scale: Double = 1, delay: Int = 100, finalDelay: Int? = 250) throws {
        self.init(frames: try charts.map { try $0.rgbaImage(scale: scale) }, delay: delay, finalDelay: finalDelay)
    }

    /// One t-SNE layout of the animation: coordinates and class indices of the points.
    public struct TSNEFrame: Equatable, Sendable {
        public var epoch: Int
        public var x: [Double]
        public var y: [Double]
        public var classes: [Int]
        public init(epoch: Int, x: [Double], y: [Double], classes: [Int]) {
            self.epoch = epoch
            self.x = x
            self.y = y
            self.classes = classes
        }
    }

    /// The t-SNE animation: one scatter plot per layout (aligned beforehand by the
    /// caller), all with the same bounds and size, the epoch in each title.
    public static func tsne(_ layouts: [TSNEFrame], classNames: [String],
                            title: String = "t-SNE of validation embeddings", plotSide: Double = 480,
                            delay: Int = 100, finalDelay: Int? = 250) throws -> GIFAnimation {
        let bounds = ScatterPlot.commonBounds(layouts.map { ($0.x, $0.y) })
        let charts: [any Chart] = try layouts.map { f in
            let plot = ScatterPlot(x: f.x, y: f.y, classes: f.classes, classNames: classNames,
                                   title: "\(title), epoch \(f.epoch)", bounds: bounds, plotSide: plotSide)
            try plot.validate()
            return plot
        }
        return try GIFAnimation(charts: charts, delay: delay, finalDelay: finalDelay)
    }

    /// The GIF file's bytes.
    public func data() throws -> Data {
        guard let first = frames.first else { throw ChartError.invalidInput("an animation needs at least one frame") }
        let (w, h) = (first.width, first.height)
        guard w > 0, h > 0, w <= 65535, h <= 65535 else { throw ChartError.invalidInput("frame size \(w)x\(h)") }
        if let odd = frames.firstIndex(where: { $0.width != w || $0.height != h }) {
            throw ChartError.invalidInput("frame \(odd) is \(frames[odd].width)x\(frames[odd].height), frame 0 is \(w)x\(h)")
        }
        let sink = GIFSink()
        var error: Int32 = 0
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        guard let gif = EGifOpen(unmanaged.toOpaque(), gifWrite, &error) else { throw GIFAnimation.failure("open", error) }
        var closed = false
        defer { if !closed { var e: Int32 = 0; EGifCloseFile(gif, &e) } }
        func check(_ status: Int32, _ what: String) throws {
            if status != GIF_OK { throw GIFAnimation.failure(what, gif.pointee.Error) }
        }
        var colors = palette.colors.map { GifColorType(Red: $0[0], Green: $0[1], Blue: $0[2]) }
        guard let map = GifMakeMapObject(256, &colors) else { throw ChartError.gif("cannot make a colour map") }
        defer { GifFreeMapObject(map) }
        EGifSetGifVersion(gif, true)
        try check(EGifPutScreenDesc(gif, Int32(w), Int32(h), 8, 0, map), "screen descriptor")
        // Loop: NETSCAPE2.0 application extension, sub-block [1, count lo, count hi].
        try check(EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE), "loop extension")
        var application = Array("NETSCAPE2.0".utf8)
        try check(EGifPutExtensionBlock(gif, 11, &application), "loop extension")
        var loop: [UInt8] = [1, UInt8(loopCount & 0xff), UInt8((loopCount >> 8) & 0xff)]
        try check(EGifPutExtensionBlock(gif, 3, &loop), "loop extension")
        try check(EGifPutExtensionTrailer(gif), "loop extension")
        for (k, frame) in frames.enumerated() {
            let isLast = k == frames.count - 1
            var gcb = GraphicsControlBlock(DisposalMode: DISPOSAL_UNSPECIFIED, UserInputFlag: false,
                                           DelayTime: Int32(min(65535, max(0, isLast ? (finalDelay ?? delay) : delay))),
                                           TransparentColor: NO_TRANSPARENT_COLOR)
            var extensionBytes = [UInt8](repeating: 0, count: 4)
            let length = EGifGCBToExtension(&gcb, &extensionBytes)
            try check(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, Int32(length), &extensionBytes), "frame \(k) delay")
            try check(EGifPutImageDesc(gif, 0, 0, Int32(w), Int32(h), false, nil), "frame \(k) descriptor")
            var indices = palette.quantize(frame)
            try check(EGifPutLine(gif, &indices, Int32(w * h)), "frame \(k) pixels")
        }
        closed = true
        guard EGifCloseFile(gif, &error) == GIF_OK else { throw GIFAnimation.failure("close", error) }
        return sink.data
    }

    /// Writes the GIF to `url` atomically, creating missing folders.
    public func write(to url: URL) throws {
        try AtomicFile.write(data(), to: url)
    }

    static func failure(_ what: String, _ code: Int32) -> ChartError {
        let message = GifErrorString(code).map { String(cString: $0) } ?? "error \(code)"
        return ChartError.gif("\(what): \(message)")
    }
}

/// Collects the bytes giflib writes.
final class GIFSink {
    var data = Data()
}

private let gifWrite: OutputFunc = { gif, bytes, length in
    guard let gif, let bytes, let user = gif.pointee.UserData, length >= 0 else { return 0 }
    Unmanaged<GIFSink>.fromOpaque(user).takeUnretainedValue().data.append(bytes, count: Int(length))
    return length
}
