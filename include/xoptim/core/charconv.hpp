#pragma once
// Doubles to and from text, locale-free: std::to_chars / std::from_chars where the standard
// library has them for floating point (__cpp_lib_to_chars: libstdc++ 11 on), and where it does
// not (libc++ before 20, Emscripten 3.1.6's among them) the same results from the C library:
// the grammar of std::from_chars checked here, then strtod; printf's correctly rounded %e and %f
// for the precision forms; and for the shortest form the fewest significant digits that read
// back to the same double, written fixed or scientific, whichever is shorter (fixed on a tie),
// as the standard specifies (a whole number written fixed with its exact digits, as libstdc++
// does). The portable_* functions are that fallback, always available, so
// the tests compare it with the standard library's on every build.
// The fallback relies on strtod and snprintf in the "C" locale, the only one such platforms have.

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

namespace xoptim::detail
{
    namespace charconv_impl
    {
        inline bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

        inline bool starts_with_nocase(const char* first, const char* last, const char* word) noexcept
        {
            const std::size_t n = std::strlen(word);
            if (static_cast<std::size_t>(last - first) < n) { return false; }
            for (std::size_t i = 0; i < n; ++i)
            {
                char c = first[i];
                if (c >= 'A' && c <= 'Z') { c = static_cast<char>(c - 'A' + 'a'); }
                if (c != word[i]) { return false; }
            }
            return true;
        }

        // The end of the longest prefix of [first, last) that std::from_chars (general format)
        // reads as a double, or nullptr when none is.
        inline const char* match_general(const char* first, const char* last) noexcept
        {
            const char* p = first;
            if (p != last && *p == '-') { ++p; }
            if (starts_with_nocase(p, last, "infinity")) { return p + 8; }
            if (starts_with_nocase(p, last, "inf")) { return p + 3; }
            if (starts_with_nocase(p, last, "nan"))
            {
                const char* q = p + 3;
                if (q != last && *q == '(')
                {
                    const char* r = q + 1;
                    while (r != last
                           && (is_digit(*r) || *r == '_' || (*r >= 'a' && *r <= 'z') || (*r >= 'A' && *r <= 'Z')))
                    {
                        ++r;
                    }
                    if (r != last && *r == ')') { return r + 1; }
                }
                return q;
            }
            std::size_t digits = 0;
            while (p != last && is_digit(*p)) { ++p, ++digits; }
            if (p != last && *p == '.')
            {
                ++p;
                while (p != last && is_digit(*p)) { ++p, ++digits; }
            }
            if (digits == 0) { return nullptr; }
            if (p != last && (*p == 'e' || *p == 'E'))
            {
                const char* q = p + 1;
                if (q != last && (*q == '+' || *q == '-')) { ++q; }
                if (q != last && is_digit(*q))
                {
                    while (q != last && is_digit(*q)) { ++q; }
                    p = q;
                }
            }
            return p;
        }

        inline std::to_chars_result copy_out(char* first, char* last, const char* text, std::size_t n) noexcept
        {
            if (static_cast<std::size_t>(last - first) < n) { return {last, std::errc::value_too_large}; }
            std::memcpy(first, text, n);
            return {first + n, std::errc{}};
        }

        // Whether the decimal m x 10^e reads back as v.
        inline bool reads_back(unsigned long long m, int e, double v)
        {
            char buf[48];
            std::snprintf(buf, sizeof buf, "%llue%d", m, e);
            return std::strtod(buf, nullptr) == v;
        }

        // The significant digits and decimal exponent of the shortest decimal that reads back as
        // the finite, non-zero |v| (the nearest one of that length): |v| ~ d1.d2...dn x 10^exponent.
        inline void shortest_digits(double v, std::string& digits, int& exponent)
        {
            v = std::fabs(v);
            unsigned long long m = 0;
            int e = 0;  // v ~ m x 10^e
            for (int precision = 1; precision <= 17; ++precision)
            {
                char buf[40];
                std::snprintf(buf, sizeof buf, "%.*e", precision - 1, v);
                // buf is d[.ddd]e(+|-)xx: the nearest decimal of `precision` digits
                m = 0;
                const char* p = buf;
                for (; *p != 'e'; ++p)
                {
                    if (*p != '.') { m = m * 10 + static_cast<unsigned long long>(*p - '0'); }
                }
                e = std::atoi(p + 1) - (precision - 1);
                if (reads_back(m, e, v) || precision == 17) { break; }
                // Next to a power of two the interval that reads back as v is narrower on one
                // side: a neighbour of the nearest decimal may read back when it does not.
                if (reads_back(m + 1, e, v))
                {
                    m += 1;
                    break;
                }
                if (m > 1 && reads_back(m - 1, e, v))
                {
                    m -= 1;
                    break;
                }
            }
            while (m % 10 == 0 && m != 0)
            {
                m /= 10;
                ++e;
            }
            digits = std::to_string(m);
            exponent = e + static_cast<int>(digits.size()) - 1;
        }
    }

    // std::from_chars(first, last, value) for a double in the general format, by the fallback.
    inline std::from_chars_result portable_from_chars(const char* first, const char* last, double& value) noexcept
    {
        const char* end = charconv_impl::match_general(first, last);
        if (end == nullptr) { return {first, std::errc::invalid_argument}; }
        std::string text(first, end);
        errno = 0;
        const double v = std::strtod(text.c_str(), nullptr);
        if (errno == ERANGE && (std::isinf(v) || v == 0.0)) { return {end, std::errc::result_out_of_range}; }
        value = v;
        return {end, std::errc{}};
    }

    // std::to_chars(first, last, value): the shortest form, by the fallback.
    inline std::to_chars_result portable_to_chars(char* first, char* last, double value) noexcept
    {
        try
        {
            std::string out;
            if (std::signbit(value)) { out.push_back('-'); }
            if (std::isnan(value)) { out += "nan"; }
            else if (std::isinf(value)) { out += "inf"; }
            else if (value == 0.0) { out += "0"; }
            else
            {
                std::string digits;
                int exponent = 0;
                charconv_impl::shortest_digits(value, digits, exponent);
                const int n = static_cast<int>(digits.size());
                std::string scientific = digits.substr(0, 1);
                if (n > 1) { scientific += "." + digits.substr(1); }
                char e[16];
                std::snprintf(e, sizeof e, "e%c%02d", exponent < 0 ? '-' : '+', exponent < 0 ? -exponent : exponent);
                scientific += e;
                std::string fixed;
                if (exponent >= n - 1)
                {
                    // A whole number: its exact digits, as libstdc++ and MSVC write it (the length
                    // is that of the shortest digits padded with zeros).
                    char whole[320];
                    std::snprintf(whole, sizeof whole, "%.0f", std::fabs(value));
                    fixed = whole;
                }
                else if (exponent >= 0)
                {
                    fixed = digits.substr(0, static_cast<std::size_t>(exponent + 1)) + "."
                            + digits.substr(static_cast<std::size_t>(exponent + 1));
                }
                else { fixed = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits; }
                out += fixed.size() <= scientific.size() ? fixed : scientific;
            }
            return charconv_impl::copy_out(first, last, out.data(), out.size());
        }
        catch (...)
        {
            return {last, std::errc::value_too_large};
        }
    }

    // std::to_chars(first, last, value, format, precision) for the fixed and scientific
    // formats, by the fallback (printf's %.*f and %.*e are correctly rounded, as to_chars is).
    inline std::to_chars_result portable_to_chars(char* first, char* last, double value, std::chars_format format,
                                                  int precision) noexcept
    {
        if (std::isnan(value) || std::isinf(value)) { return portable_to_chars(first, last, value); }
        const char* spec = format == std::chars_format::fixed ? "%.*f" : "%.*e";
        const int n = std::snprintf(nullptr, 0, spec, precision, value);
        if (n < 0 || static_cast<std::size_t>(last - first) < static_cast<std::size_t>(n))
        {
            return {last, std::errc::value_too_large};
        }
        try
        {
            std::string out(static_cast<std::size_t>(n) + 1, '\0');
            std::snprintf(out.data(), out.size(), spec, precision, value);
            return charconv_impl::copy_out(first, last, out.data(), static_cast<std::size_t>(n));
        }
        catch (...)
        {
            return {last, std::errc::value_too_large};
        }
    }

#if defined(__cpp_lib_to_chars) && !defined(XOPTIM_PORTABLE_CHARCONV)
    inline std::from_chars_result double_from_chars(const char* first, const char* last, double& value) noexcept
    {
        return std::from_chars(first, last, value);
    }
    inline std::to_chars_result double_to_chars(char* first, char* last, double value) noexcept
    {
        return std::to_chars(first, last, value);
    }
    inline std::to_chars_result double_to_chars(char* first, char* last, double value, std::chars_format format,
                                                int precision) noexcept
    {
        return std::to_chars(first, last, value, format, precision);
    }
#else
    inline std::from_chars_result double_from_chars(const char* first, const char* last, double& value) noexcept
    {
        return portable_from_chars(first, last, value);
    }
    inline std::to_chars_result double_to_chars(char* first, char* last, double value) noexcept
    {
        return portable_to_chars(first, last, value);
    }
    inline std::to_chars_result double_to_chars(char* first, char* last, double value, std::chars_format format,
                                                int precision) noexcept
    {
        return portable_to_chars(first, last, value, format, precision);
    }
#endif
}
