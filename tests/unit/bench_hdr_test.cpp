// wskit bench's histograms in HdrHistogram's formats (bench_hdr.hpp): the
// bucket layout against HdrHistogram's own index formula, the V2 encoding
// both ways, a histogram written by hdr-histogram-js, interval logs, merging,
// and what a damaged or hostile input gets.
#include "commands/commands.hpp"
#include "support.hpp"

#include <wskit/encoding.hpp>
#include <wskit/tool/bench_hdr.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <unistd.h>

using wskit::ExitCode;
using wskit::LatencyHistogram;
using wskit::test::error_message;

namespace {

// HdrHistogram's AbstractHistogram.countsArrayIndex, spelled out for a
// lowest discernible value of 1 (unitMagnitude 0) and 2 significant digits.
struct HdrLayout {
    // 2 * 10^digits values need unit resolution: subBucketCount is the power
    // of two above, and the index works on half of it.
    int sub_bucket_count_magnitude = static_cast<int>(std::ceil(std::log2(2 * std::pow(10.0, 2))));
    int sub_bucket_half_count_magnitude = sub_bucket_count_magnitude - 1;
    std::int64_t sub_bucket_count = std::int64_t{1} << sub_bucket_count_magnitude;
    std::int64_t sub_bucket_half_count = sub_bucket_count / 2;
    std::uint64_t sub_bucket_mask = static_cast<std::uint64_t>(sub_bucket_count - 1);
    int leading_zero_count_base = 64 - 0 - sub_bucket_half_count_magnitude - 1;

    std::int64_t counts_index(std::uint64_t value) const {
        int bucket_index = leading_zero_count_base - __builtin_clzll(value | sub_bucket_mask);
        auto sub_bucket_index = static_cast<std::int64_t>(value >> bucket_index);
        // Bucket 0 uses the sub-bucket index itself; the formula gives that too.
        return (std::int64_t{bucket_index + 1} << sub_bucket_half_count_magnitude) +
               (sub_bucket_index - sub_bucket_half_count);
    }
};

void check_same_counts(const LatencyHistogram& got, const LatencyHistogram& want) {
    REQUIRE(got.count() == want.count());
    for (std::size_t i = 0; i < LatencyHistogram::bucket_count(); ++i) {
        INFO("bucket " << i);
        REQUIRE(got.count_at(i) == want.count_at(i));
    }
}

LatencyHistogram histogram_of(const std::vector<std::uint64_t>& values) {
    LatencyHistogram h;
    for (auto v : values) h.record(v);
    return h;
}

// Values spread over every power of two up to 2^bits.
std::vector<std::uint64_t> random_values(std::mt19937_64& rng, std::size_t n, unsigned bits) {
    std::vector<std::uint64_t> values;
    std::uniform_int_distribution<unsigned> octave(0, bits - 1);
    for (std::size_t i = 0; i < n; ++i) {
        unsigned o = octave(rng);
        values.push_back((std::uint64_t{1} << o) | (rng() & ((std::uint64_t{1} << o) - 1)));
    }
    return values;
}

// --- building encodings by hand, for the inputs no writer makes ---------------

void put_be(std::string& out, std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>(v >> (8 * i) & 0xff);
}

void put_varint(std::string& out, std::int64_t value) {
    auto v = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
    for (int n = 1; n < 9 && v >= 0x80; ++n, v >>= 7) out += static_cast<char>((v & 0x7f) | 0x80);
    out += static_cast<char>(v);
}

struct Header {
    std::uint32_t cookie = 0x1c849313;
    std::int64_t payload_length = -1;  // -1: the payload's own
    std::int32_t offset = 0;
    std::int32_t digits = 2;
    std::int64_t lowest = 1;
    std::int64_t highest = 1000;
    double ratio = 1.0;
};

std::string encoding(const Header& h, const std::string& payload) {
    std::string out;
    put_be(out, h.cookie, 4);
    auto length = h.payload_length < 0 ? static_cast<std::int64_t>(payload.size()) : h.payload_length;
    put_be(out, static_cast<std::uint64_t>(length), 4);
    put_be(out, static_cast<std::uint32_t>(h.offset), 4);
    put_be(out, static_cast<std::uint32_t>(h.digits), 4);
    put_be(out, static_cast<std::uint64_t>(h.lowest), 8);
    put_be(out, static_cast<std::uint64_t>(h.highest), 8);
    std::uint64_t ratio_bits = 0;
    std::memcpy(&ratio_bits, &h.ratio, sizeof ratio_bits);
    put_be(out, ratio_bits, 8);
    return out + payload;
}

std::string compressed(const std::string& bytes) {
    uLongf size = compressBound(static_cast<uLong>(bytes.size()));
    std::string z(size, '\0');
    REQUIRE(compress(reinterpret_cast<Bytef*>(z.data()), &size, reinterpret_cast<const Bytef*>(bytes.data()),
                     static_cast<uLong>(bytes.size())) == Z_OK);
    z.resize(size);
    std::string out;
    put_be(out, 0x1c849314, 4);
    put_be(out, z.size(), 4);
    return out + z;
}

std::string decode_error(const std::string& bytes) {
    return error_message([&] { wskit::hdr_decode_base64(wskit::base64_encode(bytes)); }, ExitCode::usage);
}

}  // namespace

TEST_CASE("hdr: LatencyHistogram's buckets are HdrHistogram's counts array for 1 and 2 digits", "[hdr]") {
    HdrLayout hdr;
    CHECK(hdr.sub_bucket_count == 256);
    CHECK(hdr.sub_bucket_half_count == 128);
    std::vector<std::uint64_t> values;
    for (std::uint64_t v = 0; v < 70000; ++v) values.push_back(v);
    for (unsigned bit = 1; bit < 63; ++bit) {
        for (std::uint64_t v : {(std::uint64_t{1} << bit) - 1, std::uint64_t{1} << bit, (std::uint64_t{1} << bit) + 1})
            values.push_back(v);
    }
    values.push_back(static_cast<std::uint64_t>(INT64_MAX));
    std::mt19937_64 rng(7);
    for (auto v : random_values(rng, 100000, 63)) values.push_back(v);
    for (auto v : values) {
        INFO("value " << v);
        REQUIRE(static_cast<std::int64_t>(LatencyHistogram::index_of(v)) == hdr.counts_index(v));
    }
}

TEST_CASE("hdr: a bucket added by count keeps count, min, max and mean consistent", "[hdr]") {
    LatencyHistogram h;
    CHECK(h.last_used_index() == 0);
    auto i = LatencyHistogram::index_of(1000);  // the bucket 1000..1003
    h.add_to_bucket(i, 3);
    h.add_to_bucket(LatencyHistogram::index_of(5), 1);
    CHECK(h.count() == 4);
    CHECK(h.count_at(i) == 3);
    CHECK(h.last_used_index() == i);
    CHECK(h.min() == 5);
    CHECK(h.max() == 1003);
    CHECK(h.mean() == Approx((3 * 1001 + 5) / 4.0));
    CHECK(h.percentile(50) == 1001);
}

TEST_CASE("hdr: encoding and decoding keeps every count", "[hdr]") {
    std::mt19937_64 rng(42);
    std::vector<std::vector<std::uint64_t>> cases = {
        {},
        {0},
        {1},
        {12345},
        {0, 0, 1, 127, 128, 129, 255, 256},
        {std::uint64_t{1} << 62, (std::uint64_t{1} << 62) + 12345, 3},
        {static_cast<std::uint64_t>(INT64_MAX)},
    };
    for (unsigned bits : {10u, 30u, 62u}) cases.push_back(random_values(rng, 20000, bits));
    for (const auto& values : cases) {
        INFO(values.size() << " values");
        auto h = histogram_of(values);
        auto text = wskit::hdr_compressed_base64(h);
        CHECK(text.rfind("HISTF", 0) == 0);  // the cookie 0x1c849314, as every HdrHistogram's
        auto back = wskit::hdr_decode_base64(text);
        check_same_counts(back, h);
        if (!values.empty()) {
            CHECK(back.min() == LatencyHistogram::lowest_in(LatencyHistogram::index_of(h.min())));
            CHECK(back.max() == LatencyHistogram::highest_in(LatencyHistogram::index_of(h.max())));
            // Within the bucket: the original clamps to its exact max.
            CHECK(static_cast<double>(back.percentile(99)) ==
                  Approx(static_cast<double>(h.percentile(99))).epsilon(0.01).margin(1));
        }
        // The same counts always make the same bytes.
        CHECK(wskit::hdr_compressed_base64(back) == text);
    }
}

TEST_CASE("hdr: values above INT64_MAX are counted in HdrHistogram's last bucket", "[hdr]") {
    auto h = histogram_of({5, UINT64_MAX, static_cast<std::uint64_t>(INT64_MAX) + 1});
    auto back = wskit::hdr_decode_base64(wskit::hdr_compressed_base64(h));
    CHECK(back.count() == 3);
    CHECK(back.count_at(LatencyHistogram::index_of(static_cast<std::uint64_t>(INT64_MAX))) == 2);
}

TEST_CASE("hdr: a histogram written by hdr-histogram-js reads as its values", "[hdr]") {
    // Made with hdr-histogram-js 3.0.1 (npm), which writes normalizingIndexOffset
    // 1 and the integer 1 as its conversion ratio:
    //   const h = hdr.build({lowestDiscernibleValue: 1, highestTrackableValue: 3600e9,
    //                        numberOfSignificantValueDigits: 2, bitBucketSize: 64});
    //   for (const v of [0, 1, 1, 127, 129, 256, 257, 1000, 123456, 5e9]) h.recordValue(v);
    //   h.recordValueWithCount(1e9, 5);
    //   hdr.encodeIntoCompressedBase64(h);
    auto h = wskit::hdr_decode_base64(
        "HISTFAAAADx4nJNpmSzMwMAgxsDAwMjAwMDEAAGMDAzMbgY7FjDA+EwsPxmZGJh+M7J8ZGZ6zcv0XZLrNAsTAM9ECRI=");
    CHECK(h.count() == 15);
    auto at = [&](std::uint64_t v) { return h.count_at(LatencyHistogram::index_of(v)); };
    CHECK(at(0) == 1);
    CHECK(at(1) == 2);
    CHECK(at(127) == 1);
    CHECK(at(128) == 0);  // a lone zero between counts
    CHECK(at(129) == 1);
    CHECK(at(256) == 2);  // 256 and 257 share a bucket
    CHECK(at(1000) == 1);
    CHECK(at(123456) == 1);
    CHECK(at(1000000000) == 5);
    CHECK(at(5000000000) == 1);
    CHECK(h.percentile(50) == 1001);  // the 8th of 15 is 1000, in the bucket 1000..1003
    CHECK(h.max() == LatencyHistogram::highest_in(LatencyHistogram::index_of(5000000000)));
}

TEST_CASE("hdr: an interval log reads back as it was written", "[hdr]") {
    std::mt19937_64 rng(3);
    std::vector<wskit::HdrInterval> intervals(3);
    for (std::size_t i = 0; i < intervals.size(); ++i) {
        intervals[i].start = static_cast<double>(i) + 0.25;
        intervals[i].length = i + 1 == intervals.size() ? 0.5 : 1.0;
        intervals[i].histogram = histogram_of(random_values(rng, 1000 * i, 35));
    }
    intervals[1].histogram.record(12345678);
    auto log = wskit::hdr_interval_log(intervals, 1733534400.5, "Logged with wskit bench\nsecond line");
    INFO(log);
    CHECK(log.rfind("#Logged with wskit bench\n#second line\n#[Histogram log format version 1.3]\n"
                    "#[StartTime: 1733534400.500 (seconds since epoch), Sat Dec 07 01:20:00 UTC 2024]\n"
                    "#[BaseTime: 1733534400.500 (seconds since epoch)]\n"
                    "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n"
                    "0.250,1.000,0.000,HISTF",
                    0) == 0);
    // The max column in milliseconds, as HistogramLogWriter's default ratio.
    auto max_ms = static_cast<double>(intervals[1].histogram.max()) / 1e6;
    CHECK(log.find(fmt::format("\n1.250,1.000,{:.3f},HISTF", max_ms)) != std::string::npos);
    auto back = wskit::read_hdr_interval_log(log);
    REQUIRE(back.size() == intervals.size());
    for (std::size_t i = 0; i < back.size(); ++i) {
        CHECK(back[i].start == Approx(intervals[i].start));
        CHECK(back[i].length == Approx(intervals[i].length));
        check_same_counts(back[i].histogram, intervals[i].histogram);
    }
}

TEST_CASE("hdr: a log from elsewhere: tags, CRLF, blank lines, comments, an old legend", "[hdr]") {
    auto one = wskit::hdr_compressed_base64(histogram_of({1000, 2000}));
    auto two = wskit::hdr_compressed_base64(histogram_of({3000}));
    std::string log = "#[Logged with jHiccup version 2.0.10]\r\n#[Histogram log format version 1.3]\r\n"
                      "#[BaseTime: 1733534400.000 (seconds since epoch)]\r\n"
                      "\"Timestamp\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\r\n\r\n"
                      "Tag=mine,0.127,1.007,0.002," + one + "\r\n" +
                      "1.134,0.996,3.0," + two + "\r\n";
    auto intervals = wskit::read_hdr_interval_log(log);
    REQUIRE(intervals.size() == 2);
    CHECK(intervals[0].start == Approx(0.127));
    CHECK(intervals[0].length == Approx(1.007));
    CHECK(intervals[0].histogram.count() == 2);
    CHECK(intervals[1].histogram.count() == 1);
}

TEST_CASE("hdr: merging two logs gives the histogram of all their values", "[hdr]") {
    std::mt19937_64 rng(11);
    auto log_of = [&](std::size_t n, std::vector<std::uint64_t>& all) {
        std::vector<wskit::HdrInterval> intervals(n);
        for (std::size_t i = 0; i < n; ++i) {
            auto values = random_values(rng, 500 + 100 * i, 40);
            all.insert(all.end(), values.begin(), values.end());
            intervals[i].start = static_cast<double>(i);
            intervals[i].length = 1;
            intervals[i].histogram = histogram_of(values);
        }
        return wskit::hdr_interval_log(intervals, 1700000000, "");
    };
    std::vector<std::uint64_t> a_values, b_values;
    auto a = log_of(3, a_values);
    auto b = log_of(2, b_values);
    wskit::HdrMerge merge;
    wskit::hdr_merge_log(merge, "a.hlog", a);
    wskit::hdr_merge_log(merge, "b.hlog", b);
    auto all = a_values;
    all.insert(all.end(), b_values.begin(), b_values.end());
    auto want = histogram_of(all);
    check_same_counts(merge.histogram, want);
    REQUIRE(merge.files.size() == 2);
    CHECK(merge.files[0].path == "a.hlog");
    CHECK(merge.files[0].intervals == 3);
    CHECK(merge.files[0].count == a_values.size());
    CHECK(merge.files[1].intervals == 2);
    CHECK(merge.files[1].count == b_values.size());

    auto summary = wskit::hdr_merge_summary(merge);
    INFO(summary);
    CHECK(summary.rfind("wskit bench merge: 2 logs, 5 intervals\n", 0) == 0);
    CHECK(summary.find(fmt::format("a.hlog: 3 intervals, {} latencies", a_values.size())) != std::string::npos);
    CHECK(summary.find(fmt::format("  count                 {}\n", all.size())) != std::string::npos);
    CHECK(summary.find("  latency               p50 ") != std::string::npos);
    CHECK(summary.find("  mean                  ") != std::string::npos);

    auto json = nlohmann::json::parse(wskit::hdr_merge_json(merge));
    CHECK(json["count"] == all.size());
    CHECK(json["latency_us"]["p99"].get<double>() ==
          Approx(static_cast<double>(want.percentile(99)) / 1e3).epsilon(0.01));
    for (const char* key : {"p50", "p90", "p99", "p99_9", "max", "mean"}) CHECK(json["latency_us"].contains(key));
    CHECK(json["files"][1] == nlohmann::json({{"path", "b.hlog"}, {"intervals", 2}, {"count", b_values.size()}}));
}

TEST_CASE("hdr: an empty merge prints zero latencies", "[hdr]") {
    wskit::HdrMerge merge;
    wskit::hdr_merge_log(merge, "empty.hlog", "#[Histogram log format version 1.3]\n");
    CHECK(wskit::hdr_merge_summary(merge).find("  count                 0\n") != std::string::npos);
    auto json = nlohmann::json::parse(wskit::hdr_merge_json(merge));
    CHECK(json["count"] == 0);
    CHECK(json["latency_us"]["max"] == 0);
}

TEST_CASE("hdr: what is not a histogram wskit reads is a usage error that says what it is", "[hdr]") {
    auto valid = *wskit::base64_decode(wskit::hdr_compressed_base64(histogram_of({1, 2, 3, 1000000})));
    std::string counts;
    put_varint(counts, 1);
    put_varint(counts, -3);
    put_varint(counts, 7);

    CHECK(error_message([] { wskit::hdr_decode_base64("HISTF*AAA"); }, ExitCode::usage) ==
          "the histogram is not base64");
    CHECK(decode_error("abc") == "the histogram is cut short");
    CHECK(decode_error(wskit::test::bytes({0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0})) ==
          "not an HdrHistogram (it starts with 0x12345678)");
    auto cookie = [](int a, int b, int c, int d) { return wskit::test::bytes({a, b, c, d, 0, 0, 0, 0}); };
    CHECK(decode_error(cookie(0x1c, 0x84, 0x93, 0x22)).find("V1 encoding") != std::string::npos);
    CHECK(decode_error(cookie(0x1c, 0x84, 0x93, 0x09)).find("V0 encoding") != std::string::npos);
    CHECK(decode_error(cookie(0x0c, 0x72, 0x12, 0x4f)).find("DoubleHistogram") != std::string::npos);
    // Cut anywhere: in the zlib stream, or before its end.
    CHECK(decode_error(valid.substr(0, valid.size() - 3)).find("says") != std::string::npos);
    auto cut = valid.substr(0, valid.size() - 3);
    cut[7] = static_cast<char>(cut[7] - 3);  // a length that matches what is left
    CHECK(decode_error(cut) == "the compressed histogram is damaged or cut short (zlib)");
    auto hostile_length = valid;
    hostile_length[4] = 0x7f;
    CHECK(decode_error(hostile_length).find("says 2") != std::string::npos);
    auto negative_length = valid;
    negative_length[4] = static_cast<char>(0xff);
    CHECK(decode_error(negative_length).find("says -") != std::string::npos);

    Header h;
    // The V2 encoding reads uncompressed too.
    CHECK(wskit::hdr_decode_base64(wskit::base64_encode(encoding(h, counts))).count() == 8);
    CHECK(wskit::hdr_decode_base64(wskit::base64_encode(compressed(encoding(h, counts)))).count() == 8);
    h.digits = 3;
    CHECK(decode_error(compressed(encoding(h, counts))) ==
          "a histogram with 3 significant digits: wskit reads those with 2");
    h.digits = 1;
    CHECK(decode_error(encoding(h, counts)) == "a histogram with 1 significant digit: wskit reads those with 2");
    h = Header{};
    h.lowest = 1000;
    CHECK(decode_error(encoding(h, counts)).find("lowest discernible value of 1000") != std::string::npos);
    h = Header{};
    h.ratio = 0.001;
    CHECK(decode_error(encoding(h, counts)).find("scaled values") != std::string::npos);
    h = Header{};
    h.cookie = 0x1c849301;
    CHECK(decode_error(compressed(encoding(h, counts))).find("V1 encoding") != std::string::npos);
    h = Header{};
    h.payload_length = 0x7fffffff;
    CHECK(decode_error(compressed(encoding(h, counts))) == "the histogram says 2147483647 bytes of counts and has 3");
    h.payload_length = 2;  // the last count left out: what the header says wins
    CHECK(wskit::hdr_decode_base64(wskit::base64_encode(encoding(h, counts))).count() == 1);
}

TEST_CASE("hdr: hostile counts are refused before they are used", "[hdr]") {
    auto refuse = [](const std::string& payload) { return decode_error(compressed(encoding(Header{}, payload))); };
    std::string s;
    put_varint(s, -7295);
    put_varint(s, 1);  // the last bucket: fine
    CHECK(wskit::hdr_decode_base64(wskit::base64_encode(encoding(Header{}, s))).count() == 1);
    put_varint(s, 1);  // one past it
    CHECK(refuse(s) == "a count past the last bucket (7295)");
    s.clear();
    put_varint(s, 5);
    put_varint(s, INT64_MIN);
    CHECK(refuse(s) == "a run of zero counts goes past the last bucket (7295)");
    s.clear();
    put_varint(s, -1000000);
    CHECK(refuse(s).find("a run of zero counts") == 0);
    s = std::string(1, static_cast<char>(0x80));  // a varint that never ends
    CHECK(refuse(s) == "the last count is cut short");
    s.clear();
    for (int i = 0; i < 3; ++i) put_varint(s, INT64_MAX);
    CHECK(refuse(s) == "the counts add up to more than 2^64");
    // A zlib bomb: a megabyte of zeros in a few bytes.
    CHECK(decode_error(compressed(encoding(Header{}, std::string(1 << 20, '\0')))).find("inflates to more than") !=
          std::string::npos);
    // The 9th byte of a varint carries 8 bits: the largest count reads back.
    s.clear();
    put_varint(s, INT64_MAX);
    CHECK(s.size() == 9);
    auto h = wskit::hdr_decode_base64(wskit::base64_encode(encoding(Header{}, s)));
    CHECK(h.count_at(0) == static_cast<std::uint64_t>(INT64_MAX));
}

TEST_CASE("hdr: a malformed interval log names its line", "[hdr]") {
    auto good = wskit::hdr_compressed_base64(histogram_of({1000}));
    auto read = [](const std::string& log) {
        return error_message([&] { wskit::read_hdr_interval_log(log); }, ExitCode::usage);
    };
    std::string head = "#[Histogram log format version 1.3]\n\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
                       "\"Interval_Compressed_Histogram\"\n";
    CHECK(read(head + "0.000,1.000," + good + "\n") == "line 3: expected START,LENGTH,MAX,HISTOGRAM, found 3 fields");
    CHECK(read(head + "\n0.000,1.000,0.001," + good + "\nhello\n") ==
          "line 5: expected START,LENGTH,MAX,HISTOGRAM, found 1 field");
    CHECK(read(head + "zero,1.000,0.001," + good + "\n") == "line 3: the start time is not a number: 'zero'");
    CHECK(read(head + "0,1,nan," + good + "\n") == "line 3: the interval max is not a number: 'nan'");
    CHECK(read(head + "0,1,0.001,HISTFAAA\n") == "line 3: the histogram is cut short");
    CHECK(read(head + "0,1,0.001,\x1b[31m\n") == "line 3: the histogram is not base64");

    wskit::HdrMerge merge;
    auto merge_bad = [&] { wskit::hdr_merge_log(merge, "b\x1b.hlog", head + "0,1,2,HISTFAAA\n"); };
    CHECK(error_message(merge_bad, ExitCode::usage) == "b\\x1b.hlog: line 3: the histogram is cut short");
}

TEST_CASE("hdr: bench merge reads files, and says which one it cannot read", "[hdr]") {
    char path[] = "/tmp/wskit-hdr-XXXXXX";
    int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    std::vector<wskit::HdrInterval> intervals(1);
    intervals[0].histogram = histogram_of({1000, 2000, 3000});
    auto log = wskit::hdr_interval_log(intervals, 0, "");
    REQUIRE(::write(fd, log.data(), log.size()) == static_cast<ssize_t>(log.size()));
    ::close(fd);
    auto merge = wskit::hdr_merge_files({path, path});
    CHECK(merge.histogram.count() == 6);
    CHECK(merge.files.size() == 2);
    CHECK(error_message([&] { wskit::hdr_merge_files({path, "/nonexistent/x.hlog"}); }, ExitCode::runtime) ==
          "/nonexistent/x.hlog: No such file or directory");
    CHECK(error_message([&] { wskit::hdr_merge_files({"/tmp"}); }, ExitCode::runtime) == "/tmp: Is a directory");

    // The command line: files, --json, and at least one file.
    CLI::App app{"wskit", "wskit"};
    wskit::cli::Context ctx;
    auto* bench = app.add_subcommand("bench", "");
    wskit::cli::register_bench_merge(*bench, ctx);
    wskit::cli::parse_command_line(app, ctx, {"bench", "merge", "--json", path, "/nonexistent/x.hlog"});
    REQUIRE(static_cast<bool>(ctx.run));
    CHECK(error_message([&] { ctx.run(); }, ExitCode::runtime) == "/nonexistent/x.hlog: No such file or directory");
    CLI::App app2{"wskit", "wskit"};
    wskit::cli::Context ctx2;
    wskit::cli::register_bench_merge(*app2.add_subcommand("bench", ""), ctx2);
    CHECK_THROWS_AS(wskit::cli::parse_command_line(app2, ctx2, {"bench", "merge"}), CLI::ParseError);
    ::unlink(path);
}
