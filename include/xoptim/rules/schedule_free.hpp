#pragma once
// Schedule-free averaging (Defazio et al. 2024, "The Road Less Scheduled", Algorithm 1): with z the
// base iterate and x its weighted average, gradients are taken at y = (1 - b) z + b x; per step,
// c = w_t / sum w, y <- lerp(y, z, c) + lr_t (b (1 - c) - 1) u, z <- z - lr_t u.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>

#include "../core/hyperparameters.hpp"
#include "../core/scalar_math.hpp"
#include "../core/simd.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"

namespace xoptim
{
    // The last link of schedule-free SGD (AdamWNames = false: "momentum", lr 1) and AdamW (true:
    // "beta1", lr 0.0025), as facebookresearch/schedule_free's SGDScheduleFree and
    // AdamWScheduleFree: u is the direction before the rate (the gradient plus wd y, or Adam's
    // normalised gradient plus wd y), w is y. Its slot holds d = z - y rather than z, so that it
    // starts at 0 like every slot (z = y before the first step) and the modes share it:
    //   y' = y + c d + a u,  d' = (1 - c) (d - lr_t b u),  a = lr_t (b (1 - c) - 1),
    // the reference's two updates rearranged. The per-group numbers (lr_max, weight_sum, the
    // mode) are its group state (core/group_state.hpp).
    template <bool AdamWNames>
    struct schedule_free_average
    {
        static constexpr std::string_view name = AdamWNames ? "schedule_free_adamw" : "schedule_free_sgd";
        double lr = AdamWNames ? 0.0025 : 1.0;
        double beta = 0.9;
        std::uint64_t warmup_steps = 0;
        double r = 0.0;
        double weight_lr_power = 2.0;

        // d = z - y (in eval mode the parameter is x and d is unchanged)
        static constexpr std::size_t max_slots = 1;
        std::size_t slots() const noexcept { return 1; }

        // Per group: the largest warmed-up rate so far (-1 before the first step), the sum of the
        // averaging weights, and whether the stored parameters are y (train) or x (eval).
        struct group_state
        {
            double lr_max = -1.0;
            double weight_sum = 0.0;
            bool train_mode = true;
            bool operator==(const group_state&) const = default;
            template <class Self, class F>
            static void each(Self& s, F&& f)
            {
                f("lr_max", s.lr_max);
                f("weight_sum", s.weight_sum);
                f("train_mode", s.train_mode);
            }
        };

        template <class V>
        struct coefficients_type
        {
            V neg_c, neg_a, keep, lr_beta;
        };

        // The warmed-up rate of step s: lr (t / warmup_steps) for the first warmup_steps steps.
        double learning_rate(const step_info& s) const
        {
            const std::uint64_t k = s.step - 1;
            return k < warmup_steps ? lr * (static_cast<double>(k + 1) / static_cast<double>(warmup_steps)) : lr;
        }

        // The group state after step s.
        group_state advanced(const group_state& before, const step_info& s) const
        {
            group_state after = before;
            after.lr_max = std::max(learning_rate(s), before.lr_max);
            after.weight_sum = before.weight_sum + weight(s, after.lr_max);
            return after;
        }

        // The coefficients of step s from the group state after it.
        template <class V>
        coefficients_type<V> coefficients(const step_info& s, const group_state& after) const
        {
            const double w = weight(s, after.lr_max);
            const double c = after.weight_sum != 0.0 ? w / after.weight_sum : 0.0;
            const double rate = learning_rate(s);
            return {static_cast<V>(-c), static_cast<V>(-(rate * (beta * (1.0 - c) - 1.0))), static_cast<V>(1.0 - c),
                    static_cast<V>(rate * beta)};
        }

        // Without the group state: what a group whose hyperparameters never changed holds at step
        // s, recomputed from its first step (O(s)); the optimizer keeps the state and uses the other.
        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            group_state st;
            for (std::uint64_t t = 1; t <= s.step; ++t) { st = advanced(st, step_info{t}); }
            return coefficients<V>(s, st);
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u,
                const slot_view<scalar_t<T>>& state) const
        {
            const T d = state.template load<T>(0);
            state.store(0, c.keep * (d - c.lr_beta * u));
            return c.neg_c * d + c.neg_a * u;
        }

        // The mode switch of one element: y -> x = lerp(y, z, 1 - 1/b) = y + (1 - 1/b) d, and back,
        // x -> y = lerp(x, z, 1 - b) = x + ((1 - b) / b) d, since z - x = d / b.
        template <class T>
        T to_eval(const T& y, const slot_view<T>& state) const
        {
            return y + static_cast<T>(1.0 - 1.0 / beta) * state.template load<T>(0);
        }
        template <class T>
        T to_train(const T& x, const slot_view<T>& state) const
        {
            return x + static_cast<T>((1.0 - beta) / beta) * state.template load<T>(0);
        }

        static constexpr auto hyperparameters()
        {
            return std::tuple{param("lr", &schedule_free_average::lr, constraints::non_negative, "learning rate"),
                              param(AdamWNames ? "beta1" : "momentum", &schedule_free_average::beta,
                                    constraints::open_unit_interval,
                                    "interpolation between the average x and the base iterate z"),
                              param("warmup_steps", &schedule_free_average::warmup_steps, constraints::none,
                                    "steps of linear learning-rate warm-up"),
                              param("r", &schedule_free_average::r, constraints::non_negative,
                                    "power of the step in the averaging weight"),
                              param("weight_lr_power", &schedule_free_average::weight_lr_power,
                                    constraints::non_negative, "power of the largest rate in the averaging weight")};
        }

    private:
        // The averaging weight of step s: t^r lr_max^weight_lr_power.
        double weight(const step_info& s, double lr_max) const
        {
            return math::pow(static_cast<double>(s.step), r) * math::pow(lr_max, weight_lr_power);
        }
    };

    using schedule_free_sgd = schedule_free_average<false>;
    using schedule_free_adamw = schedule_free_average<true>;
}
