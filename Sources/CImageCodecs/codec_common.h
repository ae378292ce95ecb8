// Private helpers shared by the codec files of the shim (not part of the public header).
#ifndef KRILL_CODEC_COMMON_H
#define KRILL_CODEC_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "image_codecs.h"

/// Size of the internal message buffers (libjpeg's JMSG_LENGTH_MAX).
#define KRILL_MESSAGE_LENGTH 200

/// Copies `text` into the caller's message buffer, truncating and NUL-terminating.
static inline void krill_set_message(char *message, size_t capacity, const char *text) {
    if (message == NULL || capacity == 0) return;
    size_t n = strlen(text);
    if (n >= capacity) n = capacity - 1;
    memcpy(message, text, n);
    message[n] = '\0';
}

/// True when width x height is within the shim's limits (see KRILL_IMG_MAX_*).
static inline int krill_size_ok(uint64_t width, uint64_t height) {
    return width > 0 && height > 0 && width <= KRILL_IMG_MAX_SIDE && height <= KRILL_IMG_MAX_SIDE
        && width * height <= (uint64_t)KRILL_IMG_MAX_PIXELS;
}

/// Grey value of an 8-bit RGB triple with libjpeg's JCS_GRAYSCALE fixed-point formula
/// (jdcolor.c rgb_gray_convert): FIX(0.299), FIX(0.587), FIX(0.114) with 16 fraction bits.
static inline uint8_t krill_rgb_to_gray(uint32_t r, uint32_t g, uint32_t b) {
    return (uint8_t)((19595u * r + 38470u * g + 7471u * b + 32768u) >> 16);
}

/// Composites an 8-bit sample with alpha `a` onto white: round((c a + 255 (255 - a)) / 255).
/// (Adding 127 then truncating rounds exactly: an odd divisor never gives a tie.)
static inline uint32_t krill_on_white(uint32_t c, uint32_t a) {
    return (c * a + 255u * (255u - a) + 127u) / 255u;
}

/// Reads a JPEG's header only (jpeg_decode.c): the size in pixels, or an error status.
int krill_jpeg_read_size(const uint8_t *data, size_t size, uint32_t *out_width,
                         uint32_t *out_height, char *message, size_t message_capacity);

#endif
