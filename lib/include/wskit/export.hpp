// Symbol visibility: the library is built with hidden visibility, and only
// what carries WSKIT_API is part of its ABI.
#pragma once

#if defined(WSKIT_BUILDING_LIBRARY)
#define WSKIT_API __attribute__((visibility("default")))
#else
#define WSKIT_API
#endif
