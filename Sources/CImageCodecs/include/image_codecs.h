// Placeholder: the PNG/JPEG shim (setjmp-based error handling) lands with Imaging.
#ifndef KRILL_IMAGE_CODECS_H
#define KRILL_IMAGE_CODECS_H
int krill_image_codecs_version(void);
#endif
