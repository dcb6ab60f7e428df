// Names unique per room across processes: a name is claimed with one
// atomic SET NX PX on PREFIX:name:ROOM KEY (KEY is chat::name_key(name), as
// names compare: look-alikes claimed by two processes collide), whose value
// is its owner (ORIGIN/CONN). The owner's
// process refreshes it with presence; a process that dies without a word
// loses its names when their TTL runs out, as its presence does. A leave
// or a rename deletes the key, only if it is still the owner's.
//
// When Redis is unreachable (degraded), a claim is granted at once: the
// hub has checked the rooms as this process knows them. Names given then
// are written to Redis when sharing resumes, unless another process has
// claimed them meanwhile: two processes can then, until one of the two
// clients leaves or renames, show the same name.
#include "chat/redis/bus.hpp"

#include "chat/redis/event_codec.hpp"

#include <wskit/chat/rules.hpp>

namespace wskit::redis {
namespace {

// KEYS[1] the name, ARGV[1] its owner.
const char* release_script =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
// KEYS the names, ARGV[1] the TTL in ms, ARGV[1 + i] the owner of KEYS[i]:
// each name is set again for its owner, unless someone else has it now.
const char* refresh_script =
    "for i, key in ipairs(KEYS) do "
    "local owner = redis.call('GET', key) "
    "if owner == false or owner == ARGV[i + 1] then redis.call('SET', key, ARGV[i + 1], 'PX', ARGV[1]) end "
    "end return 0";

}  // namespace

// A name's key has no white space (chat::name_key): the space after the
// room cannot be confused with one inside the key.
std::string RedisBus::name_key(const std::string& room, const std::string& name) const {
    return prefix_ + ":name:" + room + " " + chat::name_key(name);
}

void RedisBus::claim_name(const std::string& room, const std::string& name, const chat::Presence& owner,
                          ClaimDone done) {
    if (!sharing()) return done(true);
    auto id = next_claim_++;
    claims_[id] = std::move(done);
    bool sent = pub_.command({"SET", name_key(room, name), presence_field(owner.origin, owner.conn), "NX", "PX",
                              std::to_string(options_.presence_ttl.count())},
                             [this, id](const Reply& r) {
                                 auto it = claims_.find(id);
                                 if (it == claims_.end()) return;
                                 auto answer = std::move(it->second);
                                 claims_.erase(it);
                                 // nil: someone has it. An error (Redis out of
                                 // memory, say) is no reason to refuse a name.
                                 answer(r.type != Reply::Type::nil);
                             });
    if (!sent) grant_waiting_claims();
}

void RedisBus::release_name(const std::string& room, const std::string& name, const chat::Presence& owner) {
    if (!pub_.ready()) return;  // its TTL ends it
    pub_.command({"EVAL", release_script, "1", name_key(room, name), presence_field(owner.origin, owner.conn)});
}

// The names of this process's clients, for another presence_ttl.
void RedisBus::refresh_names() {
    for (const auto& [room, clients] : own_) {
        std::vector<std::string> keys, owners;
        for (const auto& [conn, name] : clients) {
            keys.push_back(name_key(room, name));
            owners.push_back(presence_field(node_, conn));
        }
        std::vector<std::string> argv{"EVAL", refresh_script, std::to_string(keys.size())};
        argv.insert(argv.end(), keys.begin(), keys.end());
        argv.push_back(std::to_string(options_.presence_ttl.count()));
        argv.insert(argv.end(), owners.begin(), owners.end());
        pub_.command(argv);
    }
}

void RedisBus::grant_waiting_claims() {
    auto waiting = std::move(claims_);
    claims_.clear();
    for (auto& [id, done] : waiting) done(true);
}

}  // namespace wskit::redis
