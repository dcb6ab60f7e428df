// Files written whole or not at all: the text goes to a temporary file next
// to the target, which is then renamed over it, so that a reader (or a
// crash) never finds half of it. Used by --record FILE.har and by bench's
// --series, --hdr and --report.
#pragma once

#include <string>
#include <string_view>

namespace wskit::detail {

// 0 on success, else the errno of what failed (the temporary file removed).
int write_whole_file(const std::string& path, std::string_view text, unsigned mode = 0644);

// Whether write_whole_file() could write there, asked before a long run
// rather than found out after it: 0, or the errno (EISDIR for a folder).
int check_whole_file(const std::string& path);

}  // namespace wskit::detail
