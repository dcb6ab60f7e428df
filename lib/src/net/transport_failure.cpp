#include "net/transport_failure.hpp"

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <cerrno>

namespace wskit::detail {

FailureCause transport_failure_cause(const std::error_code& ec) {
    namespace err = asio::error;
    if (ec == err::host_not_found || ec == err::host_not_found_try_again || ec == err::no_data)
        return FailureCause::host_not_found;
    if (ec == err::connection_refused) return FailureCause::refused;
    if (ec == err::host_unreachable || ec == err::network_unreachable) return FailureCause::unreachable;
    if (ec == err::timed_out) return FailureCause::timed_out;
    if (ec == err::eof || ec == err::connection_reset || ec == err::broken_pipe || ec == asio::ssl::error::stream_truncated)
        return FailureCause::closed;
    if (ec == err::no_descriptors || ec == std::errc::too_many_files_open_in_system) return FailureCause::no_descriptors;
    if (ec.category() == err::get_ssl_category()) return FailureCause::tls_protocol;
    return FailureCause::other;
}

}  // namespace wskit::detail
