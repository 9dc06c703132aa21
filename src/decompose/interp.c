/* interp.c - instantiates interp_template.h for each dtype (zfp's pattern). */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "lines.h"
#include "predict.h"

#define T float
#define SFX f32
#include "interp_template.h"

#define T double
#define SFX f64
#include "interp_template.h"
