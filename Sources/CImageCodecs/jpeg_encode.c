// 8-bit grey -> baseline JPEG in memory with libjpeg (see krill_jpeg_encode_gray in
// image_codecs.h), with the same longjmp error discipline as the decoder.
#include <stdio.h>  // before jpeglib.h, which uses FILE
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

#include "codec_common.h"

typedef struct {
    struct jpeg_error_mgr pub;  // first: libjpeg hands callbacks a pointer to it
    jmp_buf jump;
    char text[JMSG_LENGTH_MAX];
} encode_error_context;

static void encode_error_exit(j_common_ptr cinfo) {
    encode_error_context *context = (encode_error_context *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, context->text);
    longjmp(context->jump, 1);
}

static void encode_output_nothing(j_common_ptr cinfo) { (void)cinfo; }

int krill_jpeg_encode_gray(const uint8_t *pixels, uint32_t width, uint32_t height, int quality,
                           uint8_t **out_bytes, size_t *out_size,
                           char *message, size_t message_capacity) {
    if (out_bytes) *out_bytes = NULL;
    if (out_size) *out_size = 0;
    krill_set_message(message, message_capacity, "");
    if (!pixels || !out_bytes || !out_size || width == 0 || height == 0 || quality < 1 || quality > 100) {
        krill_set_message(message, message_capacity, "invalid argument");
        return KRILL_IMG_ERR_ARGUMENT;
    }
    if (width > KRILL_IMG_MAX_SIDE || height > KRILL_IMG_MAX_SIDE) {
        krill_set_message(message, message_capacity, "image too large");
        return KRILL_IMG_ERR_TOO_LARGE;
    }
    struct jpeg_compress_struct cinfo;
    encode_error_context context;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&context.pub);
    context.pub.error_exit = encode_error_exit;
    context.pub.output_message = encode_output_nothing;
    context.text[0] = '\0';
    // volatile: read after a longjmp.
    unsigned char *volatile buffer = NULL;
    unsigned long volatile size = 0;
    if (setjmp(context.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        krill_set_message(message, message_capacity, context.text);
        return KRILL_IMG_ERR_CORRUPT;
    }
    jpeg_create_compress(&cinfo);
    unsigned char *mem = NULL;
    unsigned long mem_size = 0;
    jpeg_mem_dest(&cinfo, &mem, &mem_size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = 1;
    cinfo.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * width);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    buffer = mem;
    size = mem_size;
    jpeg_destroy_compress(&cinfo);
    // libjpeg's buffer is malloc'ed: the caller frees it with krill_image_free.
    *out_bytes = buffer;
    *out_size = size;
    return KRILL_IMG_OK;
}
