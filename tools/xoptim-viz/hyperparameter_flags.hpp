#pragma once
// The optimizers' hyperparameter flags on a command line: one per name any optimizer takes,
// made from the declarations in the library (optimizer_table.hpp), so a hyperparameter is
// declared once, there. Used by xoptim-viz fit and the flags fuzzer (fuzz/cli_flags_fuzzer.cpp).

#include <string>

#include "command_line.hpp"
#include "optimizer_table.hpp"

namespace xoptim_viz
{
    /// The group of the hyperparameter flags on a command line.
    inline constexpr const char* hyperparameter_group = "hyperparameters";

    /// Declares every hyperparameter flag; the ones given land in `given` with their values.
    /// Their defaults are each optimizer's (optimizer_defaults), so --help shows none here.
    inline void add_hyperparameter_flags(command_line& line, hyperparameter_values& given)
    {
        line.set_group(hyperparameter_group);
        for (const auto& f : hyperparameter_flags())
        {
            const std::string name(f.name);
            if (f.value.empty())
            {
                line.add_switch(name, std::string(f.help),
                                [&given, name] { given[name] = hyperparameter_value(name, ""); });
            }
            else
            {
                line.add_value(
                    name, std::string(f.value), std::string(f.help),
                    [&given, name](const std::string& text) { given[name] = hyperparameter_value(name, text); });
            }
        }
        line.set_group({});
    }
}  // namespace xoptim_viz
