// The SVG line charts of wskit bench --report.
#include "bench/svg_chart.hpp"

#include "bench/html.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

namespace wskit::detail {
namespace {

// The drawing in viewBox units: about a page column wide; the margins hold
// the legend (top), the tick labels (half of the last x label sticks out on
// the right) and the axis labels.
constexpr double chart_width = 720, chart_height = 280;
constexpr double plot_left = 64, plot_right = chart_width - 40;
constexpr double plot_top = 32, plot_bottom = chart_height - 44;

// Lines told apart by colour (Okabe and Ito's palette, which colour-blind
// readers can tell apart too) and, on a grey printout, by their dashes.
struct Pen {
    const char* colour;
    const char* dashes;
};
constexpr Pen pens[] = {
    {"#0072b2", ""}, {"#d55e00", "6 3"}, {"#009e73", "2 3"}, {"#cc79a7", "8 3 2 3"}, {"#e69f00", "4 4"},
};
const Pen& pen_of(std::size_t line) { return pens[line % std::size(pens)]; }

// A range of values onto a range of the viewBox. Ranges are never flat
// (see value_range), so nothing divides by zero.
struct Scale {
    double lo = 0, hi = 1, from = 0, to = 1;
    double at(double value) const { return from + (value - lo) / (hi - lo) * (to - from); }
};

struct Tick {
    double at = 0;  // in axis units (log10 of the value on a log axis)
    std::string label;
};

// x as the axis places it; NaN where it cannot be placed.
double axis_x(const LineChart& chart, double x) {
    if (!chart.log_x) return x;
    return x > 0 ? std::log10(x) : std::numeric_limits<double>::quiet_NaN();
}

// Far beyond any measurement, and kept out so that the axis arithmetic
// (spans, steps, a round number above the highest point) stays finite.
constexpr double largest_drawable = 1e300;

bool drawable(const LineChart& chart, const ChartPoint& p) {
    double x = axis_x(chart, p.x);
    return std::isfinite(x) && std::isfinite(p.y) && std::abs(x) <= largest_drawable &&
           std::abs(p.y) <= largest_drawable;
}

// 1, 2 or 5 times a power of ten, near a fifth of `span` (> 0): 5 or so ticks.
double nice_step(double span) {
    double rough = span / 5;
    double power = std::pow(10.0, std::floor(std::log10(rough)));
    double mantissa = rough / power;
    return (mantissa < 1.5 ? 1 : mantissa < 3.5 ? 2 : mantissa < 7.5 ? 5 : 10) * power;
}

// "250", "1.5", "20k", "1.2M": short enough for a tick.
std::string tick_text(double value) {
    double size = std::abs(value);
    if (size >= 1e6) return fmt::format("{:g}M", value / 1e6);
    if (size >= 1e4) return fmt::format("{:g}k", value / 1e3);
    return fmt::format("{:g}", value);
}

// Round-number ticks from lo to hi, a step apart.
std::vector<Tick> linear_ticks(double lo, double hi, double step) {
    std::vector<Tick> ticks;
    double first = std::ceil(lo / step) * step;
    for (int k = 0; k <= 100; ++k) {
        double value = first + k * step;
        if (value > hi + step * 1e-6) break;
        if (std::abs(value) < step * 1e-6) value = 0;  // not "-1.3e-17" where 0 was meant
        ticks.push_back({value, tick_text(value)});
    }
    return ticks;
}

// The smallest and largest of `values`, widened when flat, onto from..to.
Scale value_range(std::vector<double> values, double from, double to) {
    Scale s{0, 1, from, to};
    if (values.empty()) return s;
    auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    s.lo = *lo;
    s.hi = *hi > *lo ? *hi : *lo + std::max(1.0, std::abs(*lo));
    return s;
}

Scale x_scale(const LineChart& chart) {
    std::vector<double> xs;
    for (const auto& line : chart.lines) {
        for (const auto& p : line.points) {
            if (drawable(chart, p)) xs.push_back(axis_x(chart, p.x));
        }
    }
    for (const auto& tick : chart.x_ticks) {
        if (drawable(chart, {tick.value, 0})) xs.push_back(axis_x(chart, tick.value));
    }
    // A time axis reads from the start of the run: a linear x starts at 0.
    if (!chart.log_x) xs.push_back(0);
    return value_range(xs, plot_left, plot_right);
}

// From 0 (or the lowest point, if below) up to a round number at or above
// the highest point, with the ticks that divide it.
std::pair<Scale, std::vector<Tick>> y_axis(const LineChart& chart) {
    std::vector<double> ys{0};
    for (const auto& line : chart.lines) {
        for (const auto& p : line.points) {
            if (drawable(chart, p)) ys.push_back(p.y);
        }
    }
    Scale s = value_range(ys, plot_bottom, plot_top);
    double step = nice_step(s.hi - s.lo);
    s.hi = s.lo + std::ceil((s.hi - s.lo) / step - 1e-9) * step;
    return {s, linear_ticks(s.lo, s.hi, step)};
}

std::vector<Tick> x_ticks(const LineChart& chart, const Scale& xs) {
    std::vector<Tick> ticks;
    if (!chart.x_ticks.empty()) {
        for (const auto& tick : chart.x_ticks) {
            if (drawable(chart, {tick.value, 0})) ticks.push_back({axis_x(chart, tick.value), tick.label});
        }
        return ticks;
    }
    if (!chart.log_x) return linear_ticks(xs.lo, xs.hi, nice_step(xs.hi - xs.lo));
    // Powers of ten; every other one or fewer when there are more than 10.
    double every = std::max(1.0, std::ceil((xs.hi - xs.lo) / 10));
    for (double k = std::ceil(xs.lo - 1e-9); k <= xs.hi + 1e-9; k += every) {
        ticks.push_back({k, tick_text(std::pow(10.0, k))});
    }
    return ticks;
}

void write_axes(std::string& out, const std::vector<Tick>& xt, const Scale& xs, const std::vector<Tick>& yt,
                const Scale& ys) {
    out += "<g stroke=\"#e2e2e2\">";
    for (const auto& t : yt) {
        auto y = svg_number(ys.at(t.at));
        out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", svg_number(plot_left), y,
                           svg_number(plot_right), y);
    }
    for (const auto& t : xt) {
        auto x = svg_number(xs.at(t.at));
        out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", x, svg_number(plot_top), x,
                           svg_number(plot_bottom));
    }
    out += fmt::format("</g><path stroke=\"#555\" fill=\"none\" d=\"M{} {}V{}H{}\"/>", svg_number(plot_left),
                       svg_number(plot_top), svg_number(plot_bottom), svg_number(plot_right));
    out += "<g fill=\"#333\" text-anchor=\"end\">";
    for (const auto& t : yt) {
        out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>", svg_number(plot_left - 6), svg_number(ys.at(t.at) + 4),
                           html_escape(t.label));
    }
    out += "</g><g fill=\"#333\" text-anchor=\"middle\">";
    for (const auto& t : xt) {
        out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>", svg_number(xs.at(t.at)), svg_number(plot_bottom + 16),
                           html_escape(t.label));
    }
    out += "</g>";
}

void write_axis_labels(std::string& out, const LineChart& chart) {
    double middle_y = (plot_top + plot_bottom) / 2;
    out += fmt::format("<g fill=\"#333\" text-anchor=\"middle\"><text x=\"{}\" y=\"{}\">{}</text>",
                       svg_number((plot_left + plot_right) / 2), svg_number(chart_height - 8),
                       html_escape(chart.x_label));
    out += fmt::format("<text transform=\"rotate(-90)\" x=\"{}\" y=\"14\">{}</text></g>", svg_number(-middle_y),
                       html_escape(chart.y_label));
}

void write_bands(std::string& out, const LineChart& chart, const Scale& xs) {
    for (const auto& band : chart.bands) {
        double from = axis_x(chart, band.from), to = axis_x(chart, band.to);
        if (!std::isfinite(from) || !std::isfinite(to)) continue;
        from = std::clamp(xs.at(from), plot_left, plot_right);
        to = std::clamp(xs.at(to), plot_left, plot_right);
        if (to <= from) continue;
        out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#000\" fill-opacity=\"0.06\"/>",
                           svg_number(from), svg_number(plot_top), svg_number(to - from),
                           svg_number(plot_bottom - plot_top));
        out += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#555\">{}</text>", svg_number(from + 4),
                           svg_number(plot_top + 14), html_escape(band.label));
    }
}

// One polyline per unbroken run of points; a run of one point is a dot,
// since a polyline through one point draws nothing.
void write_line(std::string& out, const LineChart& chart, std::size_t index, const Scale& xs, const Scale& ys) {
    const Pen& pen = pen_of(index);
    out += fmt::format("<g class=\"line\" data-line=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" "
                       "stroke-linejoin=\"round\"{}>",
                       html_escape(chart.lines[index].name), pen.colour,
                       *pen.dashes ? fmt::format(" stroke-dasharray=\"{}\"", pen.dashes) : std::string());
    std::string run;        // "x,y x,y ..."
    std::size_t in_run = 0;
    ChartPoint first;       // of the run, in viewBox units
    auto flush = [&] {
        if (in_run == 1) {
            out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{}\"/>", svg_number(first.x),
                               svg_number(first.y), pen.colour);
        } else if (in_run > 1) {
            out += "<polyline points=\"" + run + "\"/>";
        }
        run.clear();
        in_run = 0;
    };
    for (const auto& p : chart.lines[index].points) {
        if (!drawable(chart, p)) {
            flush();
            continue;
        }
        ChartPoint at{xs.at(axis_x(chart, p.x)), ys.at(p.y)};
        if (in_run++ == 0) first = at;
        run += (run.empty() ? "" : " ") + svg_number(at.x) + "," + svg_number(at.y);
    }
    flush();
    out += "</g>";
}

// Above the plot, left to right: a sample of each line's pen, its name.
void write_legend(std::string& out, const LineChart& chart) {
    double x = plot_left;
    out += "<g fill=\"#333\">";
    for (std::size_t i = 0; i < chart.lines.size(); ++i) {
        const Pen& pen = pen_of(i);
        out += fmt::format("<line x1=\"{}\" y1=\"14\" x2=\"{}\" y2=\"14\" stroke=\"{}\" stroke-width=\"2\"{}/>",
                           svg_number(x), svg_number(x + 22), pen.colour,
                           *pen.dashes ? fmt::format(" stroke-dasharray=\"{}\"", pen.dashes) : std::string());
        out += fmt::format("<text x=\"{}\" y=\"18\">{}</text>", svg_number(x + 28), html_escape(chart.lines[i].name));
        // About 7 units a character at 12 px: close enough to keep names apart.
        x += 28 + 7.0 * static_cast<double>(chart.lines[i].name.size()) + 20;
    }
    out += "</g>";
}

}  // namespace

std::string svg_number(double value) {
    if (!std::isfinite(value)) return "0";
    // Tenths mean nothing this far out, and value * 10 could overflow.
    if (std::abs(value) >= 1e15) return fmt::format("{:.0f}", value);
    auto text = fmt::format("{:.1f}", std::round(value * 10) / 10);
    if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) text.resize(text.size() - 2);
    return text == "-0" ? "0" : text;
}

std::string svg_line_chart(const LineChart& chart) {
    Scale xs = x_scale(chart);
    auto [ys, y_ticks] = y_axis(chart);
    std::string out = fmt::format("<svg id=\"{}\" class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\" font-size=\"12\">"
                                  "<title>{}</title>",
                                  html_escape(chart.id), svg_number(chart_width), svg_number(chart_height),
                                  html_escape(chart.title));
    write_bands(out, chart, xs);
    write_axes(out, x_ticks(chart, xs), xs, y_ticks, ys);
    write_axis_labels(out, chart);
    for (std::size_t i = 0; i < chart.lines.size(); ++i) write_line(out, chart, i, xs, ys);
    write_legend(out, chart);
    return out + "</svg>";
}

}  // namespace wskit::detail
