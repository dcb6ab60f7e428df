// One histogram in HdrHistogram's V2 encoding, as its Java implementation
// defines it (AbstractHistogram.encodeIntoCompressedByteBuffer; the C and
// JavaScript ports write the same bytes). Every integer is big-endian.
//
//   compressed:   int32 cookie 0x1c849314, int32 length, then `length` bytes
//                 of zlib (RFC 1950) deflating the encoding below
//   encoding:     int32 cookie 0x1c849313, int32 payload length,
//                 int32 normalizingIndexOffset, int32 significant digits,
//                 int64 lowest discernible value, int64 highest trackable
//                 value, float64 integer-to-double conversion ratio (40
//                 bytes), then the payload: the counts in bucket order up to
//                 the last one that is not zero, each a ZigZag LEB128 varint
//                 of at most 9 bytes (the 9th carries 8 bits), a run of N
//                 zero counts written as the one value -N.
//
// A cookie's 0xf0 bits hold a word size, 1 in V2 (hence 0x...13, 0x...14):
// readers compare the cookie with those bits masked off.
#include <wskit/tool/bench_hdr.hpp>

#include <wskit/encoding.hpp>
#include <wskit/error.hpp>

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>

namespace wskit {
namespace {

constexpr std::uint32_t cookie_base_mask = ~std::uint32_t{0xf0};
constexpr std::uint32_t v2_encoding = 0x1c849303;
constexpr std::uint32_t v2_compressed = 0x1c849304;
constexpr std::uint32_t v2_word_size = 0x10;
constexpr std::size_t header_size = 40;
constexpr std::size_t max_varint_size = 9;

// Lowest discernible value 1 and 2 significant digits: the layout of
// LatencyHistogram (see bench_hdr.hpp).
constexpr std::int32_t significant_digits = 2;
constexpr std::int64_t lowest_discernible = 1;

// HdrHistogram's values are int64: its counts array for a highest trackable
// value of INT64_MAX is this long, and no histogram's is longer.
std::size_t hdr_counts_length() {
    return LatencyHistogram::index_of(static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) + 1;
}

// Error(usage) for what was found, as a clause ("not base64").
[[noreturn]] void bad(const std::string& what) { throw Error(ExitCode::usage, what); }

// --- writing ----------------------------------------------------------------

void put_u32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>(v >> shift & 0xff);
}

void put_u64(std::string& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>(v >> shift & 0xff);
}

void put_varint(std::string& out, std::int64_t value) {
    auto v = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);  // ZigZag
    for (std::size_t n = 1; n < max_varint_size && v >= 0x80; ++n) {
        out += static_cast<char>((v & 0x7f) | 0x80);
        v >>= 7;
    }
    out += static_cast<char>(v);  // after 8 bytes of 7 bits, what is left fits the 9th's 8
}

// The counts as HdrHistogram's counts array: values above INT64_MAX go to
// its last bucket, and no count is above INT64_MAX (it would read as a run
// of zeros).
std::vector<std::int64_t> hdr_counts(const LatencyHistogram& h) {
    std::size_t last = std::min(h.last_used_index(), hdr_counts_length() - 1);
    std::vector<std::uint64_t> counts(last + 1);
    for (std::size_t i = 0; i < LatencyHistogram::bucket_count(); ++i) {
        if (h.count_at(i) != 0) counts[std::min(i, last)] += h.count_at(i);
    }
    std::vector<std::int64_t> out;
    out.reserve(counts.size());
    for (auto c : counts) out.push_back(static_cast<std::int64_t>(std::min<std::uint64_t>(c, INT64_MAX)));
    return out;
}

std::string payload(const std::vector<std::int64_t>& counts) {
    std::string out;
    for (std::size_t i = 0; i < counts.size();) {
        std::size_t zeros = 0;
        while (i + zeros < counts.size() && counts[i + zeros] == 0) ++zeros;
        // A lone zero as 0, as Java writes it (C writes -1; both read alike).
        if (zeros > 1) {
            put_varint(out, -static_cast<std::int64_t>(zeros));
            i += zeros;
        } else {
            put_varint(out, counts[i++]);
        }
    }
    return out;
}

std::string deflated(const std::string& in) {
    uLongf size = compressBound(static_cast<uLong>(in.size()));
    std::string out(size, '\0');
    // Level 9, as HistogramLogWriter's: a log keeps thousands of these.
    if (compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(in.data()),
                  static_cast<uLong>(in.size()), Z_BEST_COMPRESSION) != Z_OK) {
        throw Error(ExitCode::runtime, "zlib could not compress a histogram");
    }
    out.resize(size);
    return out;
}

// --- reading ----------------------------------------------------------------

// Bytes read front to back; past the end is an error that says what was cut.
class Reader {
public:
    Reader(std::string_view bytes, const char* what) : bytes_(bytes), what_(what) {}
    std::uint8_t byte() {
        if (pos_ >= bytes_.size()) bad(fmt::format("{} is cut short", what_));
        return static_cast<std::uint8_t>(bytes_[pos_++]);
    }
    std::uint32_t u32() { return static_cast<std::uint32_t>(be(4)); }
    std::uint64_t u64() { return be(8); }
    std::string_view rest() const { return bytes_.substr(pos_); }
    bool done() const { return pos_ == bytes_.size(); }

private:
    std::uint64_t be(int n) {
        std::uint64_t v = 0;
        for (int i = 0; i < n; ++i) v = v << 8 | byte();
        return v;
    }
    std::string_view bytes_;
    const char* what_;
    std::size_t pos_ = 0;
};

std::int64_t get_varint(Reader& in) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < max_varint_size; ++i) {
        std::uint64_t b = in.byte();
        if (i + 1 == max_varint_size) {
            v |= b << 56;
            break;
        }
        v |= (b & 0x7f) << (7 * i);
        if ((b & 0x80) == 0) break;
    }
    return static_cast<std::int64_t>((v >> 1) ^ (0 - (v & 1)));
}

// What a cookie that is not V2's is, for the message.
std::string not_v2(std::uint32_t cookie) {
    // A DoubleHistogram's cookies have no word size bits to mask.
    if (cookie == 0x0c72124e || cookie == 0x0c72124f) {
        return "a DoubleHistogram: wskit reads integer histograms (of nanoseconds)";
    }
    switch (cookie & cookie_base_mask) {
        case 0x1c849301:
        case 0x1c849302: return "a histogram in HdrHistogram's V1 encoding: wskit reads the V2 encoding";
        case 0x1c849308:
        case 0x1c849309: return "a histogram in HdrHistogram's V0 encoding: wskit reads the V2 encoding";
    }
    return fmt::format("not an HdrHistogram (it starts with 0x{:08x})", cookie);
}

// zlib data that inflates to at most `limit` bytes.
std::string inflated(std::string_view in, std::size_t limit) {
    z_stream z{};
    if (inflateInit(&z) != Z_OK) throw Error(ExitCode::runtime, "zlib could not start inflating");
    std::string out(limit + 1, '\0');  // one more: a stream that fills it is too long
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    int rc = inflate(&z, Z_FINISH);
    std::size_t produced = z.total_out;
    inflateEnd(&z);
    if (produced > limit) bad(fmt::format("the histogram inflates to more than {} bytes", limit));
    if (rc != Z_STREAM_END) bad("the compressed histogram is damaged or cut short (zlib)");
    out.resize(produced);
    return out;
}

std::uint64_t add_counts(std::uint64_t total, std::int64_t count) {
    auto c = static_cast<std::uint64_t>(count);
    if (total > UINT64_MAX - c) bad("the counts add up to more than 2^64");
    return total + c;
}

// The counts of the payload, into `h`.
void read_counts(std::string_view payload, LatencyHistogram& h) {
    Reader in(payload, "the last count");
    const std::size_t length = hdr_counts_length();
    std::size_t index = 0;
    std::uint64_t total = 0;
    while (!in.done()) {
        std::int64_t value = get_varint(in);
        if (value < 0) {
            // -value would overflow for INT64_MIN: compare before negating.
            if (value < -static_cast<std::int64_t>(length - index)) {
                bad(fmt::format("a run of zero counts goes past the last bucket ({})", length - 1));
            }
            index += static_cast<std::size_t>(-value);
            continue;
        }
        if (index >= length) bad(fmt::format("a count past the last bucket ({})", length - 1));
        total = add_counts(total, value);
        h.add_to_bucket(index++, static_cast<std::uint64_t>(value));
    }
}

// The V2 encoding (40-byte header, payload).
LatencyHistogram decode_v2(std::string_view bytes) {
    Reader in(bytes, "the histogram's header");
    std::uint32_t cookie = in.u32();
    if ((cookie & cookie_base_mask) != v2_encoding) bad(not_v2(cookie));
    auto payload_length = static_cast<std::int32_t>(in.u32());
    in.u32();  // normalizingIndexOffset: see below
    auto digits = static_cast<std::int32_t>(in.u32());
    auto lowest = static_cast<std::int64_t>(in.u64());
    in.u64();  // highest trackable value: the payload says where the counts end
    std::uint64_t ratio = in.u64();
    if (digits != significant_digits) {
        bad(fmt::format("a histogram with {} significant digit{}: wskit reads those with {}", digits,
                        digits == 1 ? "" : "s", significant_digits));
    }
    if (lowest != lowest_discernible) {
        bad(fmt::format("a histogram with a lowest discernible value of {}: wskit reads those with {} (of "
                        "nanoseconds)",
                        lowest, lowest_discernible));
    }
    // 1.0, or the integer 1 that hdr-histogram-js 3 writes in its place; any
    // other ratio scales the values (a DoubleHistogram's inner histogram).
    double one = 1.0;
    std::uint64_t one_bits = 0;
    std::memcpy(&one_bits, &one, sizeof one);
    if (ratio != one_bits && ratio != 1) bad("a histogram of scaled values: wskit reads integer histograms");
    // normalizingIndexOffset is not checked: the payload lists the counts in
    // value order whatever it is (Java writes and reads them through it), and
    // hdr-histogram-js 3 writes 1 there.
    if (payload_length < 0 || static_cast<std::size_t>(payload_length) > in.rest().size()) {
        bad(fmt::format("the histogram says {} bytes of counts and has {}", payload_length, in.rest().size()));
    }
    LatencyHistogram h;
    read_counts(in.rest().substr(0, static_cast<std::size_t>(payload_length)), h);
    return h;
}

}  // namespace

std::string hdr_compressed_base64(const LatencyHistogram& histogram) {
    auto counts = hdr_counts(histogram);
    std::string encoding;
    put_u32(encoding, v2_encoding | v2_word_size);
    std::string body = payload(counts);
    put_u32(encoding, static_cast<std::uint32_t>(body.size()));
    put_u32(encoding, 0);  // normalizingIndexOffset
    put_u32(encoding, significant_digits);
    put_u64(encoding, lowest_discernible);
    // The top of the last bucket with a count: a reader's counts array then
    // reaches it (hdr-histogram-js drops counts past its array), and the
    // same counts always encode to the same bytes. HdrHistogram's minimum is 2.
    std::uint64_t highest = LatencyHistogram::highest_in(counts.size() - 1);
    put_u64(encoding, std::max<std::uint64_t>(highest, 2));
    double ratio = 1.0;
    std::uint64_t ratio_bits = 0;
    std::memcpy(&ratio_bits, &ratio, sizeof ratio);
    put_u64(encoding, ratio_bits);
    encoding += body;

    std::string compressed = deflated(encoding);
    std::string out;
    put_u32(out, v2_compressed | v2_word_size);
    put_u32(out, static_cast<std::uint32_t>(compressed.size()));
    out += compressed;
    return base64_encode(out);
}

LatencyHistogram hdr_decode_base64(std::string_view base64) {
    auto bytes = base64_decode(base64);
    if (!bytes) bad("the histogram is not base64");
    Reader in(*bytes, "the histogram");
    std::uint32_t cookie = in.u32();
    if ((cookie & cookie_base_mask) == v2_encoding) return decode_v2(*bytes);
    if ((cookie & cookie_base_mask) != v2_compressed) bad(not_v2(cookie));
    auto length = static_cast<std::int32_t>(in.u32());
    if (length < 0 || static_cast<std::size_t>(length) > in.rest().size()) {
        bad(fmt::format("the histogram says {} compressed bytes and has {}", length, in.rest().size()));
    }
    // No histogram of ours, nor any HdrHistogram's, is longer than this.
    const std::size_t limit = header_size + hdr_counts_length() * max_varint_size;
    return decode_v2(inflated(in.rest().substr(0, static_cast<std::size_t>(length)), limit));
}

}  // namespace wskit
