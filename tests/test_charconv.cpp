// core/charconv.hpp: the fallback for standard libraries without floating-point to_chars and
// from_chars (portable_*) gives exactly what libstdc++'s std::to_chars and std::from_chars give,
// on random bit patterns, on decimals, at every power of two and its neighbour (where the
// interval that reads back is lopsided) and on the edges of the from_chars grammar.
#include <doctest/doctest.h>

#include <xoptim/core/charconv.hpp>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace
{
    using xoptim::detail::portable_from_chars;
    using xoptim::detail::portable_to_chars;

    std::string standard_text(double v)
    {
        char buf[512];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        return std::string(buf, r.ptr);
    }
    std::string portable_text(double v)
    {
        char buf[512];
        const auto r = portable_to_chars(buf, buf + sizeof buf, v);
        REQUIRE(r.ec == std::errc{});
        return std::string(buf, r.ptr);
    }

    // Counts the values whose texts differ in any form; prints the first few.
    int mismatches(double v)
    {
        int bad = 0;
        char a[512], b[512];
        if (standard_text(v) != portable_text(v))
        {
            ++bad;
            MESSAGE("shortest ", standard_text(v), " vs ", portable_text(v));
        }
        for (const int precision : {0, 1, 3, 6, 16})
        {
            for (const auto format : {std::chars_format::fixed, std::chars_format::scientific})
            {
                if (format == std::chars_format::fixed && std::fabs(v) > 1e100) { continue; }
                const auto ra = std::to_chars(a, a + sizeof a, v, format, precision);
                const auto rb = portable_to_chars(b, b + sizeof b, v, format, precision);
                if (ra.ec != rb.ec || std::string(a, ra.ptr) != std::string(b, rb.ptr))
                {
                    ++bad;
                    MESSAGE("precision ", precision, ": ", std::string(a, ra.ptr), " vs ", std::string(b, rb.ptr));
                }
            }
        }
        const std::string text = standard_text(v);
        double x = 0.0, y = 0.0;
        const auto fa = std::from_chars(text.data(), text.data() + text.size(), x);
        const auto fb = portable_from_chars(text.data(), text.data() + text.size(), y);
        if (fa.ptr != fb.ptr || fa.ec != fb.ec || std::memcmp(&x, &y, sizeof x) != 0)
        {
            ++bad;
            MESSAGE("reading back ", text);
        }
        return bad;
    }
}

TEST_CASE("charconv fallback: the shortest, fixed and scientific texts and their reading equal libstdc++'s")
{
    int bad = 0;
    std::mt19937_64 gen(20261203);
    for (int i = 0; i < 20000; ++i) { bad += mismatches(std::bit_cast<double>(gen())); }
    std::uniform_real_distribution<double> decimal(-1e6, 1e6);
    for (int i = 0; i < 5000; ++i)
    {
        const double v = decimal(gen);
        bad += mismatches(v) + mismatches(std::round(v * 1000.0) / 1000.0);
    }
    for (int e = -1074; e <= 1023; e += 3)
    {
        const double p = std::ldexp(1.0, e);
        bad += mismatches(p) + mismatches(-p) + mismatches(std::nextafter(p, 0.0));
    }
    for (const double v : {0.0, -0.0, 0.1, 0.3, 1e21, 1e22, 1e23, 123456789012345678.0, 5e-324, 2.2250738585072014e-308,
                           std::numeric_limits<double>::max(), 100.0, 1e-5, 9.5, 0.95})
    {
        bad += mismatches(v);
    }
    CHECK(bad == 0);
    // The fallback is not the standard library's output passed through: it can be told apart.
    CHECK(portable_text(0.1) == "0.1");
    CHECK(portable_text(1e22) == "1e+22");
    CHECK(portable_text(123456789012345678.0) == "123456789012345680");
    CHECK(portable_text(-std::numeric_limits<double>::infinity()) == "-inf");
    CHECK(portable_text(std::numeric_limits<double>::quiet_NaN()) == "nan");
}

TEST_CASE("charconv fallback: from_chars's grammar, its stopping point and its errors")
{
    const std::vector<std::string> texts = {
        "",      "-",         "+1",    ".",     "-.",         "1.",   ".5",    "1e",    "1e+",    "1e5",    "1E-5x",
        "inf",   "-Infinity", "infin", "nan",   "NaN(abc_1)", "nan(", "nan(1", "1e400", "-1e400", "1e-400", "4e-320",
        "0x1p3", " 1",        "1,5",   "00012", "1.5e+3",     "e5",   "-e5",   "1..2",  "12abc",  "-0",     "0.000"};
    for (const auto& s : texts)
    {
        CAPTURE(s);
        double x = 7.0, y = 7.0;
        const auto a = std::from_chars(s.data(), s.data() + s.size(), x);
        const auto b = portable_from_chars(s.data(), s.data() + s.size(), y);
        CHECK(a.ptr - s.data() == b.ptr - s.data());
        CHECK(a.ec == b.ec);
        CHECK(std::memcmp(&x, &y, sizeof x) == 0);
    }
}

TEST_CASE("charconv fallback: a buffer too small is value_too_large, and nothing past it is written")
{
    char buf[8];
    std::memset(buf, 'z', sizeof buf);
    const auto r = portable_to_chars(buf, buf + 4, 0.123456789);
    CHECK(r.ec == std::errc::value_too_large);
    CHECK(r.ptr == buf + 4);
    CHECK(buf[4] == 'z');
    const auto f = portable_to_chars(buf, buf + 4, 12345.0, std::chars_format::fixed, 2);
    CHECK(f.ec == std::errc::value_too_large);
    CHECK(buf[4] == 'z');
}
