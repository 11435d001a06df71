// lbfgs/<problem>/<line search>: one step(closure) of xoptim::lbfgs from the same start, with
// torch's defaults but the history size named. Counters: evals (closure evaluations per step),
// iters (iterations per step) and time_per_iter. The optimizer is reset() before each step, so
// every timed step does the same work on memory already allocated (a new optimizer for each
// step would also time the page faults of its fresh history: 12 MB for the quadratic).
//   seed:        linear regression on the seed's 100 points (MSE), 2 parameters, from (-10, -20)
//   rosenbrock:  (1 - x)^2 + 100 (y - x^2)^2 from (-1.2, 1)
//   quadratic:   0.5 sum_i a_i x_i^2 over 2^16 parameters, a_i in [1, 100], x_i in [-1, 1]

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

#include <xoptim/lbfgs.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/seed_data.hpp>
#include <xoptim/problems/test_functions.hpp>

#include "common.hpp"

namespace xoptim_bench
{
    namespace
    {
        using vec = xt::xtensor<double, 1>;

        template <class Closure>
        void run_lbfgs(benchmark::State& state, const xoptim::lbfgs_options& o, const vec& start, Closure closure)
        {
            double evals = 0, iters = 0;
            xoptim::lbfgs<double> opt(o);
            vec w = start;
            for (auto _ : state)
            {
                opt.reset();
                std::copy(start.begin(), start.end(), w.begin());
                benchmark::DoNotOptimize(opt.step(w, closure));
                benchmark::DoNotOptimize(w.data());
                evals = static_cast<double>(opt.func_evals());
                iters = static_cast<double>(opt.n_iter());
            }
            state.counters["evals"] = evals;
            state.counters["iters"] = iters;
            state.counters["time_per_iter"] =
                benchmark::Counter(iters * static_cast<double>(state.iterations()),
                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
        }

        xoptim::lbfgs_options options(xoptim::line_search ls, std::int64_t history)
        {
            return {.history_size = history, .line_search_fn = ls};
        }
    }

    void register_lbfgs()
    {
        for (const auto ls : {xoptim::line_search::none, xoptim::line_search::strong_wolfe})
        {
            const std::string suffix = ls == xoptim::line_search::none ? "/fixed" : "/strong_wolfe";
            benchmark::RegisterBenchmark(("lbfgs/seed" + suffix).c_str(), [ls](benchmark::State& st) {
                const xoptim::linear_regression<xoptim::mse> problem(xoptim::seed_data(0));
                vec grad = xt::zeros<double>({2});
                xoptim::lbfgs_options o = options(ls, 100);
                o.lr = ls == xoptim::line_search::none ? 0.5 : 1.0;  // lr 1 without a search overshoots the line
                run_lbfgs(st, o, vec{-10.0, -20.0}, [&](const vec& w, auto& g) {
                    const double l = problem.value_and_gradient(w, grad);
                    g(0) = grad(0);
                    g(1) = grad(1);
                    return l;
                });
            });
            benchmark::RegisterBenchmark(("lbfgs/rosenbrock" + suffix).c_str(), [ls](benchmark::State& st) {
                xoptim::lbfgs_options o = options(ls, 100);
                o.lr = ls == xoptim::line_search::none ? 0.5 : 1.0;
                run_lbfgs(st, o, vec{-1.2, 1.0}, [](const vec& w, auto& g) {
                    const auto df = xoptim::rosenbrock::df(w(0), w(1));
                    g(0) = df[0];
                    g(1) = df[1];
                    return xoptim::rosenbrock::f(w(0), w(1));
                });
            });
            for (const std::int64_t history : {10, 100})
            {
                benchmark::RegisterBenchmark(
                    ("lbfgs/quadratic_65536/history_" + std::to_string(history) + suffix).c_str(),
                    [ls, history](benchmark::State& st) {
                        constexpr std::size_t n = std::size_t(1) << 16;
                        vec a = xt::zeros<double>({n}), x0 = xt::zeros<double>({n});
                        filler(7).fill(a.begin(), a.end(), 1.0, 100.0);
                        filler(8).fill(x0.begin(), x0.end(), -1.0, 1.0);
                        run_lbfgs(st, options(ls, history), x0, [&](const vec& w, auto& g) {
                            xt::noalias(g) = a * w;
                            double f = 0;
                            for (std::size_t i = 0; i < n; ++i) { f += w(i) * g(i); }
                            return 0.5 * f;
                        });
                    });
            }
        }
    }
}
