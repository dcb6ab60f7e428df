// The upgrades a server holds for Server::Handlers::on_upgrade (hook 36 in
// net/wspp/README.md), from the moment their head is in until they open or
// fail: which are held, the answer each got, and which were accepted and
// are still opening.
#pragma once

#include <wskit/server.hpp>

#include <functional>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace wskit::detail {

template <class Connection>
class HeldUpgrades {
public:
    // The request type's hook: called when the head is in, returns whether
    // to hold the upgrade.
    static void on_head(Connection& con, std::function<bool()> decide) {
        request(con).hold_when_ready = std::move(decide);
    }

    // A head is in under `id`: held until answer(), or with the server's own
    // refusal, which then goes out at once (not held).
    void add(ConnId id, Connection& con, std::optional<HttpResponse> refusal) {
        con.wskit_id = id;
        auto& held = held_.try_emplace(id, Held{&con, std::nullopt}).first->second;
        if (refusal) held.answer = UpgradeAnswer{std::move(refusal), {}, {}};
        else con.hold_reads();
    }

    // Releases the request with its answer: websocketpp then processes it
    // (and the validate handler calls take()). False for an unknown id or
    // one answered already.
    bool answer(ConnId id, UpgradeAnswer answer) {
        auto it = held_.find(id);
        if (it == held_.end() || it->second.answer) return false;
        it->second.answer = std::move(answer);
        request(*it->second.con).release();
        it->second.con->deliver_empty_read();
        return true;
    }

    // In the validate handler: the answer of a connection that was held
    // (nullopt for any other: websocketpp goes on only once one is given);
    // an accepted one is then opening.
    std::optional<UpgradeAnswer> take(Connection& con) {
        auto it = find(con);
        if (it == held_.end()) return std::nullopt;
        auto answer = std::move(it->second.answer);
        held_.erase(it);
        if (answer && !answer->refusal) opening_.insert(&con);
        return answer;
    }

    void opened(Connection& con) { opening_.erase(&con); }

    // A connection failed: whether it was one the owner was told of and
    // has not seen open (held, or accepted and opening).
    bool failed(Connection& con) {
        bool was_opening = opening_.erase(&con) > 0;
        auto it = find(con);
        bool was_held = it != held_.end();
        if (was_held) held_.erase(it);
        return was_opening || was_held;
    }

    // The ids still waiting for an answer (a shutdown refuses them).
    std::vector<ConnId> unanswered() const {
        std::vector<ConnId> ids;
        for (const auto& [id, held] : held_)
            if (!held.answer) ids.push_back(id);
        return ids;
    }
    bool empty() const { return held_.empty(); }

private:
    struct Held {
        Connection* con;
        std::optional<UpgradeAnswer> answer;  // set once answered (or refused by the server itself)
    };

    // The entry of `con`, if it was held (an id names a connection only
    // while it is).
    auto find(const Connection& con) {
        auto it = held_.find(con.wskit_id);
        return it != held_.end() && it->second.con == &con ? it : held_.end();
    }

    static typename Connection::request_type& request(Connection& con) {
        return const_cast<typename Connection::request_type&>(con.get_request());
    }

    std::unordered_map<ConnId, Held> held_;
    std::unordered_set<const Connection*> opening_;
};

}  // namespace wskit::detail
