// PNG -> 8-bit grey with libpng's low-level API (see krill_png_decode_gray in image_codecs.h).
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <png.h>

#include "codec_common.h"

/// Everything the libpng callbacks touch: the input cursor and the error outcome.
/// Lives on the decoder's stack; libpng reaches it through the io and error pointers.
typedef struct {
    const uint8_t *data;
    size_t size;
    size_t position;
    int status;                 // KRILL_IMG_ERR_* reported when libpng longjmps
    char text[KRILL_MESSAGE_LENGTH];
} png_read_context;

/// libpng error callback: record the message and jump back to the decoder's setjmp.
static void read_error(png_structp png, png_const_charp text) {
    png_read_context *context = (png_read_context *)png_get_error_ptr(png);
    krill_set_message(context->text, sizeof context->text, text);
    if (context->status == KRILL_IMG_OK) context->status = KRILL_IMG_ERR_CORRUPT;
    png_longjmp(png, 1);
}

/// libpng warning callback: warnings (unknown profiles, bad ancillary chunks) are ignored.
static void ignore_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

/// Records why decoding stops and leaves through libpng's error path (does not return).
static void fail(png_structp png, png_read_context *context, int status, const char *text) {
    context->status = status;
    png_error(png, text);
}

/// libpng read callback: serve bytes from memory; running out means a truncated file.
static void read_bytes(png_structp png, png_bytep out, size_t length) {
    png_read_context *context = (png_read_context *)png_get_io_ptr(png);
    if (length > context->size - context->position) {
        fail(png, context, KRILL_IMG_ERR_TRUNCATED, "unexpected end of PNG data");
    }
    memcpy(out, context->data + context->position, length);
    context->position += length;
}

/// Converts `count` pixels of `channels` 8-bit samples to grey, in place (the grey pixel
/// i is written at i, never ahead of the samples still to be read).
static void convert_to_gray(uint8_t *p, size_t count, int channels) {
    switch (channels) {
    case 2:  // grey + alpha
        for (size_t i = 0; i < count; i++) {
            p[i] = (uint8_t)krill_on_white(p[2 * i], p[2 * i + 1]);
        }
        break;
    case 3:  // RGB
        for (size_t i = 0; i < count; i++) {
            p[i] = krill_rgb_to_gray(p[3 * i], p[3 * i + 1], p[3 * i + 2]);
        }
        break;
    case 4:  // RGBA: composite each channel onto white, then grey
        for (size_t i = 0; i < count; i++) {
            uint32_t a = p[4 * i + 3];
            p[i] = krill_rgb_to_gray(krill_on_white(p[4 * i], a), krill_on_white(p[4 * i + 1], a),
                                     krill_on_white(p[4 * i + 2], a));
        }
        break;
    default:  // grey already
        break;
    }
}

int krill_png_decode_gray(const uint8_t *data, size_t size,
                          uint8_t **out_pixels, uint32_t *out_width, uint32_t *out_height,
                          char *message, size_t message_capacity) {
    krill_set_message(message, message_capacity, "");
    if (out_pixels != NULL) *out_pixels = NULL;
    if (data == NULL || out_pixels == NULL || out_width == NULL || out_height == NULL) {
        krill_set_message(message, message_capacity, "invalid argument");
        return KRILL_IMG_ERR_ARGUMENT;
    }
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        krill_set_message(message, message_capacity, "not a PNG file (no PNG signature)");
        return KRILL_IMG_ERR_FORMAT;
    }

    png_read_context context = {data, size, 8, KRILL_IMG_OK, ""};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, read_error,
                                             ignore_warning);
    if (png == NULL) {
        krill_set_message(message, message_capacity, "out of memory");
        return KRILL_IMG_ERR_NO_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        krill_set_message(message, message_capacity, "out of memory");
        return KRILL_IMG_ERR_NO_MEMORY;
    }
    // Assigned after setjmp and needed after a longjmp: volatile.
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(pixels);
        png_destroy_read_struct(&png, &info, NULL);
        krill_set_message(message, message_capacity, context.text);
        return context.status;
    }

    // Let libpng accept whatever the PNG spec allows; krill's own limit is checked below.
    png_set_user_limits(png, 0x7fffffffu, 0x7fffffffu);
    png_set_sig_bytes(png, 8);
    png_set_read_fn(png, &context, read_bytes);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    if (!krill_size_ok(width, height)) {
        char text[KRILL_MESSAGE_LENGTH];
        snprintf(text, sizeof text, "%ux%u pixels exceeds the limit", (unsigned)width,
                 (unsigned)height);
        fail(png, &context, KRILL_IMG_ERR_TOO_LARGE, text);
    }

    // Reduce every colour type and depth to 8-bit grey, grey+alpha, RGB or RGBA.
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16) png_set_scale_16(png);  // round(v * 255 / 65535), not v >> 8
    if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (png_get_bit_depth(png, info) != 8 || channels < 1 || channels > 4
        || row_bytes != (size_t)width * (size_t)channels) {
        fail(png, &context, KRILL_IMG_ERR_UNSUPPORTED, "unexpected pixel layout after conversion");
    }
    pixels = (uint8_t *)malloc(row_bytes * height);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (pixels == NULL || rows == NULL) {
        fail(png, &context, KRILL_IMG_ERR_NO_MEMORY, "out of memory");
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);  // reads to IEND: a file cut after its image data is truncated too

    convert_to_gray(pixels, (size_t)width * height, channels);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    *out_pixels = pixels;
    *out_width = width;
    *out_height = height;
    return KRILL_IMG_OK;
}

void krill_image_free(void *buffer) { free(buffer); }
