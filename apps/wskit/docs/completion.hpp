// Shell completions rendered from the documentation model: every visible
// command and alias, every option name, file completion for file values and
// the choice lists of choice values.
#pragma once

#include "model.hpp"

#include <string>

namespace wskit::cli::docs {

std::string render_bash_completion(const CommandModel& root);  // completions/wskit.bash
std::string render_zsh_completion(const CommandModel& root);   // completions/_wskit
std::string render_fish_completion(const CommandModel& root);  // completions/wskit.fish

}  // namespace wskit::cli::docs
