// The two recorders behind Recorder::open, and what they share.
#pragma once

#include <wskit/tool/record.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace wskit::detail {

std::unique_ptr<Recorder> make_ndjson_recorder(const RecordOptions& options);
std::unique_ptr<Recorder> make_har_recorder(const RecordOptions& options);

// The handshake as it may be written: secrets masked unless kept.
RecordedHandshake masked(const RecordedHandshake& handshake, bool keep_secrets);
// [{"name": ..., "value": ...}, ...], HAR's form of a header list.
nlohmann::ordered_json header_list(const std::vector<Header>& headers);

// Whether the client of the conversation sent the message or frame of `e`:
// a client's own outgoing ones, a server's incoming ones, and those that a
// proxy received from its client (a proxy's events are what it received on
// each leg: from the client, or from the server for the client).
bool sent_by_client(const Event& e, RecordRole role);

}  // namespace wskit::detail
