// Format and size from the first bytes of a file, without decoding pixels
// (see krill_image_probe in image_codecs.h).
#include "codec_common.h"

/// PNG signature: \x89 P N G \r \n \x1A \n.
static const uint8_t png_signature[8] = {0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A};

/// Big-endian 32-bit value at `p`.
static uint32_t read_u32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/// The PNG chunk CRC (CRC-32, polynomial 0xEDB88320) of `size` bytes, bit by bit: the
/// probe only checks the 17 bytes of IHDR, so no table is worth building.
static uint32_t crc32_of(const uint8_t *p, size_t size) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; i++) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

/// Size of a PNG from its IHDR chunk: signature (8), length (4), "IHDR" (4), width (4),
/// height (4), depth, colour type, compression, filter, interlace (5), CRC (4) = 33 bytes.
static int probe_png(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                     char *message, size_t message_capacity) {
    if (size < 33) {
        krill_set_message(message, message_capacity, "PNG header cut short");
        return KRILL_IMG_ERR_TRUNCATED;
    }
    if (read_u32(data + 8) != 13 || memcmp(data + 12, "IHDR", 4) != 0) {
        krill_set_message(message, message_capacity, "first chunk is not a valid IHDR");
        return KRILL_IMG_ERR_CORRUPT;
    }
    if (crc32_of(data + 12, 17) != read_u32(data + 29)) {
        krill_set_message(message, message_capacity, "IHDR: CRC error");
        return KRILL_IMG_ERR_CORRUPT;
    }
    uint32_t w = read_u32(data + 16), h = read_u32(data + 20);
    if (w == 0 || h == 0 || w > 0x7fffffffu || h > 0x7fffffffu) {
        krill_set_message(message, message_capacity, "invalid image size in IHDR");
        return KRILL_IMG_ERR_CORRUPT;
    }
    *width = w;
    *height = h;
    return KRILL_IMG_OK;
}

int krill_image_probe(const uint8_t *data, size_t size,
                      int *out_format, uint32_t *out_width, uint32_t *out_height,
                      char *message, size_t message_capacity) {
    krill_set_message(message, message_capacity, "");
    if (out_format != NULL) *out_format = KRILL_IMG_FORMAT_UNKNOWN;
    if (data == NULL || out_format == NULL || out_width == NULL || out_height == NULL) {
        krill_set_message(message, message_capacity, "invalid argument");
        return KRILL_IMG_ERR_ARGUMENT;
    }
    *out_width = 0;
    *out_height = 0;
    if (size >= 8 && memcmp(data, png_signature, 8) == 0) {
        *out_format = KRILL_IMG_FORMAT_PNG;
        return probe_png(data, size, out_width, out_height, message, message_capacity);
    }
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
        *out_format = KRILL_IMG_FORMAT_JPEG;
        return krill_jpeg_read_size(data, size, out_width, out_height, message, message_capacity);
    }
    krill_set_message(message, message_capacity, "not a PNG or JPEG image");
    return KRILL_IMG_ERR_FORMAT;
}
