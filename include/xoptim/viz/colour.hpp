// xoptim/viz/colour.hpp -- colours: the viridis colour map and a colour cycle
// that stays distinguishable for colour-blind readers.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace xoptim::viz
{
    /// An 8-bit sRGB colour.
    struct rgb
    {
        std::uint8_t r = 0;
        std::uint8_t g = 0;
        std::uint8_t b = 0;

        /// "#rrggbb", lower case.
        std::string hex() const
        {
            static constexpr char digits[] = "0123456789abcdef";
            std::string s = "#";
            for (std::uint8_t c : {r, g, b})
            {
                s += digits[c >> 4];
                s += digits[c & 15];
            }
            return s;
        }

        /// The colour scaled towards black by `factor` in [0, 1] (1 keeps it).
        rgb shaded(double factor) const
        {
            const double f = std::isfinite(factor) ? std::clamp(factor, 0.0, 1.0) : 1.0;
            auto s = [f](std::uint8_t c) { return static_cast<std::uint8_t>(std::lround(c * f)); };
            return {s(r), s(g), s(b)};
        }

        friend bool operator==(const rgb&, const rgb&) = default;
    };

    namespace detail
    {
        struct viridis_sample
        {
            int index;  // position in matplotlib's 256-entry table
            double r, g, b;
        };

        // Every eighth entry (and the last) of matplotlib's 256-entry viridis
        // table (_viridis_data in matplotlib/_cm_listed.py; colour map by
        // S. van der Walt and N. Smith). Linear interpolation between these
        // samples stays within 2/255 of the full table.
        inline constexpr std::array<viridis_sample, 33> viridis_table = {{
            {0, 0.267004, 0.004874, 0.329415},   {8, 0.277018, 0.050344, 0.375715},
            {16, 0.282327, 0.094955, 0.417331},  {24, 0.282884, 0.135920, 0.453427},
            {32, 0.278826, 0.175490, 0.483397},  {40, 0.270595, 0.214069, 0.507052},
            {48, 0.258965, 0.251537, 0.524736},  {56, 0.244972, 0.287675, 0.537260},
            {64, 0.229739, 0.322361, 0.545706},  {72, 0.214298, 0.355619, 0.551184},
            {80, 0.199430, 0.387607, 0.554642},  {88, 0.185556, 0.418570, 0.556753},
            {96, 0.172719, 0.448791, 0.557885},  {104, 0.160665, 0.478540, 0.558115},
            {112, 0.149039, 0.508051, 0.557250}, {120, 0.137770, 0.537492, 0.554906},
            {128, 0.127568, 0.566949, 0.550556}, {136, 0.120565, 0.596422, 0.543611},
            {144, 0.120638, 0.625828, 0.533488}, {152, 0.132268, 0.655014, 0.519661},
            {160, 0.157851, 0.683765, 0.501686}, {168, 0.196571, 0.711827, 0.479221},
            {176, 0.246070, 0.738910, 0.452024}, {184, 0.304148, 0.764704, 0.419943},
            {192, 0.369214, 0.788888, 0.382914}, {200, 0.440137, 0.811138, 0.340967},
            {208, 0.515992, 0.831158, 0.294279}, {216, 0.595839, 0.848717, 0.243329},
            {224, 0.678489, 0.863742, 0.189503}, {232, 0.762373, 0.876424, 0.137064},
            {240, 0.845561, 0.887322, 0.099702}, {248, 0.926106, 0.897330, 0.104071},
            {255, 0.993248, 0.906157, 0.143936},
        }};

        inline std::uint8_t to_byte(double c)
        {
            return static_cast<std::uint8_t>(std::lround(std::clamp(c, 0.0, 1.0) * 255.0));
        }
    }

    /// The viridis colour map at `t` in [0, 1] (clamped; NaN gives the
    /// middle of the map). viridis(0) is dark purple #440154, viridis(1) yellow #fde725.
    inline rgb viridis(double t)
    {
        if (std::isnan(t)) { t = 0.5; }
        t = std::clamp(t, 0.0, 1.0);
        const double pos = t * 255.0;
        const auto& tab = detail::viridis_table;
        std::size_t k = 0;
        while (k + 2 < tab.size() && static_cast<double>(tab[k + 1].index) <= pos) { ++k; }
        const auto& a = tab[k];
        const auto& b = tab[k + 1];
        const double u = std::clamp((pos - a.index) / static_cast<double>(b.index - a.index), 0.0, 1.0);
        return {detail::to_byte(a.r + (b.r - a.r) * u), detail::to_byte(a.g + (b.g - a.g) * u),
                detail::to_byte(a.b + (b.b - a.b) * u)};
    }

    /// The Okabe-Ito palette (M. Okabe and K. Ito, "Color Universal Design",
    /// 2008), ordered for lines on white: the pale yellow comes last.
    inline constexpr std::array<rgb, 8> okabe_ito = {{
        {0x00, 0x72, 0xb2},  // blue
        {0xd5, 0x5e, 0x00},  // vermillion
        {0x00, 0x9e, 0x73},  // bluish green
        {0xcc, 0x79, 0xa7},  // reddish purple
        {0xe6, 0x9f, 0x00},  // orange
        {0x56, 0xb4, 0xe9},  // sky blue
        {0x00, 0x00, 0x00},  // black
        {0xf0, 0xe4, 0x42},  // yellow
    }};

    /// The i-th colour of the cycle (wraps around after eight).
    inline rgb cycle_colour(std::size_t i) { return okabe_ito[i % okabe_ito.size()]; }

    /// A dash pattern for the i-th series: solid for the first eight, then
    /// dashed, then dotted, so that more than eight series stay distinct.
    inline std::string cycle_dash(std::size_t i)
    {
        switch ((i / okabe_ito.size()) % 3)
        {
        case 0: return "";
        case 1: return "6,3";
        default: return "2,2";
        }
    }
}
