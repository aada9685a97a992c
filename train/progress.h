// Moved to core/progress.h (the tools share it); this forwarding header goes once train/ includes that.
#pragma once
#include "core/progress.h"
