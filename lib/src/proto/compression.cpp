// permessage-deflate negotiation (RFC 7692 5 and 7.1): offers, the server's
// choice and the client's check of the answer.
#include <wskit/compression.hpp>
#include <wskit/encoding.hpp>
#include <wskit/error.hpp>

#include <fmt/format.h>

namespace wskit {
namespace {

constexpr std::string_view extension_name = "permessage-deflate";

// What one permessage-deflate element says, before it is judged as an offer
// or an answer: an offer's fields, client_max_window_bits set only when the
// element holds it.
struct DeflateElement : DeflateOffer {
    DeflateElement() { client_max_window_bits = false; }
};

// RFC 7692 7.1.2.1: 8 to 15 in decimal, no leading zero.
std::optional<int> window_bits(const std::string& text) {
    if (text.empty() || text.size() > 2 || text[0] == '0') return std::nullopt;
    for (char c : text)
        if (c < '0' || c > '9') return std::nullopt;
    int bits = std::stoi(text);
    if (bits < min_window_bits || bits > max_window_bits) return std::nullopt;
    return bits;
}

// Reads one element's parameters; returns what is wrong with them, or "".
// In a response client_max_window_bits needs a value (7.1.2.2).
std::string read_element(const std::vector<ExtensionParam>& params, bool response, DeflateElement& out) {
    std::vector<std::string> seen;
    for (const auto& p : params) {
        for (const auto& s : seen)
            if (s == p.name) return fmt::format("parameter {} appears twice", escape_controls(p.name));
        seen.push_back(p.name);
        auto flag = [&](bool& field) -> std::string {
            if (p.value) return fmt::format("{} takes no value", p.name);
            field = true;
            return {};
        };
        auto bits = [&]() -> std::string {
            if (!window_bits(*p.value))
                return fmt::format("{}={} is not a window size (8 to 15)", p.name, escape_controls(*p.value));
            return {};
        };
        std::string problem;
        if (p.name == "server_no_context_takeover") {
            problem = flag(out.server_no_context_takeover);
        } else if (p.name == "client_no_context_takeover") {
            problem = flag(out.client_no_context_takeover);
        } else if (p.name == "server_max_window_bits") {
            if (!p.value) return "server_max_window_bits needs a value";
            if ((problem = bits()).empty()) out.server_max_window_bits = window_bits(*p.value);
        } else if (p.name == "client_max_window_bits") {
            out.client_max_window_bits = true;
            if (!p.value && response) return "client_max_window_bits needs a value in an answer";
            if (p.value && (problem = bits()).empty()) out.client_max_window_bits_value = window_bits(*p.value);
        } else {
            return fmt::format("unknown parameter {}", escape_controls(p.name));
        }
        if (!problem.empty()) return problem;
    }
    return {};
}

DeflateParams params_of(const DeflateElement& e) {
    DeflateParams p;
    p.server_no_context_takeover = e.server_no_context_takeover;
    p.client_no_context_takeover = e.client_no_context_takeover;
    p.server_max_window_bits = e.server_max_window_bits.value_or(max_window_bits);
    p.client_max_window_bits = e.client_max_window_bits_value.value_or(max_window_bits);
    return p;
}

// The server's answer must stay within the offer (7.1.1, 7.1.2).
std::string exceeds_offer(const DeflateOffer& offer, const DeflateElement& answer) {
    if (offer.server_max_window_bits) {
        if (!answer.server_max_window_bits)
            return fmt::format("it leaves out server_max_window_bits, offered as {}", *offer.server_max_window_bits);
        if (*answer.server_max_window_bits > *offer.server_max_window_bits)
            return fmt::format("server_max_window_bits={} is above the {} offered", *answer.server_max_window_bits,
                               *offer.server_max_window_bits);
    }
    if (answer.client_max_window_bits) {
        if (!offer.client_max_window_bits) return "it sets client_max_window_bits, which was not offered";
        if (offer.client_max_window_bits_value &&
            *answer.client_max_window_bits_value > *offer.client_max_window_bits_value)
            return fmt::format("client_max_window_bits={} is above the {} offered",
                               *answer.client_max_window_bits_value, *offer.client_max_window_bits_value);
    }
    return {};
}

}  // namespace

std::string format_offer(const DeflateOffer& offer) {
    std::string out(extension_name);
    if (offer.server_no_context_takeover) out += "; server_no_context_takeover";
    if (offer.client_no_context_takeover) out += "; client_no_context_takeover";
    if (offer.server_max_window_bits) out += fmt::format("; server_max_window_bits={}", *offer.server_max_window_bits);
    if (offer.client_max_window_bits) {
        out += "; client_max_window_bits";
        if (offer.client_max_window_bits_value) out += fmt::format("={}", *offer.client_max_window_bits_value);
    }
    return out;
}

DeflateOffer parse_compress_option(std::string_view text) {
    std::string params(extension_name);
    for (char c : text) params += c == ',' ? ';' : c;
    if (!text.empty()) params.insert(extension_name.size(), ";");
    auto elements = parse_extensions(params);
    if (!elements || elements->size() != 1)
        throw Error(ExitCode::usage, fmt::format("--compress={}: expected RFC 7692 parameters separated by commas, "
                                                 "like server_no_context_takeover,client_max_window_bits=10",
                                                 escape_controls(text)));
    DeflateElement e;
    auto problem = read_element(elements->front().params, false, e);
    if (!problem.empty())
        throw Error(ExitCode::usage, fmt::format("--compress={}: {} (see 'wskit connect --help')", escape_controls(text), problem));
    DeflateOffer offer = e;
    // Always offered: a client that can honour a window limit lets the
    // server save memory, and says nothing about its own compressor.
    offer.client_max_window_bits = true;
    return offer;
}

std::optional<DeflateParams> choose_deflate(std::string_view extensions, const DeflatePolicy& policy) {
    auto elements = parse_extensions(extensions);
    if (!elements) return std::nullopt;
    for (const auto& element : *elements) {
        if (element.name != extension_name) continue;
        DeflateElement offer;
        if (!read_element(element.params, false, offer).empty()) continue;  // decline it, try the next
        if (offer.server_max_window_bits == min_window_bits) continue;      // cannot be met: see the header
        DeflateParams p = params_of(offer);
        p.server_no_context_takeover = offer.server_no_context_takeover || policy.server_no_context_takeover;
        return p;
    }
    return std::nullopt;
}

std::string format_response(const DeflateParams& p) {
    std::string out(extension_name);
    if (p.server_no_context_takeover) out += "; server_no_context_takeover";
    if (p.client_no_context_takeover) out += "; client_no_context_takeover";
    if (p.server_max_window_bits < max_window_bits)
        out += fmt::format("; server_max_window_bits={}", p.server_max_window_bits);
    if (p.client_max_window_bits < max_window_bits)
        out += fmt::format("; client_max_window_bits={}", p.client_max_window_bits);
    return out;
}

DeflateAnswer check_deflate_answer(const DeflateOffer& offer, std::string_view extensions) {
    DeflateAnswer answer;
    auto elements = parse_extensions(extensions);
    if (!elements) {
        answer.problem = fmt::format("the server's Sec-WebSocket-Extensions '{}' does not parse", escape_controls(extensions));
        return answer;
    }
    for (const auto& element : *elements) {
        if (element.name != extension_name) {
            answer.problem = fmt::format("the server enabled extension '{}', which was not offered", escape_controls(element.name));
            return answer;
        }
        if (answer.params) {
            answer.params.reset();
            answer.problem = "the server accepted permessage-deflate twice";
            return answer;
        }
        DeflateElement e;
        auto problem = read_element(element.params, true, e);
        if (problem.empty()) problem = exceeds_offer(offer, e);
        if (!problem.empty()) {
            answer.problem = "the server's permessage-deflate answer is invalid: " + problem;
            return answer;
        }
        answer.params = params_of(e);
    }
    return answer;
}

std::optional<DeflateParams> read_deflate_response(std::string_view extensions) {
    DeflateOffer anything;
    return check_deflate_answer(anything, extensions).params;
}

std::string describe(const DeflateParams& p) {
    return fmt::format("permessage-deflate: server {}context takeover, window 2^{}; client {}context takeover, window 2^{}",
                       p.server_no_context_takeover ? "no " : "", p.server_max_window_bits,
                       p.client_no_context_takeover ? "no " : "", p.client_max_window_bits);
}

}  // namespace wskit
