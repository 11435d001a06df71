#pragma once
// The fit loop: runs any optimizer on any objective, full batch or mini-batch, and returns the
// history of the run. Depends only on `opt.step(theta, grad)`, not on how the optimizer works.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <xtensor/xtensor.hpp>

#include <xoptim/fit/callbacks.hpp>
#include <xoptim/fit/record.hpp>
#include <xoptim/problems/batches.hpp>
#include <xoptim/problems/objective.hpp>

namespace xoptim
{

    /// Anything that moves parameters `theta` given a gradient of the same shape.
    template <class O, class P = xt::xtensor<double, 1>>
    concept steppable = requires(O& o, P& theta, const P& grad)
    {
        o.step(theta, grad);
    };

    struct fit_options
    {
        std::size_t epochs = 100;    ///< passes over the data (full batch: one step each)
        std::size_t steps = 0;       ///< when > 0: exactly this many steps, ignoring `epochs`
        std::size_t batch_size = 0;  ///< 0, or at least the data size: full batch
        std::uint64_t seed = 0;      ///< seeds the shuffle of the mini-batches
        bool keep_history = true;    ///< false: keep only the last record
        /// Steps already taken (a resumed run): records are numbered from first_step, and the
        /// mini-batch shuffle skips first_step batches, so the run goes on where it stopped.
        std::size_t first_step = 0;
    };

    namespace detail
    {

        template <class C>
        fit_signal callback_step(C& c, const fit_record& r)
        {
            if constexpr (requires { c.on_step(r); })
            {
                if constexpr (std::is_void_v<decltype(c.on_step(r))>)
                {
                    c.on_step(r);
                    return {};
                }
                else { return c.on_step(r); }
            }
            else
            {
                static_assert(std::invocable<C&, const fit_record&>,
                              "a fit callback has on_step(const fit_record&) or is callable with one");
                if constexpr (std::is_void_v<std::invoke_result_t<C&, const fit_record&>>)
                {
                    c(r);
                    return {};
                }
                else { return c(r); }
            }
        }

        template <class C>
        void callback_begin(C& c, const fit_plan& plan)
        {
            if constexpr (requires { c.on_begin(plan); }) { c.on_begin(plan); }
        }

        template <class C>
        void callback_end(C& c, const fit_result& result)
        {
            if constexpr (requires { c.on_end(result); }) { c.on_end(result); }
        }

        template <class O>
        double learning_rate_of(const O& opt)
        {
            if constexpr (requires {
                              {
                                  opt.learning_rate()
                                  } -> std::convertible_to<double>;
                          })
            {
                return static_cast<double>(opt.learning_rate());
            }
            else { return std::numeric_limits<double>::quiet_NaN(); }
        }

        /// Whether `opt` has an evaluation point apart from the point gradients are taken at
        /// (schedule-free: x and y): it has eval(theta) and train(theta), and says so if it can tell.
        template <class O>
        bool has_eval_point(const O& opt)
        {
            if constexpr (!requires(O & o, xt::xtensor<double, 1> & t) {
                              o.eval(t);
                              o.train(t);
                          })
            {
                return false;
            }
            else if constexpr (requires {
                                   {
                                       opt.has_eval_mode()
                                       } -> std::convertible_to<bool>;
                               })
            {
                return opt.has_eval_mode();
            }
            else { return true; }
        }

        /// The evaluation point of parameters `theta` (left as they are): a copy switched to eval mode,
        /// then the optimizer's mode switched back on the copy, so the optimizer ends as it began.
        template <class O>
        xt::xtensor<double, 1> eval_point(O& opt, const xt::xtensor<double, 1>& theta)
        {
            xt::xtensor<double, 1> x = theta;
            if constexpr (requires {
                              opt.eval(x);
                              opt.train(x);
                          })
            {
                opt.eval(x);
                xt::xtensor<double, 1> back = x;
                opt.train(back);
            }
            return x;
        }

        inline double norm2(const xt::xtensor<double, 1>& v)
        {
            double s = 0.0;
            for (std::size_t i = 0; i < v.size(); ++i) { s += v(i) * v(i); }
            return std::sqrt(s);
        }

        inline bool all_finite(const xt::xtensor<double, 1>& v)
        {
            for (std::size_t i = 0; i < v.size(); ++i)
            {
                if (!std::isfinite(v(i))) { return false; }
            }
            return true;
        }

    }  // namespace detail

    /// Minimises `problem` from `theta` (updated in place) with `opt`, calling each callback with
    /// every record. Full batch: step k uses the gradient at theta_{k-1}. Mini-batch (a
    /// separable objective and 0 < batch_size < its size): each epoch shuffles the samples
    /// (seeded by options.seed) and takes one step per batch, the last batch holding what is left.
    /// Each record holds the loss and gradient norm over the whole data set. For an optimizer with
    /// an evaluation point (schedule-free: the gradient is taken at y, the user evaluates x), a
    /// record's theta, loss and gradient norm are those at x, the point eval() gives, while the
    /// next step's gradient is still taken at the stored parameters y. A record whose loss,
    /// gradient or parameters are not finite is never kept: the run stops as diverged instead.
    /// Throws std::invalid_argument (before any step) on a theta of the wrong size or a batch size
    /// for an objective without batches.
    template <class Problem, class Optimizer, class... Callbacks>
    requires objective<Problem, xt::xtensor<double, 1>> && steppable<std::remove_reference_t<Optimizer>,
                                                                     xt::xtensor<double, 1>>
        fit_result fit(const Problem& problem, Optimizer&& opt, xt::xtensor<double, 1>& theta,
                       const fit_options& options = {}, Callbacks&&... callbacks)
    {
        using vec = xt::xtensor<double, 1>;
        const std::size_t dim = problem.dimension();
        if (theta.size() != dim)
        {
            throw std::invalid_argument("theta: size " + std::to_string(theta.size()) + ", expected "
                                        + std::to_string(dim));
        }

        bool mini_batch = false;
        std::size_t n = 1;
        if constexpr (separable_objective<Problem, vec>)
        {
            n = problem.size();
            mini_batch = options.batch_size > 0 && options.batch_size < n;
        }
        else if (options.batch_size > 0)
        {
            throw std::invalid_argument("batch_size: " + std::to_string(options.batch_size)
                                        + ", but this objective has no samples to batch");
        }
        fit_plan plan;
        plan.dimension = dim;
        plan.batch_size = mini_batch ? options.batch_size : 0;
        plan.steps_per_epoch = mini_batch ? (n + options.batch_size - 1) / options.batch_size : 1;
        constexpr std::size_t most_steps = std::numeric_limits<std::size_t>::max() - 1;
        if (options.steps == 0 && options.epochs > most_steps / plan.steps_per_epoch)
        {
            throw std::invalid_argument("epochs: " + std::to_string(options.epochs) + " epochs of "
                                        + std::to_string(plan.steps_per_epoch) + " steps overflow the step count");
        }
        plan.total_steps = options.steps > 0 ? options.steps : options.epochs * plan.steps_per_epoch;

        fit_result result;
        if (options.keep_history)
        {
            // The history grows as it goes; reserve only a modest start.
            result.history.reserve(std::min<std::size_t>(plan.total_steps, 4096) + 1);
        }
        (detail::callback_begin(callbacks, plan), ...);

        vec grad = xt::zeros<double>({dim});
        vec batch_grad = xt::zeros<double>({dim});
        fit_record record;
        record.step = options.first_step;
        record.theta = theta;
        record.loss = value_and_gradient(problem, theta, grad);
        record.gradient_norm = detail::norm2(grad);
        record.learning_rate = detail::learning_rate_of(opt);
        const bool at_eval_point = detail::has_eval_point(opt);
        vec eval_grad = xt::zeros<double>({dim});
        // The record of parameters y at x (an optimizer with an evaluation point), in place.
        const auto to_eval_point = [&](fit_record& r) {
            if (at_eval_point)
            {
                r.theta = detail::eval_point(opt, theta);
                r.loss = value_and_gradient(problem, r.theta, eval_grad);
                r.gradient_norm = detail::norm2(eval_grad);
            }
        };
        to_eval_point(record);

        // Keeps a finite record and asks the callbacks; false when the run must stop.
        const auto accept = [&](fit_record&& r) {
            if (!std::isfinite(r.loss) || !std::isfinite(r.gradient_norm) || !detail::all_finite(r.theta))
            {
                result.reason = stop_reason::diverged;
                result.message = "step " + std::to_string(r.step) + ": "
                                 + (!std::isfinite(r.loss)         ? "the loss is not finite"
                                    : !detail::all_finite(r.theta) ? "the parameters are not finite"
                                                                   : "the gradient is not finite");
                return false;
            }
            result.steps = r.step - options.first_step;
            if (!options.keep_history) { result.history.clear(); }
            result.history.push_back(std::move(r));
            const fit_record& kept = result.history.back();
            fit_signal signal;
            ((signal.stop ? void() : void(signal = detail::callback_step(callbacks, kept))), ...);
            if (signal.stop)
            {
                result.reason = signal.reason;
                result.message = std::move(signal.message);
                return false;
            }
            return true;
        };

        if (accept(std::move(record)))
        {
            std::optional<batch_sampler> sampler;
            if (mini_batch)
            {
                // A resumed run starts at the batch it stopped before, reached directly.
                sampler.emplace(n, options.batch_size, options.seed, options.first_step);
            }
            for (std::size_t k = 1; k <= plan.total_steps; ++k)
            {
                const double lr = detail::learning_rate_of(opt);
                fit_record next;
                next.step = options.first_step + k;
                if (mini_batch)
                {
                    if constexpr (separable_objective<Problem, vec>)
                    {
                        const batch_indices batch = sampler->next();
                        next.epoch = sampler->epoch();
                        problem.gradient(theta, batch, batch_grad);
                        opt.step(theta, batch_grad);
                    }
                }
                else
                {
                    next.epoch = options.first_step + k;
                    opt.step(theta, grad);
                }
                next.theta = theta;
                next.loss = value_and_gradient(problem, theta, grad);
                next.gradient_norm = detail::norm2(grad);
                next.learning_rate = lr;
                to_eval_point(next);
                if (!accept(std::move(next))) { break; }
            }
        }
        (detail::callback_end(callbacks, result), ...);
        return result;
    }

}  // namespace xoptim
