// command_line.hpp's parsing and help, on CLI11: the one translation unit that includes it.

#include "command_line.hpp"

#include <algorithm>
#include <cstddef>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

namespace xoptim_viz
{
    namespace
    {
        bool takes_value(const CLI::Option& o) { return o.get_items_expected_max() > 0; }

        std::string left_column(const CLI::Option& o)
        {
            return takes_value(o) ? o.get_name() + " " + o.get_type_name() : o.get_name();
        }
    }  // namespace

    command_line::command_line(std::string usage, std::string description)
        : m_usage(std::move(usage)), m_description(std::move(description)), m_app(std::make_unique<CLI::App>())
    {
        m_app->set_help_flag("--help", "this help");
        m_app->allow_extras(false);
    }

    command_line::~command_line() = default;

    void command_line::declare_only_named_in(std::span<const std::string> words)
    {
        std::vector<std::string> names;
        for (const std::string& w : words)
        {
            if (w.size() > 2 && w.compare(0, 2, "--") == 0) { names.push_back(w.substr(0, w.find('='))); }
        }
        std::sort(names.begin(), names.end());
        m_named = std::move(names);
    }

    bool command_line::declares(const std::string& name)
    {
        m_names.emplace_back(m_group, name);
        return !m_named || std::binary_search(m_named->begin(), m_named->end(), name);
    }

    void command_line::add_value(const std::string& name, const std::string& value_name, const std::string& help,
                                 std::function<void(const std::string&)> on_value, const std::string& shown)
    {
        if (!declares(name)) { return; }
        CLI::Option* o = m_app->add_option(
            name,
            [on_value = std::move(on_value)](const CLI::results_t& results) {
                on_value(results.at(0));
                return true;
            },
            help);
        o->type_name(value_name);
        o->multi_option_policy(CLI::MultiOptionPolicy::Throw);  // a flag given twice is an error
        if (!shown.empty()) { o->default_str(shown); }
        if (!m_group.empty()) { o->group(m_group); }
    }

    void command_line::add_switch(const std::string& name, const std::string& help, std::function<void()> on_given)
    {
        if (!declares(name)) { return; }
        CLI::Option* o = m_app->add_flag_callback(
            name,
            [on_given = std::move(on_given)] {
                if (on_given) { on_given(); }
            },
            help);
        o->multi_option_policy(CLI::MultiOptionPolicy::Throw);  // CLI11's default for a switch: the last
        if (!m_group.empty()) { o->group(m_group); }
    }

    bool command_line::has(std::string_view name) const
    {
        const CLI::Option* o = m_app->get_option_no_throw(std::string(name));
        return o != nullptr && o->count() > 0;
    }

    std::vector<std::string> command_line::names_in(std::string_view group) const
    {
        std::vector<std::string> out;
        for (const auto& [g, name] : m_names)
        {
            if (g == group) { out.push_back(name); }
        }
        return out;
    }

    std::vector<std::pair<std::string, std::string>> command_line::given() const
    {
        std::vector<std::pair<std::string, std::string>> out;
        for (const CLI::Option* o : m_app->get_options())
        {
            if (o->count() == 0) { continue; }
            out.emplace_back(o->get_name(), takes_value(*o) ? o->results().at(0) : std::string());
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    void command_line::parse(std::span<const std::string> args)
    {
        std::vector<std::string> words;
        words.reserve(args.size() + 1);
        for (std::size_t i = 0; i < args.size(); ++i)
        {
            const std::string& a = args[i];
            const auto eq = a.find('=');
            const CLI::Option* o =
                a.size() > 2 && a.compare(0, 2, "--") == 0 ? m_app->get_option_no_throw(a.substr(0, eq)) : nullptr;
            if (o == nullptr)
            {
                // CLI11 would take "--" as the end of the flags, and no flag takes positional
                // arguments after it.
                if (a == "--") { throw usage_error("unexpected argument '--' (see --help)"); }
                words.push_back(a);
            }
            else if (!takes_value(*o))
            {
                // CLI11 reads --switch=true and --switch=0 as a value for the switch.
                if (eq != std::string::npos) { throw usage_error(a.substr(0, eq) + " takes no value"); }
                words.push_back(a);
            }
            else if (eq == std::string::npos)
            {
                // --name VALUE: the next word is the value, whatever it looks like ("-10,-20").
                words.push_back(a);
                if (i + 1 < args.size()) { words.push_back(args[++i]); }
            }
            else if (eq + 1 == a.size())
            {
                // --name= is an empty value, which CLI11 would take from the next word.
                words.push_back(a.substr(0, eq));
                words.emplace_back();
            }
            else { words.push_back(a); }
        }
        std::reverse(words.begin(), words.end());  // CLI11 reads them from the back
        try
        {
            m_app->parse(words);
        }
        catch (const CLI::ExtrasError&)
        {
            const std::string extra = m_app->remaining().at(0);
            if (extra.size() > 2 && extra.compare(0, 2, "--") == 0)
            {
                throw usage_error("unknown flag '" + extra.substr(0, extra.find('=')) + "' (see --help)");
            }
            throw usage_error("unexpected argument '" + extra + "' (see --help)");
        }
        catch (const CLI::ArgumentMismatch& e)
        {
            // A flag given twice (reported in the order the flags came), or the last flag
            // without its value.
            std::vector<const CLI::Option*> seen;
            for (const CLI::Option* o : m_app->parse_order())
            {
                if (std::find(seen.begin(), seen.end(), o) != seen.end())
                {
                    throw usage_error(o->get_name() + " is given more than once");
                }
                seen.push_back(o);
            }
            const CLI::Option* last = args.empty() ? nullptr : m_app->get_option_no_throw(args.back());
            if (last != nullptr) { throw usage_error(args.back() + " needs a value (" + last->get_type_name() + ")"); }
            throw usage_error(e.what());
        }
        catch (const CLI::ParseError& e)
        {
            throw usage_error(e.what());
        }
    }

    void command_line::print_help(std::ostream& out) const
    {
        out << "usage: " << m_usage << "\n\n" << m_description << "\n\nflags:\n";
        std::vector<const CLI::Option*> options = std::as_const(*m_app).get_options();
        // --help last.
        std::stable_partition(options.begin(), options.end(),
                              [&](const CLI::Option* o) { return o != m_app->get_help_ptr(); });
        std::size_t width = 0;
        for (const CLI::Option* o : options) { width = std::max(width, left_column(*o).size()); }
        for (const CLI::Option* o : options)
        {
            const std::string left = left_column(*o);
            out << "  " << left << std::string(width - left.size() + 2, ' ') << o->get_description();
            if (!o->get_default_str().empty()) { out << " (default " << o->get_default_str() << ")"; }
            out << "\n";
        }
    }

}  // namespace xoptim_viz
