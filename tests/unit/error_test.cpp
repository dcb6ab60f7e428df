#include "support.hpp"

#include <wskit/error.hpp>

#include <set>
#include <string>
#include <vector>

using wskit::ExitCode;
using wskit::to_int;

TEST_CASE("exit_code_table: every documented code, in numeric order", "[error]") {
    const auto& table = wskit::exit_code_table();
    std::vector<int> codes;
    for (const auto& row : table) codes.push_back(to_int(row.code));
    CHECK(codes == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 130, 143});

    std::set<std::string> names;
    for (const auto& row : table) {
        REQUIRE(row.name != nullptr);
        REQUIRE(row.meaning != nullptr);
        CHECK(std::string(row.name).size() > 0);
        CHECK(std::string(row.meaning).size() > 0);
        CHECK(std::string(row.meaning).find('\n') == std::string::npos);
        names.insert(row.name);
    }
    CHECK(names.size() == table.size());
}

TEST_CASE("exit codes have the values SPEC section 1 gives them", "[error]") {
    CHECK(to_int(ExitCode::ok) == 0);
    CHECK(to_int(ExitCode::runtime) == 1);
    CHECK(to_int(ExitCode::usage) == 2);
    CHECK(to_int(ExitCode::connect) == 3);
    CHECK(to_int(ExitCode::tls) == 4);
    CHECK(to_int(ExitCode::handshake) == 5);
    CHECK(to_int(ExitCode::abnormal_close) == 6);
    CHECK(to_int(ExitCode::timeout) == 7);
    CHECK(to_int(ExitCode::interrupted) == 130);
    CHECK(to_int(ExitCode::terminated) == 143);
}

TEST_CASE("exit_code_for_close: 1000 and 1001 are normal, anything else is not", "[error]") {
    CHECK(wskit::exit_code_for_close(1000) == ExitCode::ok);
    CHECK(wskit::exit_code_for_close(1001) == ExitCode::ok);
    for (int code : {0, 999, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1011, 1015, 3000, 4000, 4999}) {
        INFO("close code " << code);
        CHECK(wskit::exit_code_for_close(code) == ExitCode::abnormal_close);
    }
}

TEST_CASE("Error carries its exit code and message", "[error]") {
    try {
        throw wskit::Error(ExitCode::tls, "certificate has expired");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()) == "certificate has expired");
        auto* error = dynamic_cast<const wskit::Error*>(&e);
        REQUIRE(error != nullptr);
        CHECK(error->code() == ExitCode::tls);
    }
}

TEST_CASE("close_code_problem: only 1000-1003, 1007-1014 and 3000-4999 may be sent", "[error]") {
    for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000,
                     4999}) {
        INFO("close code " << code);
        CHECK(wskit::close_code_problem(code).empty());
    }
    for (int code : {-1, 0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535, 100000}) {
        INFO("close code " << code);
        auto problem = wskit::close_code_problem(code);
        CHECK_FALSE(problem.empty());
        CHECK(problem.rfind(std::to_string(code), 0) == 0);  // it names the code first
        CHECK(problem.find('\n') == std::string::npos);
    }
    CHECK(wskit::close_code_problem(1006).find("never sent") != std::string::npos);
    CHECK(wskit::close_code_problem(1004).find("reserved") != std::string::npos);
    CHECK(std::string(wskit::sendable_close_codes()) == "1000-1003, 1007-1014 or 3000-4999");
}
