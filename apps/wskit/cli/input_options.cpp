// How standard input is cut into messages and decoded (-0, --binary...).
#include "cli.hpp"

namespace wskit::cli {

void add_input_options(Context& ctx, CLI::App& app, InputFlags& f) {
    auto* null = add_flag(ctx, app, "-0,--null", f.null,
                          "Messages end with NUL instead of a newline, in the input and in raw output",
                          "Messages end with a NUL byte instead of a newline, both ways: the input is split at each "
                          "NUL, and raw output ends every message received, text or binary, with a NUL (where it "
                          "ends a text message with a newline and a binary one with nothing otherwise). Messages "
                          "that hold newlines, or binary ones, then stay apart, as with find -print0 | xargs -0; "
                          "with --binary, what comes back from an echo server is the input, byte for byte.");
    auto* para = add_flag(ctx, app, "--paragraph", f.paragraph,
                          "Input messages are separated by blank lines (paste pretty-printed JSON)");
    auto* whole = add_flag(ctx, app, "--whole", f.whole, "Send all of stdin as one message");
    null->excludes(para)->excludes(whole);
    para->excludes(whole);
    auto* bin = add_flag(ctx, app, "--binary", f.binary, "Send input as binary frames");
    auto* hex = add_flag(ctx, app, "--hex", f.hex, "Decode each input message from hex; send binary");
    auto* b64 = add_flag(ctx, app, "--base64", f.base64, "Decode each input message from base64; send binary");
    bin->excludes(hex)->excludes(b64);
    hex->excludes(b64);
    add_flag(ctx, app, "--slash", f.slash, "Run slash commands (/ping, /close...) in piped input too",
             "Interpret lines starting with / as slash commands when stdin is not a terminal, as the interactive "
             "mode does: /ping [data], /pong [data], /close [code [reason]], /bin HEX, /quit, /help; //x sends /x. "
             "connect sends any other line starting with / to the server as typed (a chat's /nick).");
}

InputFraming InputFlags::framing() const {
    if (null) return InputFraming::null;
    if (paragraph) return InputFraming::paragraph;
    if (whole) return InputFraming::whole;
    return InputFraming::lines;
}

InputEncoding InputFlags::encoding() const {
    if (hex) return InputEncoding::hex;
    if (base64) return InputEncoding::base64;
    if (binary) return InputEncoding::binary;
    return InputEncoding::text;
}

}  // namespace wskit::cli
