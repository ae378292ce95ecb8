#include "image_codecs.h"
int krill_image_codecs_version(void) { return 1; }
