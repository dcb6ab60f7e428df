// The server's messages, lent from a pool of its endpoint and given back
// when their last holder lets go.
// Part of the websocketpp layer: included through wspp.hpp only.
#pragma once

#include "net/wspp/messages.hpp"

#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace wskit::detail {

// Every message websocketpp reads or sends was three allocations (the
// message, its shared_ptr's control block, its payload) freed a moment later
// (an echo answers with the message it read): with thousands in flight they
// overflowed malloc's per-size caches, and its slow paths were a fifth of a
// small-message echo's instructions. Here a message given back is kept with
// its payload's capacity (up to max_kept_capacity), and its control block
// too, for the next one. A pool serves one endpoint, on its loop's thread
// (messages, and the Server::Frames that hold them, are released there);
// once the endpoint is gone (release()), it frees what it keeps, and itself
// when the last message lent comes back.
class ServerMessagePool {
public:
    ServerMessagePool() = default;
    ServerMessagePool(const ServerMessagePool&) = delete;
    ServerMessagePool& operator=(const ServerMessagePool&) = delete;

    // A message as websocketpp's message manager makes one: opcode `op`,
    // room for `size` payload bytes.
    std::shared_ptr<ServerMessage> take(websocketpp::frame::opcode::value op, std::size_t size) {
        std::unique_ptr<ServerMessage> message;
        if (messages_.empty()) {
            message = std::make_unique<ServerMessage>(nullptr, op, size);
        } else {
            message = std::move(messages_.back());
            messages_.pop_back();
            kept_bytes_ -= message->get_payload().capacity();
            reset(*message, op, size);
        }
        return std::shared_ptr<ServerMessage>(message.release(), GiveBack{this}, BlockAllocator<ServerMessage>{this});
    }

    // The endpoint is gone (see the class comment).
    static void release(ServerMessagePool* pool) {
        pool->released_ = true;
        pool->messages_.clear();
        for (void* block : pool->blocks_) ::operator delete(block);
        pool->blocks_.clear();
        pool->delete_if_done();
    }

private:
    // Up to what was in flight at once (an echo under load: every
    // connection's window), within bounds: memory that was in use anyway, as
    // malloc would have kept it.
    static constexpr std::size_t max_spare = 16384;
    static constexpr std::size_t max_kept_capacity = 4096;     // a payload's
    static constexpr std::size_t max_kept_bytes = 8u << 20;  // all payloads'

    struct GiveBack {
        ServerMessagePool* pool;
        void operator()(ServerMessage* message) const { pool->give_back(message); }
    };

    // Control blocks: all of one type, so of one size.
    template <class T>
    struct BlockAllocator {
        using value_type = T;
        explicit BlockAllocator(ServerMessagePool* p) : pool(p) {}
        template <class U>
        BlockAllocator(const BlockAllocator<U>& other) : pool(other.pool) {}
        T* allocate(std::size_t n) { return static_cast<T*>(pool->take_block(n * sizeof(T))); }
        void deallocate(T* p, std::size_t n) { pool->give_back_block(p, n * sizeof(T)); }
        bool operator==(const BlockAllocator& other) const { return pool == other.pool; }
        bool operator!=(const BlockAllocator& other) const { return pool != other.pool; }
        ServerMessagePool* pool;
    };

    static void reset(ServerMessage& m, websocketpp::frame::opcode::value op, std::size_t size) {
        m.set_opcode(op);
        m.set_prepared(false);
        m.set_fin(true);
        m.set_terminal(false);
        m.set_compressed(false);
        m.set_header(std::string());
        m.get_raw_payload().clear();
        m.get_raw_payload().reserve(size);
        m.record = nullptr;
        m.deflated.reset();
    }

    void give_back(ServerMessage* message) {
        std::unique_ptr<ServerMessage> owned(message);
        if (released_ || messages_.size() >= max_spare) return;
        auto& payload = message->get_raw_payload();
        if (payload.capacity() > max_kept_capacity || kept_bytes_ + payload.capacity() > max_kept_bytes)
            std::string().swap(payload);
        kept_bytes_ += payload.capacity();
        messages_.push_back(std::move(owned));
    }

    void* take_block(std::size_t size) {
        ++lent_;
        if (size == block_size_ && !blocks_.empty()) {
            void* block = blocks_.back();
            blocks_.pop_back();
            return block;
        }
        if (!block_size_) block_size_ = size;
        return ::operator new(size);
    }

    void give_back_block(void* block, std::size_t size) {
        --lent_;
        if (released_ || size != block_size_ || blocks_.size() >= max_spare) {
            ::operator delete(block);
            delete_if_done();
            return;
        }
        blocks_.push_back(block);
    }

    void delete_if_done() {
        if (released_ && lent_ == 0) delete this;
    }

    std::vector<std::unique_ptr<ServerMessage>> messages_;  // given back, for the next take()
    std::vector<void*> blocks_;                             // control blocks, the same
    std::size_t kept_bytes_ = 0;  // payload capacity in messages_
    std::size_t block_size_ = 0;
    std::size_t lent_ = 0;  // control blocks not given back
    bool released_ = false;
};

// Outgoing messages (data, ping, pong, close): a close frame that fails the
// connection records its code (see ServerMessage).
template <class Message>
typename ServerMessageManager<Message>::message_ptr ServerMessageManager<Message>::get_message() {
    auto msg = pool->take(websocketpp::frame::opcode::text, 0);  // websocketpp sets the opcode
    msg->record = this;
    return msg;
}

template <class Message>
typename ServerMessageManager<Message>::message_ptr ServerMessageManager<Message>::get_message(
    websocketpp::frame::opcode::value op, size_t size) {
    return pool->take(op, size);
}

}  // namespace wskit::detail
