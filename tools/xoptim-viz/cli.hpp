#pragma once
// Shared plumbing for the xoptim-viz subcommands: exit statuses, checked standard output, strict
// number parsing. Bad input raises usage_error; a subcommand turns it into one line on standard
// error and exit status 2. The flags themselves are parsed by CLI11 (command_line.hpp).

#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <xoptim/core/charconv.hpp>

namespace xoptim_viz
{

    /// Exit statuses shared by every subcommand.
    inline constexpr int exit_ok = 0;
    inline constexpr int exit_failure = 1;   ///< something unexpected went wrong while running
    inline constexpr int exit_usage = 2;     ///< bad input: nothing was written to standard output
    inline constexpr int exit_diverged = 3;  ///< the run diverged; the finite rows were written

    /// An output stream's buffer over a file descriptor whose every write is checked: a write that
    /// fails (a full disk, /dev/full, a file size limit, a closed pipe) throws std::system_error
    /// naming the stream and, where the system knows it, the file ("standard output (/dev/full):
    /// No space left on device"). An ostream over it that sets exceptions(badbit) passes the error
    /// on to its writer instead of swallowing it.
    class checked_fd_buffer : public std::streambuf
    {
    public:
        checked_fd_buffer(int fd, std::string name) : m_fd(fd), m_name(std::move(name))
        {
            setp(m_buffer.data(), m_buffer.data() + m_buffer.size());
        }

        checked_fd_buffer(const checked_fd_buffer&) = delete;
        checked_fd_buffer& operator=(const checked_fd_buffer&) = delete;

    protected:
        int_type overflow(int_type c) override
        {
            drain();
            if (!traits_type::eq_int_type(c, traits_type::eof()))
            {
                *pptr() = traits_type::to_char_type(c);
                pbump(1);
            }
            return traits_type::not_eof(c);
        }

        int sync() override
        {
            drain();
            return 0;
        }

    private:
        void drain()
        {
            const char* p = pbase();
            const char* end = pptr();
            while (p < end)
            {
                const ::ssize_t n = ::write(m_fd, p, static_cast<std::size_t>(end - p));
                if (n < 0)
                {
                    if (errno == EINTR) { continue; }
                    const int e = errno;
                    setp(m_buffer.data(), m_buffer.data() + m_buffer.size());
                    throw std::system_error(e, std::generic_category(), "cannot write " + described());
                }
                p += n;
            }
            setp(m_buffer.data(), m_buffer.data() + m_buffer.size());
        }

        /// The stream's name and, when it is a file, its path.
        std::string described() const
        {
            char path[4096];
            const std::string link = "/proc/self/fd/" + std::to_string(m_fd);
            const ::ssize_t n = ::readlink(link.c_str(), path, sizeof path - 1);
            if (n <= 0) { return m_name; }
            return m_name + " (" + std::string(path, static_cast<std::size_t>(n)) + ")";
        }

        int m_fd;
        std::string m_name;
        std::array<char, 1 << 16> m_buffer{};
    };

    /// Bad input on the command line (or in a file it names).
    class usage_error : public std::runtime_error
    {
    public:
        using std::runtime_error::runtime_error;
    };

    /// One flag of a table (the optimizers' hyperparameter flags, the explorer's map): its name
    /// with dashes ("--lr"), the name of its value ("X"; empty for a switch) and a line of help.
    struct flag
    {
        std::string_view name;
        std::string_view value;
        std::string_view help;
    };

    /// "a, b, c" from a list of names.
    template <class Names>
    std::string join(const Names& names, std::string_view separator = ", ")
    {
        std::string out;
        for (const auto& n : names)
        {
            if (!out.empty()) { out += separator; }
            out += std::string_view(n);
        }
        return out;
    }

    /// A finite double, the whole text (a leading '+' allowed).
    inline double parse_double(std::string_view name, std::string_view text)
    {
        std::string_view digits = text;
        if (digits.size() > 1 && digits[0] == '+' && digits[1] != '-' && digits[1] != '+') { digits.remove_prefix(1); }
        double v = 0.0;
        const auto [end, ec] = xoptim::detail::double_from_chars(digits.data(), digits.data() + digits.size(), v);
        if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || !std::isfinite(v))
        {
            throw usage_error(std::string(name) + ": '" + std::string(text) + "' is not a finite number");
        }
        return v;
    }

    /// A non-negative integer in decimal digits, the whole text.
    inline std::uint64_t parse_unsigned(std::string_view name, std::string_view text)
    {
        std::uint64_t v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
        {
            throw usage_error(std::string(name) + ": '" + std::string(text) + "' is not a non-negative integer");
        }
        return v;
    }

    /// Comma-separated finite doubles ("-10,-20").
    inline std::vector<double> parse_list(std::string_view name, std::string_view text)
    {
        std::vector<double> out;
        for (;;)
        {
            const auto comma = text.find(',');
            out.push_back(parse_double(name, text.substr(0, comma)));
            if (comma == std::string_view::npos) { return out; }
            text.remove_prefix(comma + 1);
        }
    }

    /// "%.17g": enough digits to read every double back exactly.
    inline std::string format_number(double v)
    {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", v);
        return buf;
    }

    /// The shortest text that reads back as the same double ("0.9", not "0.90000000000000002").
    inline std::string shortest_number(double v)
    {
        char buf[32];
        const auto end = xoptim::detail::double_to_chars(buf, buf + sizeof buf, v).ptr;
        return std::string(buf, end);
    }

}  // namespace xoptim_viz
