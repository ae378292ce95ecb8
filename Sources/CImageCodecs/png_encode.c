// 8-bit grey or RGBA -> PNG bytes in memory (see krill_png_encode in image_codecs.h).
#include <setjmp.h>
#include <stdlib.h>
#include <png.h>

#include "codec_common.h"

/// The growable output buffer and the error outcome, reached by libpng's callbacks.
typedef struct {
    uint8_t *bytes;
    size_t size;
    size_t capacity;
    int status;
    char text[KRILL_MESSAGE_LENGTH];
} png_write_context;

/// libpng error callback: record the message and jump back to the encoder's setjmp.
static void write_error(png_structp png, png_const_charp text) {
    png_write_context *context = (png_write_context *)png_get_error_ptr(png);
    krill_set_message(context->text, sizeof context->text, text);
    if (context->status == KRILL_IMG_OK) context->status = KRILL_IMG_ERR_ARGUMENT;
    png_longjmp(png, 1);
}

static void ignore_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

/// libpng write callback: append to the malloc buffer, doubling its capacity as needed.
static void append_bytes(png_structp png, png_bytep data, size_t length) {
    png_write_context *context = (png_write_context *)png_get_io_ptr(png);
    if (length > context->capacity - context->size) {
        size_t needed = context->size + length;
        size_t capacity = context->capacity > 0 ? context->capacity : 1024;
        while (capacity < needed && capacity <= SIZE_MAX / 2) capacity *= 2;
        uint8_t *grown = capacity >= needed ? (uint8_t *)realloc(context->bytes, capacity) : NULL;
        if (grown == NULL) {
            context->status = KRILL_IMG_ERR_NO_MEMORY;
            png_error(png, "out of memory");
        }
        context->bytes = grown;
        context->capacity = capacity;
    }
    memcpy(context->bytes + context->size, data, length);
    context->size += length;
}

static void flush_nothing(png_structp png) { (void)png; }

int krill_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                     uint8_t **out_bytes, size_t *out_size,
                     char *message, size_t message_capacity) {
    krill_set_message(message, message_capacity, "");
    if (out_bytes != NULL) *out_bytes = NULL;
    if (out_size != NULL) *out_size = 0;
    if (pixels == NULL || out_bytes == NULL || out_size == NULL || (channels != 1 && channels != 4)) {
        krill_set_message(message, message_capacity, "invalid argument");
        return KRILL_IMG_ERR_ARGUMENT;
    }
    if (!krill_size_ok(width, height)) {
        krill_set_message(message, message_capacity, "image size out of range");
        return width == 0 || height == 0 ? KRILL_IMG_ERR_ARGUMENT : KRILL_IMG_ERR_TOO_LARGE;
    }

    png_write_context context = {NULL, 0, 0, KRILL_IMG_OK, ""};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, write_error,
                                              ignore_warning);
    if (png == NULL) {
        krill_set_message(message, message_capacity, "out of memory");
        return KRILL_IMG_ERR_NO_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        krill_set_message(message, message_capacity, "out of memory");
        return KRILL_IMG_ERR_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(context.bytes);
        png_destroy_write_struct(&png, &info);
        krill_set_message(message, message_capacity, context.text);
        return context.status;
    }

    png_set_write_fn(png, &context, append_bytes, flush_nothing);
    png_set_IHDR(png, info, width, height, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB_ALPHA,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    // Fixed settings: the same pixels always give the same bytes.
    png_set_compression_level(png, 6);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_ALL_FILTERS);
    png_write_info(png, info);
    size_t stride = (size_t)width * (size_t)channels;
    for (uint32_t y = 0; y < height; y++) png_write_row(png, pixels + (size_t)y * stride);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);

    *out_bytes = context.bytes;
    *out_size = context.size;
    return KRILL_IMG_OK;
}
