/// Separable resizing of 8-bit grey pixels: area averaging on axes that shrink, bilinear
/// interpolation on axes that grow (decided per axis, see `ResampleWeights`).
///
/// The columns are resampled first (one Float line per output row, accumulated from
/// whole source rows: contiguous, vectorisable), then each line is resampled along x.
/// Results round half up and clamp to 0...255: `UInt8(min(255, floor(v + 0.5)))`.
/// Per call it allocates the two weight tables and one Float line, nothing per pixel.
public enum Resampler {
    /// `image` resized to width x height (both >= 1; the image must not be empty).
    public static func resize(_ image: GrayImage, width: Int, height: Int) -> GrayImage {
        precondition(width >= 1 && height >= 1, "resize to \(width)x\(height)")
        precondition(image.width >= 1 && image.height >= 1, "resize of an empty \(image.width)x\(image.height) image")
        var output = [UInt8](repeating: 0, count: width * height)
        image.pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                guard let base = target.baseAddress else { return }
                resample(source, width: image.width, height: image.height,
                         into: base, stride: width, targetWidth: width, targetHeight: height)
            }
        }
        return GrayImage(width: width, height: height, pixels: output)
    }

    /// Resamples `source` (width x height, row-major) into a targetWidth x targetHeight
    /// region starting at `destination`, whose rows are `stride` bytes apart.
    static func resample(_ source: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                         into destination: UnsafeMutablePointer<UInt8>, stride: Int,
                         targetWidth: Int, targetHeight: Int) {
        precondition(source.count == width * height && stride >= targetWidth)
        guard let pixels = source.baseAddress else { return }
        if width == targetWidth && height == targetHeight {
            for y in 0..<height {
                (destination + y * stride).update(from: pixels + y * width, count: width)
            }
            return
        }
        let columns = ResampleWeights(sourceLength: width, targetLength: targetWidth)
        let rows = ResampleWeights(sourceLength: height, targetLength: targetHeight)
        let line = UnsafeMutablePointer<Float>.allocate(capacity: width)
        defer { line.deallocate() }
        rows.withTables { rowStart, rowIndex, rowWeight in
            columns.withTables { columnStart, columnIndex, columnWeight in
                for y in 0..<targetHeight {
                    // Vertical: line = sum over taps of weight * source row.
                    let first = rowStart[y]
                    let end = rowStart[y + 1]
                    var row = pixels + rowIndex[first] * width
                    var w = rowWeight[first]
                    for x in 0..<width { line[x] = w * Float(row[x]) }
                    var tap = first + 1
                    while tap < end {
                        row = pixels + rowIndex[tap] * width
                        w = rowWeight[tap]
                        for x in 0..<width { line[x] += w * Float(row[x]) }
                        tap += 1
                    }
                    // Horizontal: each output pixel from its taps along the line.
                    let out = destination + y * stride
                    for x in 0..<targetWidth {
                        var sum: Float = 0
                        var t = columnStart[x]
                        let stop = columnStart[x + 1]
                        while t < stop {
                            sum += line[columnIndex[t]] * columnWeight[t]
                            t += 1
                        }
                        out[x] = quantize(sum)
                    }
                }
            }
        }
    }

    /// Round half up and clamp to 0...255.
    @inline(__always)
    static func quantize(_ value: Float) -> UInt8 {
        let v = value + 0.5
        if v >= 255 { return 255 }
        if !(v > 0) { return 0 }  // also catches NaN
        return UInt8(v)  // truncation = floor for positive values
    }
}
