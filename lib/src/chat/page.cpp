#include "chat/page.hpp"

#include <string>
#include <utility>

namespace wskit::chat {

// From the file cmake/EmbedFiles.cmake generates.
extern const std::pair<std::string_view, std::string_view> embedded_files[];
extern const std::size_t embedded_file_count;

namespace {

std::string_view content_type(std::string_view name) {
    auto ends = [&](std::string_view ext) {
        return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
    };
    if (ends(".html")) return "text/html; charset=utf-8";
    if (ends(".css")) return "text/css; charset=utf-8";
    if (ends(".js")) return "text/javascript; charset=utf-8";
    return "application/octet-stream";
}

std::optional<PageFile> find(std::string_view name) {
    for (std::size_t i = 0; i < embedded_file_count; ++i)
        if (embedded_files[i].first == name) return PageFile{content_type(name), embedded_files[i].second};
    return std::nullopt;
}

}  // namespace

PageFile page_index() { return *find("index.html"); }

std::optional<PageFile> page_asset(std::string_view path) {
    constexpr std::string_view prefix = "/_chat/";
    if (path.substr(0, prefix.size()) != prefix) return std::nullopt;
    auto name = path.substr(prefix.size());
    if (name == "index.html") return std::nullopt;
    return find(name);
}

}  // namespace wskit::chat
