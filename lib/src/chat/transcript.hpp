// The chat server's transcript on stdout: joins, leaves, renames, messages
// and drops, as human lines or one JSON object each (--json).
#pragma once

#include "chat/metrics.hpp"

#include <wskit/chat/bus.hpp>
#include <wskit/printer.hpp>
#include <wskit/tool/serve.hpp>

namespace wskit::chat {

class Transcript {
public:
    Transcript(ServeSession& session, const PrinterOptions& options) : session_(session), options_(options) {}

    // A room event; conn is the author's connection here (0: elsewhere).
    void record(const RoomEvent& e, ConnId conn);
    // Something about a client worth a line (a rate warning).
    void notice(ConnId conn, const std::string& room, const std::string& name, const std::string& text);
    void drop(ConnId conn, const std::string& room, const std::string& name, DropReason why, int code,
              const std::string& reason);

private:
    void human(ConnId conn, const std::string& room, std::string_view line);
    ServeSession& session_;
    PrinterOptions options_;
};

}  // namespace wskit::chat
