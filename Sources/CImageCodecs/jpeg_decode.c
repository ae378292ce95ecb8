// JPEG -> 8-bit grey with libjpeg and a longjmp error manager
// (see krill_jpeg_decode_gray in image_codecs.h).
#include <stdio.h>  // before jpeglib.h, which uses FILE
#include <setjmp.h>
#include <stdlib.h>
#include <jpeglib.h>
#include <jerror.h>

#include "codec_common.h"

/// libjpeg's error manager extended with the jump target and the outcome.
/// `pub` must stay first: libjpeg hands callbacks a pointer to it.
typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    int status;
    char text[JMSG_LENGTH_MAX];
} jpeg_error_context;

/// Records libjpeg's current message with `status` and jumps back to the setjmp.
static void fail(j_common_ptr cinfo, int status) {
    jpeg_error_context *context = (jpeg_error_context *)cinfo->err;
    context->status = status;
    (*cinfo->err->format_message)(cinfo, context->text);
    longjmp(context->jump, 1);
}

/// error_exit replacement: libjpeg's default prints and calls exit().
static void error_exit(j_common_ptr cinfo) {
    int status;
    switch (cinfo->err->msg_code) {
    case JERR_NO_SOI: status = KRILL_IMG_ERR_FORMAT; break;
    case JERR_INPUT_EMPTY: status = KRILL_IMG_ERR_TRUNCATED; break;
    case JERR_OUT_OF_MEMORY: status = KRILL_IMG_ERR_NO_MEMORY; break;
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW: status = KRILL_IMG_ERR_TOO_LARGE; break;
    case JERR_CONVERSION_NOTIMPL:
    case JERR_BAD_PRECISION: status = KRILL_IMG_ERR_UNSUPPORTED; break;  // e.g. 12-bit samples
    default: status = KRILL_IMG_ERR_CORRUPT; break;
    }
    fail(cinfo, status);
}

/// emit_message replacement. Level -1 is a warning about the data: a premature end of
/// file (which libjpeg pads with grey) fails as truncated, damaged entropy-coded data as
/// corrupt; harmless warnings are only counted. Levels >= 0 are trace messages: dropped.
static void emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;
    switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
        fail(cinfo, KRILL_IMG_ERR_TRUNCATED);
        break;
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
        fail(cinfo, KRILL_IMG_ERR_CORRUPT);
        break;
    default:
        cinfo->err->num_warnings++;
        break;
    }
}

/// output_message replacement: never print to stderr.
static void output_nothing(j_common_ptr cinfo) { (void)cinfo; }

/// Zeroes `cinfo` and installs the error manager (call before jpeg_create_decompress).
static void install_errors(struct jpeg_decompress_struct *cinfo, jpeg_error_context *context) {
    memset(cinfo, 0, sizeof *cinfo);
    cinfo->err = jpeg_std_error(&context->pub);
    context->pub.error_exit = error_exit;
    context->pub.emit_message = emit_message;
    context->pub.output_message = output_nothing;
    context->status = KRILL_IMG_OK;
    context->text[0] = '\0';
}

/// True when the bytes start with a JPEG SOI marker followed by another marker.
static int has_jpeg_signature(const uint8_t *data, size_t size) {
    return size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;
}

int krill_jpeg_decode_gray(const uint8_t *data, size_t size,
                           uint8_t **out_pixels, uint32_t *out_width, uint32_t *out_height,
                           char *message, size_t message_capacity) {
    krill_set_message(message, message_capacity, "");
    if (out_pixels != NULL) *out_pixels = NULL;
    if (data == NULL || out_pixels == NULL || out_width == NULL || out_height == NULL) {
        krill_set_message(message, message_capacity, "invalid argument");
        return KRILL_IMG_ERR_ARGUMENT;
    }
    if (!has_jpeg_signature(data, size)) {
        krill_set_message(message, message_capacity, "not a JPEG file (no SOI marker)");
        return KRILL_IMG_ERR_FORMAT;
    }

    struct jpeg_decompress_struct cinfo;
    jpeg_error_context errors;
    install_errors(&cinfo, &errors);
    uint8_t *volatile pixels = NULL;  // assigned after setjmp, freed after a longjmp
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        krill_set_message(message, message_capacity, errors.text);
        return errors.status;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        jpeg_destroy_decompress(&cinfo);
        krill_set_message(message, message_capacity,
                          "CMYK JPEG images cannot be converted to grey");
        return KRILL_IMG_ERR_UNSUPPORTED;
    }
    if (!krill_size_ok(cinfo.image_width, cinfo.image_height)) {
        char text[KRILL_MESSAGE_LENGTH];
        snprintf(text, sizeof text, "%ux%u pixels exceeds the limit",
                 (unsigned)cinfo.image_width, (unsigned)cinfo.image_height);
        jpeg_destroy_decompress(&cinfo);
        krill_set_message(message, message_capacity, text);
        return KRILL_IMG_ERR_TOO_LARGE;
    }
    cinfo.out_color_space = JCS_GRAYSCALE;  // Y of YCbCr; 0.299 R + 0.587 G + 0.114 B of RGB
    jpeg_start_decompress(&cinfo);
    uint32_t width = cinfo.output_width;
    uint32_t height = cinfo.output_height;
    if (cinfo.output_components != 1 || !krill_size_ok(width, height)) {
        jpeg_destroy_decompress(&cinfo);
        krill_set_message(message, message_capacity, "unexpected output layout");
        return KRILL_IMG_ERR_UNSUPPORTED;
    }
    pixels = (uint8_t *)malloc((size_t)width * height);
    if (pixels == NULL) {
        jpeg_destroy_decompress(&cinfo);
        krill_set_message(message, message_capacity, "out of memory");
        return KRILL_IMG_ERR_NO_MEMORY;
    }
    while (cinfo.output_scanline < height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * width;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) {  // cannot suspend on a memory source
            jpeg_destroy_decompress(&cinfo);
            free(pixels);
            krill_set_message(message, message_capacity, "decoder returned no scanline");
            return KRILL_IMG_ERR_CORRUPT;
        }
    }
    jpeg_finish_decompress(&cinfo);  // reads to EOI: a file cut after its scan is truncated too
    jpeg_destroy_decompress(&cinfo);
    *out_pixels = pixels;
    *out_width = width;
    *out_height = height;
    return KRILL_IMG_OK;
}

int krill_jpeg_read_size(const uint8_t *data, size_t size, uint32_t *out_width,
                         uint32_t *out_height, char *message, size_t message_capacity) {
    if (!has_jpeg_signature(data, size)) {
        krill_set_message(message, message_capacity, "not a JPEG file (no SOI marker)");
        return KRILL_IMG_ERR_FORMAT;
    }
    struct jpeg_decompress_struct cinfo;
    jpeg_error_context errors;
    install_errors(&cinfo, &errors);
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&cinfo);
        krill_set_message(message, message_capacity, errors.text);
        return errors.status;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    *out_width = cinfo.image_width;
    *out_height = cinfo.image_height;
    jpeg_destroy_decompress(&cinfo);
    return KRILL_IMG_OK;
}
