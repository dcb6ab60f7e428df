// Where a Redis server is, from a redis:// URL. Pure: tested without one.
#pragma once

#include <wskit/export.hpp>

#include <string>
#include <string_view>

namespace wskit::redis {

struct RedisUrl {
    std::string host;
    int port = 6379;
    std::string password;  // empty: no AUTH
    int db = 0;            // SELECTed after connecting when not 0
    bool tls = false;      // rediss://
};

// redis://[:PASSWORD@]HOST[:PORT][/DB] (also rediss://, and [::1] for IPv6
// hosts); a bad URL throws Error(usage) saying what is wrong with it.
WSKIT_API RedisUrl parse_redis_url(std::string_view url);

// Whether the hiredis wskit is built with can speak TLS to Redis.
WSKIT_API bool redis_tls_supported();

}  // namespace wskit::redis
