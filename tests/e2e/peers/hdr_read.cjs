// Reads an HdrHistogram interval log with hdr-histogram-js's own
// HistogramLogReader, a reader wskit did not write, and prints what it found
// as one JSON object:
//
//   node hdr_read.cjs FILE.hlog
//
//   {"intervals": [{"start": S, "length": L, "tag": T, "count": N, "p50": V,
//                   "p99": V, "max": V}, ...],
//    "total": {"count": N, "p50": V, "p99": V, "max": V}}
//
// start is Unix seconds (the log's base time added), length seconds, tag null
// without one; values are the histogram's own (nanoseconds in wskit's logs),
// as hdr-histogram-js reports them: a percentile is the highest value of its
// bucket. total adds every interval up. A log it cannot read prints
// {"error": "..."} and exits 1.
'use strict';
const fs = require('fs');
const hdr = require('hdr-histogram-js');

// What the reader sets as the tag of a line without one (its NO_TAG, which
// the package's index does not export).
const NO_TAG = 'NO TAG';

function summary(h) {
  return { count: h.totalCount, p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), max: h.maxValue };
}

function main() {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write('usage: node hdr_read.cjs FILE.hlog\n');
    process.exit(2);
  }
  // 64: counts as doubles, not 32-bit integers that would wrap.
  const reader = new hdr.HistogramLogReader(fs.readFileSync(path, 'utf8'), 64);
  const total = hdr.build({ bitBucketSize: 64, numberOfSignificantValueDigits: 2 });
  const intervals = [];
  for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
    intervals.push({
      start: h.startTimeStampMsec / 1000,
      length: (h.endTimeStampMsec - h.startTimeStampMsec) / 1000,
      tag: h.tag === NO_TAG ? null : h.tag,
      ...summary(h),
    });
    total.add(h);
  }
  process.stdout.write(JSON.stringify({ intervals, total: summary(total) }) + '\n');
}

try {
  main();
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e && e.message ? e.message : e) }) + '\n');
  process.exit(1);
}
