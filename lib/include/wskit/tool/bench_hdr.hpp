// wskit bench's latency histograms in HdrHistogram's own formats, so that
// runs from several machines merge (wskit bench merge, or HdrHistogram's
// tools): the V2 compressed encoding of one histogram, and the interval log
// (.hlog) of a run, one histogram per interval.
//
// LatencyHistogram's buckets are HdrHistogram's for a lowest discernible
// value of 1 and 2 significant digits (128 sub-buckets per power of two):
// its counts are written as they are, values in nanoseconds.
#pragma once

#include <wskit/export.hpp>
#include <wskit/histogram.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace wskit {

// The histogram in HdrHistogram's V2 compressed encoding, base64: what an
// interval log's last column holds and HdrHistogram's
// decodeFromCompressedByteBuffer (Java, C, hdr-histogram-js) reads. Its
// highest trackable value is the top of the last bucket with a count (at
// least 2). Values above INT64_MAX, which no HdrHistogram holds, are
// counted in the bucket of INT64_MAX.
WSKIT_API std::string hdr_compressed_base64(const LatencyHistogram& histogram);
// Reads one back: ours, or any HdrHistogram's V2 encoding (compressed, or
// not) of an integer histogram with a lowest discernible value of 1 and 2
// significant digits, the only one whose buckets are LatencyHistogram's.
// Anything else (another resolution, the V0 and V1 encodings, a
// DoubleHistogram, damaged data, counts past the last bucket) throws
// Error(usage) with a clause that says what was found ("a histogram with 3
// significant digits: wskit reads those with 2"). The result's min, max and
// mean are its buckets' (LatencyHistogram::add_to_bucket).
WSKIT_API LatencyHistogram hdr_decode_base64(std::string_view base64);

struct HdrInterval {
    double start = 0;   // seconds since the log's base time, as its line says
    double length = 0;  // seconds
    LatencyHistogram histogram;
};

// An interval log as HdrHistogram's HistogramLogWriter writes one (format
// 1.3): `comment` (one "#" line per line of it; none when empty), the
// format version, #[StartTime: ...] and #[BaseTime: ...] both at
// `start_unix_seconds`, the column legend, then one line per interval:
// start and length in seconds, the interval's max in milliseconds (values
// are nanoseconds: HistogramLogWriter's default unit ratio of 10^6), the
// compressed histogram. All numbers with 3 decimals.
WSKIT_API std::string hdr_interval_log(const std::vector<HdrInterval>& intervals, double start_unix_seconds,
                                       std::string_view comment);
// The same from intervals already encoded (a run's, kept as base64 so that
// an hour of them does not hold an hour of 60 KiB histograms).
struct HdrLogLine {
    double start = 0, length = 0;
    std::uint64_t max = 0;   // ns
    std::string histogram;   // hdr_compressed_base64()
};
WSKIT_API std::string hdr_interval_log(const std::vector<HdrLogLine>& lines, double start_unix_seconds,
                                       std::string_view comment);
// Reads an interval log (ours or HdrHistogram's): comment lines (#...), the
// legend ("StartTimestamp",...) and blank lines are skipped; an interval
// line may start with a "Tag=NAME," field, which is ignored; its max column
// is checked to be a number and ignored (the histogram has its own).
// `start` is the line's own, relative to the log's #[BaseTime] when it has
// one (add it for Unix time). Throws Error(usage) "line N: ..." naming the
// first line that is wrong.
WSKIT_API std::vector<HdrInterval> read_hdr_interval_log(std::string_view text);
// The same, one interval at a time, for a log too long to hold every
// interval (a histogram is 60 KiB): `on_interval` gets each in order.
WSKIT_API void for_each_hdr_interval(std::string_view text,
                                     const std::function<void(const HdrInterval&)>& on_interval);

// wskit bench merge: the intervals of several interval logs added into one
// histogram, and what each log held.
struct HdrMergedFile {
    std::string path;           // as given; "-" is standard input
    std::size_t intervals = 0;
    std::uint64_t count = 0;    // latencies in all its intervals
};
struct HdrMerge {
    LatencyHistogram histogram;  // every interval of every log
    std::vector<HdrMergedFile> files;
};
// Adds every interval of the log `text`, read from `path`. Throws
// Error(usage) "PATH: line N: ..." at the first malformed line, `merge`
// then holding the intervals before it.
WSKIT_API void hdr_merge_log(HdrMerge& merge, const std::string& path, std::string_view text);
// Reads each file in turn ("-": standard input) and adds its log. Throws
// Error(runtime) "PATH: <the system's reason>" for a file that cannot be
// read, Error(usage) "PATH: line N: ..." for a malformed one.
WSKIT_API HdrMerge hdr_merge_files(const std::vector<std::string>& paths);
// The merged latencies as wskit bench's summary shows its own: a table with
// the files, the count, p50, p90, p99, p99.9, max and mean.
WSKIT_API std::string hdr_merge_summary(const HdrMerge& merge);
// The same as one JSON object: count, latency_us {p50, p90, p99, p99_9, max,
// mean} (microseconds to 0.1, as bench --json's), files [{path, intervals,
// count}].
WSKIT_API std::string hdr_merge_json(const HdrMerge& merge);

}  // namespace wskit
