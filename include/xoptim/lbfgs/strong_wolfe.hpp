#pragma once
// The strong Wolfe line search with cubic interpolation that torch.optim.LBFGS uses
// (torch/optim/lbfgs.py of PyTorch 1.13, _strong_wolfe and _cubic_interpolate; ported there
// from torch7's optim/lswolfe.lua and polyinterp.lua; Nocedal & Wright, Numerical
// Optimization, 2nd ed., Algorithms 3.5 and 3.6). The same comparisons and the same
// arithmetic in the same order, so that double runs agree with torch's to rounding.

#include <array>
#include <cmath>
#include <cstddef>
#include <utility>

#include <xtensor/xtensor.hpp>

#include "flat.hpp"

namespace xoptim::detail::lbfgs_ops
{
    // The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped
    // to [lo, hi]; the middle of [lo, hi] when the cubic has no real minimiser:
    //   d1 = g1 + g2 - 3 (f1 - f2) / (x1 - x2),  d2 = sqrt(d1^2 - g1 g2),
    //   x = x2 - (x2 - x1) (g2 + d2 - d1) / (g2 - g1 + 2 d2)   (x1 <= x2; mirrored otherwise).
    inline double cubic_minimum(double x1, double f1, double g1, double x2, double f2, double g2, double lo, double hi)
    {
        const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        const double d2_square = d1 * d1 - g1 * g2;
        if (d2_square >= 0)
        {
            const double d2 = std::sqrt(d2_square);
            double min_pos = 0;
            if (x1 <= x2) { min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)); }
            else { min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2)); }
            return py_min(py_max(min_pos, lo), hi);
        }
        return (lo + hi) / 2.;
    }

    inline double cubic_minimum(double x1, double f1, double g1, double x2, double f2, double g2)
    {
        return x1 <= x2 ? cubic_minimum(x1, f1, g1, x2, f2, g2, x1, x2) : cubic_minimum(x1, f1, g1, x2, f2, g2, x2, x1);
    }

    struct wolfe_result
    {
        double loss;        // at the point chosen
        double t;           // its step along d
        std::size_t evals;  // closure evaluations made
    };

    // Searches along d from x (where the loss is f, the gradient *g and g.d = gtd) for a step t
    // meeting the strong Wolfe conditions
    //   f(x + t d) <= f + c1 t gtd   and   |g(x + t d).d| <= -c2 gtd,
    // with torch's constants (c1 = 1e-4, c2 = 0.9, at most 25 evaluations after the first, a
    // bracket narrower than tolerance_change / max|d| ends the search; torch's LBFGS calls it
    // with the default tolerance_change 1e-9, not its own).
    // evaluate(t, grad) returns the loss at x + t d and writes its gradient into grad.
    // pool holds three vectors of d's size, pool[0] being *g: on return pool[0] holds the
    // gradient at the chosen point (the three are swapped, never copied).
    template <class V, class Evaluate>
    wolfe_result strong_wolfe(Evaluate&& evaluate, double t, const xt::xtensor<V, 1>& d, double f, double gtd,
                              std::array<xt::xtensor<V, 1>*, 3> pool)
    {
        using vec = xt::xtensor<V, 1>;
        constexpr double c1 = 1e-4;
        constexpr double c2 = 0.9;
        constexpr double tolerance_change = 1e-9;
        constexpr std::size_t max_ls = 25;

        vec* const g = pool[0];
        // A vector of the pool that is neither a nor b.
        const auto other = [&pool](const vec* a, const vec* b) {
            for (vec* p : pool)
            {
                if (p != a && p != b) { return p; }
            }
            return pool[0];
        };

        const double d_norm = static_cast<double>(max_abs(d));
        vec* g_new = other(g, g);
        double f_new = evaluate(t, *g_new);
        std::size_t evals = 1;
        double gtd_new = static_cast<double>(dot(*g_new, d));

        // Bracketing: an interval that holds a point meeting the conditions, or such a point.
        double t_prev = 0, f_prev = f, gtd_prev = gtd;
        vec* g_prev = g;
        bool done = false;
        std::size_t ls_iter = 0;
        std::array<double, 2> bracket{}, bracket_f{}, bracket_gtd{};
        std::array<vec*, 2> bracket_g{};
        std::size_t size = 0;
        while (ls_iter < max_ls)
        {
            // [t_prev, t] holds a point meeting the conditions.
            const auto bracket_previous = [&] {
                bracket = {t_prev, t};
                bracket_f = {f_prev, f_new};
                bracket_g = {g_prev, g_new};
                bracket_gtd = {gtd_prev, gtd_new};
                size = 2;
            };
            if (f_new > (f + c1 * t * gtd) || (ls_iter > 1 && f_new >= f_prev))
            {
                // Armijo fails, or no lower than the previous trial: the minimum is before t.
                bracket_previous();
                break;
            }
            if (std::abs(gtd_new) <= -c2 * gtd)
            {
                bracket = {t, 0};
                bracket_f = {f_new, 0};
                bracket_g = {g_new, nullptr};
                size = 1;
                done = true;
                break;
            }
            if (gtd_new >= 0)
            {
                // The slope turned: the minimum is between t_prev and t.
                bracket_previous();
                break;
            }

            // Extrapolate: the cubic's minimum in [t + 0.01 (t - t_prev), 10 t].
            const double min_step = t + 0.01 * (t - t_prev);
            const double max_step = t * 10;
            const double tmp = t;
            t = cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, min_step, max_step);

            t_prev = tmp;
            f_prev = f_new;
            g_prev = g_new;
            gtd_prev = gtd_new;
            g_new = other(g, g_prev);
            f_new = evaluate(t, *g_new);
            ++evals;
            gtd_new = static_cast<double>(dot(*g_new, d));
            ++ls_iter;
        }
        if (ls_iter == max_ls)
        {
            bracket = {0, t};
            bracket_f = {f, f_new};
            bracket_g = {g, g_new};
            size = 2;
        }

        // Zoom: shrink the bracket until a point meets the conditions.
        bool insufficient_progress = false;
        std::size_t low = 0, high = 1;
        if (size == 2 && !(bracket_f[0] <= bracket_f[1]))
        {
            low = 1;
            high = 0;
        }
        while (!done && ls_iter < max_ls)
        {
            if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change) { break; }

            t = cubic_minimum(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]);

            // A trial within a tenth of the bracket's length of one end, twice in a row or
            // outside it, is moved to a tenth of that length inside the nearer end.
            const double b_max = py_max(bracket[0], bracket[1]);
            const double b_min = py_min(bracket[0], bracket[1]);
            const double eps = 0.1 * (b_max - b_min);
            if (py_min(b_max - t, t - b_min) < eps)
            {
                if (insufficient_progress || t >= b_max || t <= b_min)
                {
                    if (std::abs(t - b_max) < std::abs(t - b_min)) { t = b_max - eps; }
                    else { t = b_min + eps; }
                    insufficient_progress = false;
                }
                else { insufficient_progress = true; }
            }
            else { insufficient_progress = false; }

            g_new = other(bracket_g[0], bracket_g[1]);
            f_new = evaluate(t, *g_new);
            ++evals;
            gtd_new = static_cast<double>(dot(*g_new, d));
            ++ls_iter;

            if (f_new > (f + c1 * t * gtd) || f_new >= bracket_f[low])
            {
                // Armijo fails, or no lower than the low end: the new point is the high end.
                bracket[high] = t;
                bracket_f[high] = f_new;
                bracket_g[high] = g_new;
                bracket_gtd[high] = gtd_new;
                if (bracket_f[0] <= bracket_f[1])
                {
                    low = 0;
                    high = 1;
                }
                else
                {
                    low = 1;
                    high = 0;
                }
            }
            else
            {
                if (std::abs(gtd_new) <= -c2 * gtd) { done = true; }
                else if (gtd_new * (bracket[high] - bracket[low]) >= 0)
                {
                    // The old low end becomes the high end.
                    bracket[high] = bracket[low];
                    bracket_f[high] = bracket_f[low];
                    bracket_g[high] = bracket_g[low];
                    bracket_gtd[high] = bracket_gtd[low];
                }
                bracket[low] = t;
                bracket_f[low] = f_new;
                bracket_g[low] = g_new;
                bracket_gtd[low] = gtd_new;
            }
        }

        if (bracket_g[low] != g) { std::swap(*g, *bracket_g[low]); }
        return {bracket_f[low], bracket[low], evals};
    }
}
