// krill image codecs: a small C shim over libpng and libjpeg.
//
// Both libraries report errors with longjmp, which Swift cannot catch, and libjpeg's
// default error handler calls exit(). Every function here installs its own handlers
// and a setjmp point, so a bad file always comes back as a status code plus a message
// in a caller-provided buffer: never an abort, never a longjmp into Swift, no leaks.
//
// Conventions:
// - Functions return KRILL_IMG_OK (0) or one of the KRILL_IMG_ERR_* codes below.
// - `message` / `message_capacity`: a caller-provided buffer that receives a
//   NUL-terminated, human-readable reason on error (libpng's or libjpeg's own message
//   where there is one). It may be NULL when capacity is 0. Untouched on success
//   except that it is set to the empty string.
// - Output buffers (`*out_pixels`, `*out_bytes`) are allocated with malloc and owned by
//   the caller on success: release them with krill_image_free(). On error they are set
//   to NULL and nothing needs freeing.
// - No global or static mutable state: all functions are safe to call concurrently.
#ifndef KRILL_IMAGE_CODECS_H
#define KRILL_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Status codes (object-like macros so that Swift imports them as Int32 constants).
#define KRILL_IMG_OK 0
/// The bytes do not start with the signature of the format asked for.
#define KRILL_IMG_ERR_FORMAT 1
/// The data ends before the image does (cut-off download or copy).
#define KRILL_IMG_ERR_TRUNCATED 2
/// The data is damaged: bad CRC, bad Huffman code, invalid header fields, ...
#define KRILL_IMG_ERR_CORRUPT 3
/// A valid file this shim does not convert (for example a CMYK JPEG).
#define KRILL_IMG_ERR_UNSUPPORTED 4
/// malloc failed.
#define KRILL_IMG_ERR_NO_MEMORY 5
/// Width or height exceeds KRILL_IMG_MAX_SIDE, or the pixel count KRILL_IMG_MAX_PIXELS.
#define KRILL_IMG_ERR_TOO_LARGE 6
/// A NULL pointer, zero size or wrong channel count passed by the caller.
#define KRILL_IMG_ERR_ARGUMENT 7

// Formats reported by krill_image_probe.
#define KRILL_IMG_FORMAT_UNKNOWN 0
#define KRILL_IMG_FORMAT_PNG 1
#define KRILL_IMG_FORMAT_JPEG 2

/// Largest accepted width or height, in pixels (protects against absurd headers).
#define KRILL_IMG_MAX_SIDE 65535
/// Largest accepted width * height, in pixels (256 Mpx: 256 MiB of grey output).
#define KRILL_IMG_MAX_PIXELS 268435456

/// Decodes a PNG held in memory to 8-bit grey, row-major, `width * height` bytes.
///
/// Every PNG colour type and bit depth is accepted: 1/2/4/8/16-bit grey, grey+alpha,
/// RGB, RGBA, palette (with or without tRNS), interlaced or not.
/// - 16-bit samples are scaled, not truncated: v8 = round(v16 * 255 / 65535).
/// - Low bit depths are expanded to the full range (1-bit 1 -> 255, 4-bit v -> 17 v).
/// - Colour becomes grey with libjpeg's JCS_GRAYSCALE integer formula:
///   Y = (19595 R + 38470 G + 7471 B + 32768) >> 16  (0.299 R + 0.587 G + 0.114 B, rounded),
///   so a PNG and a JPEG of the same picture decode to the same grey values.
/// - Transparency (alpha channel or tRNS) is composited onto WHITE, per channel before the
///   grey conversion: c' = (c a + 255 (255 - a) + 127) / 255 (integer division, = rounded).
/// - No gamma correction is applied (sample values are taken as they are stored).
int krill_png_decode_gray(const uint8_t *data, size_t size,
                          uint8_t **out_pixels, uint32_t *out_width, uint32_t *out_height,
                          char *message, size_t message_capacity);

/// Decodes a JPEG held in memory to 8-bit grey (libjpeg's out_color_space JCS_GRAYSCALE:
/// the Y channel of YCbCr files, the formula above for RGB files), row-major.
///
/// A truncated file is an error (KRILL_IMG_ERR_TRUNCATED, "Premature end of JPEG file"),
/// although libjpeg itself only warns and pads the image with grey. Warnings that mean
/// damaged entropy-coded data (bad Huffman code, premature end of data segment, lost
/// sync, ...) are KRILL_IMG_ERR_CORRUPT. Harmless warnings (extraneous bytes before a
/// marker, unknown JFIF revision, bad ICC marker) are ignored. CMYK/YCCK files are
/// KRILL_IMG_ERR_UNSUPPORTED, as are 12-bit JPEGs. Exif orientation is not applied.
int krill_jpeg_decode_gray(const uint8_t *data, size_t size,
                           uint8_t **out_pixels, uint32_t *out_width, uint32_t *out_height,
                           char *message, size_t message_capacity);

/// Reads only the header: the format (KRILL_IMG_FORMAT_*) and the size in pixels.
///
/// PNG: the signature and the IHDR chunk (first 33 bytes, CRC checked). JPEG:
/// jpeg_read_header, which needs the bytes up to the start-of-frame marker (metadata
/// segments before it may be large: pass the whole file when a prefix was not enough;
/// a prefix that ends too early gives KRILL_IMG_ERR_TRUNCATED). Neither format's pixel
/// data is decoded. Other data: KRILL_IMG_ERR_FORMAT with *format = UNKNOWN.
int krill_image_probe(const uint8_t *data, size_t size,
                      int *out_format, uint32_t *out_width, uint32_t *out_height,
                      char *message, size_t message_capacity);

/// Encodes 8-bit pixels as a PNG in memory: `channels` 1 (grey) or 4 (RGBA, straight
/// alpha), row-major, `width * height * channels` bytes.
///
/// Settings are fixed so the bytes are deterministic for a given libpng/zlib: bit depth
/// 8, no interlace, zlib level 6, adaptive filtering, and no tIME, tEXt or other
/// ancillary chunks (only IHDR, IDAT and IEND).
int krill_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                     uint8_t **out_bytes, size_t *out_size,
                     char *message, size_t message_capacity);

/// Encodes 8-bit grey pixels (row-major, `width * height` bytes) as a baseline JPEG in
/// memory at `quality` 1-100 (libjpeg's defaults otherwise: deterministic for a given
/// libjpeg).
int krill_jpeg_encode_gray(const uint8_t *pixels, uint32_t width, uint32_t height, int quality,
                           uint8_t **out_bytes, size_t *out_size,
                           char *message, size_t message_capacity);

/// Frees a buffer returned by this shim (NULL is fine).
void krill_image_free(void *buffer);

#ifdef __cplusplus
}
#endif

#endif
