#pragma once
// L-BFGS's hyperparameters, with torch.optim.LBFGS's names and defaults, declared once
// (core/hyperparameters.hpp): validation, get/set by name, checkpoints and the command line
// read this declaration.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>

#include "../core/hyperparameters.hpp"

namespace xoptim
{
    // torch's line_search_fn: None or "strong_wolfe".
    enum class line_search : std::uint8_t
    {
        none = 0,
        strong_wolfe = 1,
    };

    inline const char* to_string(line_search l) noexcept
    {
        return l == line_search::strong_wolfe ? "strong_wolfe" : "none";
    }

    // "none" (torch's None) or "strong_wolfe"; anything else is a std::invalid_argument.
    inline line_search parse_line_search(std::string_view s)
    {
        if (s == "none") { return line_search::none; }
        if (s == "strong_wolfe") { return line_search::strong_wolfe; }
        throw std::invalid_argument("lbfgs: line_search_fn must be \"none\" or \"strong_wolfe\", got \""
                                    + std::string(s) + "\"");
    }

    namespace constraints
    {
        inline constexpr constraint lbfgs_max_eval{"a whole number >= 1, or -1 for max_iter * 5 / 4",
                                                   [](double v) { return v >= 1.0 || v == -1.0; }};
        inline constexpr constraint lbfgs_line_search{"0 (none) or 1 (strong_wolfe)",
                                                      [](double v) { return v == 0.0 || v == 1.0; }};
    }

    // torch.optim.LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
    // tolerance_change=1e-9, history_size=100, line_search_fn=None). max_eval = -1 stands for
    // torch's None: max_iter * 5 / 4 (integer division), resolved when the optimizer is made.
    struct lbfgs_options
    {
        static constexpr std::string_view name = "lbfgs";

        double lr = 1.0;
        std::int64_t max_iter = 20;
        std::int64_t max_eval = -1;
        double tolerance_grad = 1e-7;
        double tolerance_change = 1e-9;
        std::int64_t history_size = 100;
        line_search line_search_fn = line_search::none;

        static constexpr auto hyperparameters()
        {
            return std::tuple{
                param("lr", &lbfgs_options::lr, constraints::positive, "step length (the line search's first trial)"),
                param("max_iter", &lbfgs_options::max_iter, constraints::at_least_one, "iterations per step"),
                param("max_eval", &lbfgs_options::max_eval, constraints::lbfgs_max_eval,
                      "closure evaluations per step (-1: max_iter * 5 / 4)"),
                param("tolerance_grad", &lbfgs_options::tolerance_grad, constraints::non_negative,
                      "stop when max |gradient| <= this"),
                param("tolerance_change", &lbfgs_options::tolerance_change, constraints::non_negative,
                      "stop when the loss or a step changes less than this"),
                param("history_size", &lbfgs_options::history_size, constraints::at_least_one,
                      "pairs (s, y) kept for the inverse Hessian"),
                param("line_search_fn", &lbfgs_options::line_search_fn, constraints::lbfgs_line_search,
                      "0: fixed step lr, 1: strong Wolfe line search")};
        }

        // max_eval as torch resolves None.
        std::int64_t resolved_max_eval() const noexcept { return max_eval == -1 ? max_iter * 5 / 4 : max_eval; }

        // Every declared constraint, for the value type V; errors read
        // "lbfgs: <name> must be <expected>, got <value>".
        template <class V>
        void validate() const
        {
            detail::check_declared<V>(*this, name);
        }

        friend bool operator==(const lbfgs_options&, const lbfgs_options&) = default;
    };
}
