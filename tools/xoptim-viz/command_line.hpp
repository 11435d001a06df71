#pragma once
// A subcommand's command line, parsed by CLI11 (Debian's libcli11-dev): each flag is bound to
// the setting it fills, and the setting's value before parsing is the default --help shows, so
// a default is written once (in the settings or at the flag's declaration).
//
// CLI11 is set up to refuse what xoptim-viz has always refused: unknown flags, positional
// arguments (and "--"), a flag given twice, a flag without its value and a switch given a
// value. `--name value` and `--name=value` both work. Numbers are read by the repository's own
// strict parse_double / parse_unsigned (cli.hpp), not by CLI11's conversions (strtold then a
// cast, and base-0 integers that read "010" as 8). Bad input raises usage_error, one line that
// names the flag.
//
// Only command_line.cpp includes CLI11 (about 4 s of compiling per translation unit).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "cli.hpp"

namespace CLI
{
    class App;
}

namespace xoptim_viz
{

    /// A command line's flags, declared, parsed and listed in --help.
    class command_line
    {
    public:
        /// `usage`: the usage line(s) after "usage: "; `description`: the paragraphs after them.
        command_line(std::string usage, std::string description);
        ~command_line();

        command_line(const command_line&) = delete;
        command_line& operator=(const command_line&) = delete;

        /// The flags declared from here on belong to `group` (e.g. "lbfgs"): see names_in.
        void set_group(std::string group) { m_group = std::move(group); }

        /// From here on, declares only the flags `words` name ("--lr" or "--lr=X"): parsing
        /// `words` then gives the same settings and the same messages (a flag they do not name
        /// cannot be given) for a fraction of the cost, since CLI11 compares each new flag with
        /// every one declared before it. For a command run many times in one process (the
        /// explorer runs fit on every change); --help needs every flag.
        void declare_only_named_in(std::span<const std::string> words);

        /// --name VALUE: `on_value(text)` once the whole command line has been read. `shown` is
        /// the default --help shows (none when empty).
        void add_value(const std::string& name, const std::string& value_name, const std::string& help,
                       std::function<void(const std::string&)> on_value, const std::string& shown = {});

        /// --name: a switch; `on_given()` when it is there.
        void add_switch(const std::string& name, const std::string& help, std::function<void()> on_given = {});

        /// --name TEXT into `target`; its value before parsing, when not empty, is the default.
        void add_text(const std::string& name, std::string& target, const std::string& value_name,
                      const std::string& help)
        {
            add_value(
                name, value_name, help, [&target](const std::string& v) { target = v; }, target);
        }

        /// --name TEXT into `target`, which has no default (std::nullopt until given), or the
        /// default `shown` says in words.
        void add_text(const std::string& name, std::optional<std::string>& target, const std::string& value_name,
                      const std::string& help, const std::string& shown = {})
        {
            add_value(
                name, value_name, help, [&target](const std::string& v) { target = v; }, shown);
        }

        /// --name X: a finite number (parse_double) into `target`, then `check(value, text)`,
        /// which throws usage_error for a value out of range. The default shown is `target`'s
        /// value unless `shown` says it in words.
        void add_number(const std::string& name, double& target, const std::string& help,
                        std::function<void(double, const std::string&)> check = {}, const std::string& shown = {})
        {
            add_value(
                name, "X", help,
                [name, &target, check = std::move(check)](const std::string& text) {
                    const double v = parse_double(name, text);
                    if (check) { check(v, text); }
                    target = v;
                },
                shown.empty() ? shortest_number(target) : shown);
        }

        /// --name N: a non-negative integer (parse_unsigned) that fits `target`, then `check`.
        template <class T>
        void add_count(const std::string& name, T& target, const std::string& value_name, const std::string& help,
                       std::function<void(T, const std::string&)> check = {}, const std::string& shown = {})
        {
            static_assert(std::is_integral_v<T>);
            add_value(
                name, value_name, help,
                [name, &target, check = std::move(check)](const std::string& text) {
                    const std::uint64_t v = parse_unsigned(name, text);
                    if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
                    {
                        throw usage_error(name + ": " + text + " is too large");
                    }
                    if (check) { check(static_cast<T>(v), text); }
                    target = static_cast<T>(v);
                },
                shown.empty() ? std::to_string(target) : shown);
        }

        /// --name A,B,...: comma-separated finite numbers (parse_list) into `target`, then `check`.
        void add_numbers(const std::string& name, std::vector<double>& target, const std::string& value_name,
                         const std::string& help,
                         std::function<void(const std::vector<double>&, const std::string&)> check = {},
                         const std::string& shown = {})
        {
            add_value(
                name, value_name, help,
                [name, &target, check = std::move(check)](const std::string& text) {
                    auto values = parse_list(name, text);
                    if (check) { check(values, text); }
                    target = std::move(values);
                },
                shown.empty() ? number_list(target) : shown);
        }

        /// Whether flag `name` ("--lr") is on the command line.
        bool has(std::string_view name) const;

        /// The names of the flags of group `group` (set_group), in declaration order.
        std::vector<std::string> names_in(std::string_view group) const;

        /// The flags given, in name order, with their text ("" for a switch).
        std::vector<std::pair<std::string, std::string>> given() const;

        /// Reads `args` (the words after the subcommand) into the settings the flags are bound
        /// to; usage_error on bad input. --help is the caller's to look for first.
        void parse(std::span<const std::string> args);

        /// The help: the usage, the description, then one line per flag with its value's name,
        /// its help and its default.
        void print_help(std::ostream& out) const;

    private:
        static std::string number_list(const std::vector<double>& values)
        {
            std::string out;
            for (const double v : values)
            {
                if (!out.empty()) { out += ','; }
                out += shortest_number(v);
            }
            return out;
        }

        /// Whether a flag is to be declared (declare_only_named_in); records its name and group.
        bool declares(const std::string& name);

        std::string m_usage;
        std::string m_description;
        std::string m_group;
        std::unique_ptr<CLI::App> m_app;
        std::optional<std::vector<std::string>> m_named;           // declare_only_named_in's names
        std::vector<std::pair<std::string, std::string>> m_names;  // (group, name) of every flag
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

        void set(std::string name, std::string value) { m_values[std::move(name)] = std::move(value); }

    private:
        std::map<std::string, std::string> m_values;
    };

    /// The flags of a table, as text, for a caller that reads them itself (the explorer's map,
    /// explore/module.cpp): parsed and refused as any command line is.
    inline parsed_flags parse_flags(std::span<const std::string> args, std::span<const flag> flags)
    {
        parsed_flags out;
        command_line line("", "");
        for (const auto& f : flags)
        {
            const std::string name(f.name);
            if (f.value.empty())
            {
                line.add_switch(name, std::string(f.help), [&out, name] { out.set(name, ""); });
            }
            else
            {
                line.add_value(name, std::string(f.value), std::string(f.help),
                               [&out, name](const std::string& v) { out.set(name, v); });
            }
        }
        line.parse(args);
        return out;
    }

}  // namespace xoptim_viz
