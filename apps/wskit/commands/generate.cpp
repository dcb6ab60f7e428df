// wskit generate (hidden): renders the man pages and shell completions from
// the CLI definition. Filled in by the docs generator.
#include "commands.hpp"

namespace wskit::cli {

void register_generate(CLI::App&, Context&) {}

}  // namespace wskit::cli
