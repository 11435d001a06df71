// The named optimizers for xoptim-viz: their flags, defaults and help come from the library's
// registry (xoptim::optimizer_options), which reads each rule's hyperparameter declarations.

#include "optimizer_table.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include <xoptim/any_optimizer.hpp>
#include <xoptim/core/charconv.hpp>

namespace xoptim_viz
{
    namespace
    {

        /// "weight_decay" -> "--weight-decay".
        std::string flag_name(std::string_view option)
        {
            std::string f = "--";
            for (const char c : option) { f += c == '_' ? '-' : c; }
            return f;
        }

        /// A switch that is on by default can only be turned off: its flag is "--no-<name>" and
        /// sets it to false ("--no-trust-ratio"); any other switch's flag sets it to true.
        bool negated(const xoptim::optimizer_option& o) { return o.is_bool && o.default_value != 0.0; }

        /// The flag of option `o`: "--weight-decay", "--amsgrad", "--no-trust-ratio".
        std::string flag_of(const xoptim::optimizer_option& o)
        {
            return negated(o) ? "--no-" + flag_name(o.name).substr(2) : flag_name(o.name);
        }

        /// The options of named optimizer `name`: the library's registry, or a matrix optimizer's
        /// declarations. Read once per name and kept: the explorer makes an optimizer on every
        /// change, and listing an optimizer's declarations costs about as much as parsing the
        /// whole command line.
        const std::vector<xoptim::optimizer_option>& options_of(std::string_view name)
        {
            static std::mutex guard;
            static std::map<std::string, std::vector<xoptim::optimizer_option>, std::less<>> known;
            const std::lock_guard lock(guard);
            if (const auto it = known.find(name); it != known.end()) { return it->second; }
            auto options = is_matrix_optimizer(name) ? matrix_optimizer_options(name) : xoptim::optimizer_options(name);
            return known.emplace(std::string(name), std::move(options)).first->second;
        }

        /// Options that are an enumeration take these names on the command line (or the number).
        struct enum_option
        {
            std::string_view option;
            std::vector<std::string_view> values;  // value i is the enumerator i
        };
        const enum_option enum_options[] = {{"adjust_lr_fn", {"original", "match_rms_adamw"}}};

        const enum_option* enum_of(std::string_view option)
        {
            for (const auto& e : enum_options)
            {
                if (e.option == option) { return &e; }
            }
            return nullptr;
        }

        /// An enumeration option's value: one of its names, or its number.
        double parse_enum(const enum_option& e, const std::string& flag, const std::string& text)
        {
            for (std::size_t i = 0; i < e.values.size(); ++i)
            {
                if (e.values[i] == text) { return static_cast<double>(i); }
            }
            std::string choices;
            for (const auto v : e.values) { choices += (choices.empty() ? "" : ", ") + std::string(v); }
            if (text.empty() || (text[0] < '0' || text[0] > '9'))
            {
                throw usage_error(flag + ": unknown value '" + text + "' (choose from: " + choices + ")");
            }
            return parse_double(flag, text);
        }

        /// Every hyperparameter flag, made once from the optimizers' declarations: its help line is
        /// the declaration's, followed by the optimizers that take it.
        struct flag_table
        {
            std::vector<std::string> texts;  // owns what the flags' string_views point to
            std::vector<flag> flags;
            std::vector<double> switch_values;      // flag i's value when it is a switch: 1, or 0 for --no-<name>
            std::vector<const enum_option*> enums;  // flag i's enumeration, if it is one

            flag_table()
            {
                struct row
                {
                    std::string name, help, users;
                    bool is_bool;
                    double switch_value;
                    const enum_option* e;
                };
                std::vector<row> rows;
                for (const auto name : optimizer_names())
                {
                    for (const auto& o : options_of(name))
                    {
                        const std::string f = flag_of(o);
                        auto it = std::find_if(rows.begin(), rows.end(), [&](const row& r) { return r.name == f; });
                        if (it == rows.end())
                        {
                            const std::string help =
                                negated(o) ? "turns " + o.name + " off: " + std::string(o.help) : std::string(o.help);
                            rows.push_back(
                                {f, help, std::string(name), o.is_bool, negated(o) ? 0.0 : 1.0, enum_of(o.name)});
                        }
                        else { it->users += ", " + std::string(name); }
                    }
                }
                texts.reserve(2 * rows.size());
                for (const auto& r : rows)
                {
                    texts.push_back(r.name);
                    texts.push_back(r.help + " (" + r.users + ")");
                }
                for (std::size_t i = 0; i < rows.size(); ++i)
                {
                    flags.push_back({texts[2 * i], rows[i].is_bool ? "" : "X", texts[2 * i + 1]});
                    switch_values.push_back(rows[i].switch_value);
                    enums.push_back(rows[i].e);
                }
            }
        };

        const flag_table& flags()
        {
            static const flag_table table;
            return table;
        }

        void require_optimizer(std::string_view name)
        {
            if (!is_optimizer(name))
            {
                throw usage_error("unknown optimizer '" + std::string(name)
                                  + "' (choose from: " + join(optimizer_names()) + ")");
            }
        }

    }  // namespace

    void any_optimizer::resume(const std::filesystem::path& file, vector& theta,
                               const xoptim::checkpoint_identity& made_on)
    {
        if (m_matrix)
        {
            m_matrix->resume(file, theta, made_on);
            return;
        }
        xoptim::any_optimizer<double> loaded = m_opt;
        vector t = theta;
        xoptim::load_checkpoint(file, loaded, t, made_on);
        const std::string diff = m_opt.hyperparameter_difference(loaded);
        if (!diff.empty())
        {
            throw xoptim::checkpoint_error("hyperparameters differ from the command line's: " + diff);
        }
        m_opt = std::move(loaded);
        theta = std::move(t);
    }

    std::span<const flag> hyperparameter_flags() { return flags().flags; }

    double hyperparameter_value(std::string_view flag, const std::string& text)
    {
        const auto& table = flags();
        for (std::size_t i = 0; i < table.flags.size(); ++i)
        {
            if (table.flags[i].name != flag) { continue; }
            if (table.flags[i].value.empty()) { return table.switch_values[i]; }
            if (table.enums[i] != nullptr) { return parse_enum(*table.enums[i], std::string(flag), text); }
            return parse_double(flag, text);
        }
        throw std::logic_error("not a hyperparameter flag: " + std::string(flag));
    }

    std::vector<std::string_view> optimizer_names()
    {
        auto names = xoptim::optimizer_names();
        for (const auto m : matrix_optimizer_names()) { names.push_back(m); }
        return names;
    }

    bool is_optimizer(std::string_view name)
    {
        const auto names = optimizer_names();
        return std::find(names.begin(), names.end(), name) != names.end();
    }

    std::string optimizer_defaults(std::string_view name)
    {
        require_optimizer(name);
        if (is_matrix_optimizer(name) && !has_matrix_optimizers()) { return "(" + not_built(name) + ")"; }
        std::string out;
        for (const auto& o : options_of(name))
        {
            out += out.empty() ? "" : " ";
            const enum_option* e = enum_of(o.name);
            const std::string value = e != nullptr
                                          ? std::string(e->values.at(static_cast<std::size_t>(o.default_value)))
                                          : shortest_number(o.default_value);
            // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict) on "[" + std::string&&.
            if (o.is_bool)
            {
                out += '[';
                out += flag_of(o);
                out += ']';
            }
            else
            {
                out += flag_name(o.name);
                out += ' ';
                out += value;
            }
        }
        return out;
    }

    std::string_view optimizer_summary(std::string_view name)
    {
        require_optimizer(name);
        if (is_matrix_optimizer(name)) { return matrix_optimizer_summary(name); }
        return xoptim::optimizer_summary(name);
    }

    any_optimizer make_optimizer(std::string_view name, const hyperparameter_values& given)
    {
        require_optimizer(name);
        if (is_matrix_optimizer(name) && !has_matrix_optimizers()) { throw usage_error(not_built(name)); }
        const auto& options = options_of(name);
        auto takes = [&](std::string_view f) {
            return std::any_of(options.begin(), options.end(), [&](const auto& o) { return flag_of(o) == f; });
        };
        for (const auto& f : hyperparameter_flags())
        {
            if (given.count(f.name) != 0 && !takes(f.name))
            {
                std::string list;
                for (const auto& o : options) { list += (list.empty() ? "" : ", ") + flag_of(o); }
                throw usage_error(std::string(f.name) + " does not apply to " + std::string(name) + " (it takes " + list
                                  + ")");
            }
        }
        std::vector<xoptim::hyperparameter_setting> settings;
        for (const auto& o : options)
        {
            const auto it = given.find(flag_of(o));
            if (it != given.end()) { settings.emplace_back(o.name, it->second); }
        }
        try
        {
            if (is_matrix_optimizer(name)) { return any_optimizer(make_matrix_run(name, settings)); }
            return any_optimizer(xoptim::make_optimizer<double>(name, settings));
        }
        catch (const std::invalid_argument& error)
        {
            throw usage_error(error.what());
        }
        catch (const std::logic_error& error)
        {
            throw usage_error(error.what());
        }
    }

}  // namespace xoptim_viz
