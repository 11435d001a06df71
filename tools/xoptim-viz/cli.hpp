#pragma once
// Shared command-line plumbing for the xoptim-viz subcommands: flag tables, parsing, strict
// number parsing and help text. Bad input raises usage_error; a subcommand turns it into one
// line on standard error and exit status 2.

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <ostream>
#include <span>
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

    /// One flag: its name with dashes ("--lr"), the name of its value ("X"; empty for a switch)
    /// and a line of help.
    struct flag
    {
        std::string_view name;
        std::string_view value;
        std::string_view help;
    };

    /// The flags found on a command line: a switch maps to "", a flag with a value to its value.
    class parsed_flags
    {
    public:
        bool has(std::string_view name) const { return m_values.count(std::string(name)) != 0; }

        std::optional<std::string> get(std::string_view name) const
        {
            const auto it = m_values.find(std::string(name));
            if (it == m_values.end()) { return std::nullopt; }
            return it->second;
        }

        /// The flags given, in name order.
        std::vector<std::string> names() const
        {
            std::vector<std::string> out;
            for (const auto& [name, value] : m_values) { out.push_back(name); }
            return out;
        }

        void set(std::string name, std::string value) { m_values[std::move(name)] = std::move(value); }

    private:
        std::map<std::string, std::string> m_values;
    };

    inline const flag* find_flag(std::span<const flag> flags, std::string_view name)
    {
        for (const auto& f : flags)
        {
            if (f.name == name) { return &f; }
        }
        return nullptr;
    }

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

    /// Parses `--name value`, `--name=value` and `--switch`. Unknown flags, missing values, values
    /// given to switches, repeated flags and positional arguments are usage errors.
    inline parsed_flags parse_flags(std::span<const std::string> args, std::span<const flag> flags)
    {
        parsed_flags out;
        for (std::size_t i = 0; i < args.size(); ++i)
        {
            std::string_view arg = args[i];
            if (arg.size() < 3 || arg.substr(0, 2) != "--")
            {
                throw usage_error("unexpected argument '" + std::string(arg) + "' (see --help)");
            }
            std::optional<std::string> inline_value;
            if (const auto eq = arg.find('='); eq != std::string_view::npos)
            {
                inline_value = std::string(arg.substr(eq + 1));
                arg = arg.substr(0, eq);
            }
            const flag* f = find_flag(flags, arg);
            if (f == nullptr) { throw usage_error("unknown flag '" + std::string(arg) + "' (see --help)"); }
            if (out.has(arg)) { throw usage_error(std::string(arg) + " is given more than once"); }
            if (f->value.empty())
            {
                if (inline_value) { throw usage_error(std::string(arg) + " takes no value"); }
                out.set(std::string(arg), "");
            }
            else if (inline_value) { out.set(std::string(arg), *inline_value); }
            else
            {
                if (i + 1 >= args.size())
                {
                    throw usage_error(std::string(arg) + " needs a value (" + std::string(f->value) + ")");
                }
                out.set(std::string(arg), args[++i]);
            }
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

    /// Help text: the usage line(s), a description, then one line per flag.
    inline void print_help(std::ostream& out, std::string_view usage, std::string_view description,
                           std::span<const flag> flags)
    {
        out << "usage: " << usage << "\n\n" << description << "\n\nflags:\n";
        std::size_t width = 0;
        for (const auto& f : flags)
        {
            width = std::max(width, f.name.size() + (f.value.empty() ? 0 : f.value.size() + 1));
        }
        for (const auto& f : flags)
        {
            std::string left(f.name);
            if (!f.value.empty())
            {
                left += " ";
                left += f.value;
            }
            out << "  " << left << std::string(width - left.size() + 2, ' ') << f.help << "\n";
        }
    }

    /// "%.17g": enough digits to read every double back exactly.
    inline std::string format_number(double v)
    {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", v);
        return buf;
    }

}  // namespace xoptim_viz
