#include "net/server_frames.hpp"

#include "proto/deflate_codec.hpp"
#include "net/server_impl.hpp"
#include "net/wspp/wspp.hpp"

#include <stdexcept>
#include <string>

namespace wskit {
namespace detail {

const std::shared_ptr<ServerMessage>& deflated(const std::shared_ptr<ServerMessage>& plain, int window) {
    if (!plain->deflated) plain->deflated = std::make_unique<ServerMessage::DeflatedForms>();
    auto& slot = (*plain->deflated)[static_cast<std::size_t>(window - min_window_bits)];
    if (slot) return slot;
    namespace frame = websocketpp::frame;
    std::string payload;
    Deflater(window, true).compress(plain->get_payload(), payload);
    payload.resize(payload.size() - 4);  // the 00 00 ff ff that RFC 7692 7.2.1 removes
    auto op = plain->get_opcode();
    slot = std::make_shared<detail::ServerMessage>(nullptr, op, 0);
    slot->set_header(frame::prepare_header(frame::basic_header(op, payload.size(), true, false, true),
                                           frame::extended_header(payload.size())));
    slot->get_raw_payload() = std::move(payload);
    slot->set_prepared(true);
    return slot;
}

}  // namespace detail

std::size_t Server::Frame::payload_size() const { return data_ ? data_->get_payload().size() : 0; }

// The header is built once, here; a server's frames are never masked, so
// every receiver can be sent the same bytes. Skipping websocketpp's
// prepare_data_frame also skips its second UTF-8 pass over text, and its copy
// (hook 32 in net/wspp/README.md).
Server::Frame Server::prepare(Message message) const {
    namespace frame = websocketpp::frame;
    if (message.opcode != Opcode::text && message.opcode != Opcode::binary)
        throw std::invalid_argument("Server::prepare takes text or binary messages");
    auto op = message.opcode == Opcode::text ? frame::opcode::text : frame::opcode::binary;
    auto size = message.payload.size();
    std::shared_ptr<detail::ServerMessage> data;
    if (impl_->spare) {
        data = std::move(impl_->spare);
        data->set_opcode(op);
        data->deflated.reset();
    } else {
        data = std::make_shared<detail::ServerMessage>(nullptr, op, 0);
    }
    data->get_raw_payload() = std::move(message.payload);
    data->set_header(frame::prepare_header(frame::basic_header(op, size, true, false), frame::extended_header(size)));
    data->set_prepared(true);
    Frame f;
    f.data_ = std::move(data);
    return f;
}

}  // namespace wskit
