#ifndef CREATIVE_CESPEAK_SHIM_H
#define CREATIVE_CESPEAK_SHIM_H
// eSpeak NG (Debian's libespeak-ng-dev): the built-in offline speech provider.
#include <espeak-ng/speak_lib.h>
#endif
