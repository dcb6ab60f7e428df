#include "commands.hpp"

#include <wskit/version.hpp>

namespace wskit::cli {

void build_app(CLI::App& app, Context& ctx) {
    app.require_subcommand(1);
    app.set_version_flag("-V,--version", std::string("wskit ") + wskit::version() + "\n" +
                                             wskit::dependency_versions());
    // In the order of wskit(1) and --help: clients, servers, tools.
    register_connect(app, ctx);
    register_listen(app, ctx);
    register_echo(app, ctx);
    register_broadcast_chat(app, ctx);
    register_proxy(app, ctx);
    register_replay(app, ctx);
    register_run(app, ctx);
    register_handshake_inspect(app, ctx);
    register_bench(app, ctx);
    register_generate(app, ctx);
}

}  // namespace wskit::cli
