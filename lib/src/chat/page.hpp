// The browser page, built into the library from lib/share/chat/.
#pragma once

#include <optional>
#include <string_view>

namespace wskit::chat {

struct PageFile {
    std::string_view content_type;
    std::string_view body;
};

// The page's index.html, served for every room path.
PageFile page_index();
// Its other files, under /_chat/ ("/_chat/chat.js"); nullopt for others.
std::optional<PageFile> page_asset(std::string_view path);

}  // namespace wskit::chat
