// The one main() of wskit_unit; every other tests/unit/*.cpp holds test cases.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
