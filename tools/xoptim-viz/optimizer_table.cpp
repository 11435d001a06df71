// The named optimizers for xoptim-viz: their flags, defaults and help come from the library's
// registry (xoptim::optimizer_options), which reads each rule's hyperparameter declarations.

#include "optimizer_table.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include <xoptim/any_optimizer.hpp>

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

        /// The shortest text that reads back as the same double ("0.9", not "0.90000000000000002").
        std::string shortest(double v)
        {
            char buf[32];
            const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
            return std::string(buf, end);
        }

        /// Every hyperparameter flag, made once from the optimizers' declarations: its help line is
        /// the declaration's, followed by the optimizers that take it.
        struct flag_table
        {
            std::vector<std::string> texts;  // owns what the flags' string_views point to
            std::vector<flag> flags;

            flag_table()
            {
                struct row
                {
                    std::string name, help, users;
                    bool is_bool;
                };
                std::vector<row> rows;
                for (const auto name : xoptim::optimizer_names())
                {
                    for (const auto& o : xoptim::optimizer_options(name))
                    {
                        const std::string f = flag_of(o);
                        auto it = std::find_if(rows.begin(), rows.end(), [&](const row& r) { return r.name == f; });
                        if (it == rows.end())
                        {
                            const std::string help =
                                negated(o) ? "turns " + o.name + " off: " + std::string(o.help) : std::string(o.help);
                            rows.push_back({f, help, std::string(name), o.is_bool});
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
            // Muon (xoptim/muon.hpp) orthogonalises the update of a matrix; every problem here has
            // one vector of parameters.
            if (name == "muon")
            {
                throw usage_error(
                    "muon needs a matrix parameter (it orthogonalises 2-D updates) and this problem's "
                    "parameters are one vector; use adamw here, or xoptim::muon_with_adamw on a model with "
                    "weight matrices");
            }
            // Shampoo (xoptim/shampoo.hpp) preconditions a matrix from both sides; the same holds.
            if (name == "shampoo")
            {
                throw usage_error("shampoo needs a matrix parameter (its left and right preconditioners act on 2-D "
                                  "parameters) and this problem's parameters are one vector; use adam or adamw here, "
                                  "or xoptim::shampoo on a model's weight matrices");
            }
            if (!is_optimizer(name))
            {
                throw usage_error("unknown optimizer '" + std::string(name)
                                  + "' (choose from: " + join(optimizer_names()) + ")");
            }
        }

    }  // namespace

    void any_optimizer::set(const std::vector<xoptim::hyperparameter_setting>& values)
    {
        try
        {
            m_opt.set_all(0, values);
        }
        catch (const std::invalid_argument& error)
        {
            throw usage_error(error.what());
        }
    }

    void any_optimizer::resume(const std::filesystem::path& file, vector& theta,
                               const xoptim::checkpoint_identity& made_on)
    {
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

    std::vector<std::string_view> optimizer_names() { return xoptim::optimizer_names(); }

    bool is_optimizer(std::string_view name)
    {
        const auto names = xoptim::optimizer_names();
        return std::find(names.begin(), names.end(), name) != names.end();
    }

    std::string optimizer_defaults(std::string_view name)
    {
        require_optimizer(name);
        std::string out;
        for (const auto& o : xoptim::optimizer_options(name))
        {
            out += out.empty() ? "" : " ";
            out += o.is_bool ? "[" + flag_of(o) + "]" : flag_name(o.name) + " " + shortest(o.default_value);
        }
        return out;
    }

    std::string_view optimizer_summary(std::string_view name)
    {
        require_optimizer(name);
        return xoptim::optimizer_summary(name);
    }

    any_optimizer make_optimizer(std::string_view name, const parsed_flags& given)
    {
        require_optimizer(name);
        const auto options = xoptim::optimizer_options(name);
        auto takes = [&](std::string_view f) {
            return std::any_of(options.begin(), options.end(), [&](const auto& o) { return flag_of(o) == f; });
        };
        for (const auto& f : hyperparameter_flags())
        {
            if (given.has(f.name) && !takes(f.name))
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
            const std::string f = flag_of(o);
            if (!given.has(f)) { continue; }
            settings.emplace_back(o.name, o.is_bool ? (negated(o) ? 0.0 : 1.0) : parse_double(f, *given.get(f)));
        }
        try
        {
            return any_optimizer(xoptim::make_optimizer<double>(name, settings));
        }
        catch (const std::invalid_argument& error)
        {
            throw usage_error(error.what());
        }
    }

}  // namespace xoptim_viz
