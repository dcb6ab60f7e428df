// Man pages in roff (man(7) macros), rendered from the documentation model
// and the templates in man_templates.cpp.
#pragma once

#include "model.hpp"

#include <string>

namespace wskit::cli::docs {

// wskit(1): the command list, the shared conventions, JSON output, exit status.
std::string render_root_man(const CommandModel& root);

// wskit-NAME(1) for one of root.commands, wskit-NAME-SUB(1) for a command
// below one (any of all_commands(root)).
std::string render_command_man(const CommandModel& root, const CommandModel& cmd);

extern const char* const root_man_template;
extern const char* const command_man_template;

}  // namespace wskit::cli::docs
