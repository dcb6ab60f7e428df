// A small SVG line-chart writer for wskit bench --report: axes with ticks and
// a grid, one or more lines with a legend, a linear or log x axis, shaded
// stretches of the x axis. The SVG styles itself with presentation
// attributes, so it reads the same inline in a page or saved alone; its size
// is a viewBox, to be scaled by the page.
#pragma once

#include <string>
#include <vector>

namespace wskit::detail {

struct ChartPoint {
    double x = 0, y = 0;
};

struct ChartLine {
    std::string name;                // in the legend
    // In x order. A point with a non-finite coordinate (or x <= 0 on a log
    // axis) is not drawn and breaks the line: a gap, not a fall to zero.
    std::vector<ChartPoint> points;
};

struct ChartTick {
    double value = 0;   // in x's own units (not its logarithm)
    std::string label;
};

// A stretch of the x axis shaded and named (the warm-up).
struct ChartBand {
    double from = 0, to = 0;
    std::string label;
};

struct LineChart {
    std::string id;                  // the <svg> element's id, for the page and its tests
    std::string title;               // <title>: what a screen reader says, a tooltip
    std::string x_label, y_label;
    bool log_x = false;              // x placed by log10(x)
    std::vector<ChartTick> x_ticks;  // empty: round numbers (powers of ten on a log axis)
    std::vector<ChartLine> lines;
    std::vector<ChartBand> bands;
};

// The <svg> element. The y axis starts at 0 (every series here counts or
// times something) and ends at a round number above the highest point.
// Every number written is finite, to 0.1 of a unit of the viewBox, whatever
// the points (none, one, all equal, all zero). Text is HTML-escaped.
std::string svg_line_chart(const LineChart& chart);

// "0", "12.5", "-3": a coordinate to 0.1, without a trailing ".0"; 0 for
// anything not finite.
std::string svg_number(double value);

}  // namespace wskit::detail
