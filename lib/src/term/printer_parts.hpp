// What the printers of printer.cpp, printer_human.cpp and printer_json.cpp
// share: the names of events, and how make_printer reaches each format.
#pragma once

#include <wskit/printer.hpp>

#include <memory>

namespace wskit::detail {

// "message", "ping", "close"...: JSON's "event" field, and the [ping] of
// human output.
const char* event_name(EventType type);

std::unique_ptr<Printer> make_human_printer(const PrinterOptions& options, Sink& out);
std::unique_ptr<Printer> make_json_printer(Sink& out);

}  // namespace wskit::detail
