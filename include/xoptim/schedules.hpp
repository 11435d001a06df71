#pragma once
// Learning-rate schedules: `s(step) -> rate`, where step counts the steps already taken
// (0 for the first). A plain number is a constant schedule. Semantics follow PyTorch's
// lr_scheduler classes stepped once per optimizer step.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/hyperparameters.hpp"
#include "core/scalar_math.hpp"
#include "core/validate.hpp"

namespace xoptim
{
    template <class S>
    concept schedule = std::is_arithmetic_v<S> ||(std::copy_constructible<S>&& requires(const S& s,
                                                                                        std::uint64_t step) {
        {
            s(step)
            } -> std::convertible_to<double>;
    });

    // The rate of schedule s after `step` steps.
    template <schedule S>
    double rate_at(const S& s, std::uint64_t step)
    {
        if constexpr (std::is_arithmetic_v<S>) { return static_cast<double>(s); }
        else { return static_cast<double>(s(step)); }
    }

    namespace detail
    {
        // A schedule without a declaration of its own (a user's callable) is checked by its
        // validate(), if it has one; a declared one by its declaration.
        template <schedule S>
        void validate_schedule(const S& s, std::string_view owner)
        {
            if constexpr (std::is_arithmetic_v<S>)
            {
                if (!(static_cast<double>(s) >= 0.0 && std::isfinite(static_cast<double>(s))))
                {
                    invalid_named(owner, "lr", static_cast<double>(s), "finite and >= 0");
                }
            }
            else if constexpr (declares_hyperparameters<S>) { check_declared<double>(s, owner); }
            else if constexpr (requires { s.validate(); }) { s.validate(); }
        }

        // The relations of a schedule's arguments (its check_relations, if it has one): what a
        // declaration of each argument alone cannot say, such as arguments whose rate overflows.
        template <schedule S>
        void check_schedule_relations(const S& s, std::string_view owner)
        {
            if constexpr (requires { s.check_relations(owner); }) { s.check_relations(owner); }
        }

        // The declaration of a member holding a schedule or a number: a tuple of one
        // descriptor, or of none for a schedule that declares nothing (it cannot be named).
        template <class Owner, class S>
        constexpr auto schedule_param(std::string_view name, S Owner::*member, constraint rule, std::string_view help)
        {
            if constexpr (std::is_arithmetic_v<S> || declares_hyperparameters<S>)
            {
                return std::tuple{param(name, member, rule, help)};
            }
            else { return std::tuple<>{}; }
        }
    }

    struct constant_schedule
    {
        static constexpr std::string_view name = "constant_schedule";
        double value = 1e-3;
        double operator()(std::uint64_t) const noexcept { return value; }
        static constexpr auto hyperparameters()
        {
            return std::tuple{param("value", &constant_schedule::value, constraints::non_negative, "the rate")};
        }
    };

    // lr * gamma^floor(step / step_size)   (PyTorch StepLR)
    struct step_decay
    {
        static constexpr std::string_view name = "step_decay";
        double lr = 1e-3;
        std::uint64_t step_size = 1;
        double gamma = 0.1;
        double operator()(std::uint64_t step) const
        {
            return lr * math::pow(gamma, static_cast<double>(step / step_size));
        }
        static constexpr auto hyperparameters()
        {
            return std::tuple{
                param("lr", &step_decay::lr, constraints::non_negative, "initial rate"),
                param("step_size", &step_decay::step_size, constraints::at_least_one, "steps between decays"),
                param("gamma", &step_decay::gamma, constraints::non_negative, "factor of each decay")};
        }
    };

    // lr * gamma^step   (PyTorch ExponentialLR)
    struct exponential_decay
    {
        static constexpr std::string_view name = "exponential_decay";
        double lr = 1e-3;
        double gamma = 0.99;
        double operator()(std::uint64_t step) const { return lr * math::pow(gamma, static_cast<double>(step)); }
        static constexpr auto hyperparameters()
        {
            return std::tuple{param("lr", &exponential_decay::lr, constraints::non_negative, "initial rate"),
                              param("gamma", &exponential_decay::gamma, constraints::non_negative, "factor per step")};
        }
    };

    // lr / (1 + step * decay)   (Adagrad's lr_decay)
    struct inverse_time_decay
    {
        static constexpr std::string_view name = "inverse_time_decay";
        double lr = 1e-2;
        double decay = 0.0;
        double operator()(std::uint64_t step) const { return lr / (1.0 + static_cast<double>(step) * decay); }
        static constexpr auto hyperparameters()
        {
            return std::tuple{param("lr", &inverse_time_decay::lr, constraints::non_negative, "initial rate"),
                              param("decay", &inverse_time_decay::decay, constraints::non_negative, "decay per step")};
        }
    };

    // eta_min + (lr - eta_min) (1 + cos(pi t / T)) / 2 over periods of T steps, each period
    // t_mult times the last (PyTorch CosineAnnealingWarmRestarts; without restarts,
    // CosineAnnealingLR held at eta_min after T steps).
    struct cosine_decay
    {
        static constexpr std::string_view name = "cosine_decay";
        double lr = 1e-3;
        std::uint64_t period = 100;
        double eta_min = 0.0;
        bool restarts = false;
        std::uint64_t t_mult = 1;

        double operator()(std::uint64_t step) const
        {
            double t = static_cast<double>(step);
            double len = static_cast<double>(period);
            if (!restarts) { t = std::min(t, len); }
            else if (t_mult == 1) { t = std::fmod(t, len); }
            else
            {
                while (t >= len)
                {
                    t -= len;
                    len *= static_cast<double>(t_mult);
                }
            }
            return eta_min + (lr - eta_min) * (1.0 + math::cos_pi_ratio(t, len)) / 2.0;
        }
        // (lr - eta_min) * 2 is computed on the way to every rate: it must not overflow.
        void check_relations(std::string_view owner) const
        {
            if (!std::isfinite((lr - eta_min) * 2.0))
            {
                detail::invalid_named(owner, "cosine_decay.lr", lr,
                                      "such that (lr - eta_min) * 2 is finite (eta_min is "
                                          + detail::format_value(eta_min) + ")");
            }
        }
        static constexpr auto hyperparameters()
        {
            return std::tuple{
                param("lr", &cosine_decay::lr, constraints::non_negative, "initial (largest) rate"),
                param("period", &cosine_decay::period, constraints::at_least_one, "steps of the first period"),
                param("eta_min", &cosine_decay::eta_min, constraints::non_negative, "smallest rate"),
                param("restarts", &cosine_decay::restarts, constraints::none, "restart after each period"),
                param("t_mult", &cosine_decay::t_mult, constraints::at_least_one, "growth of each period")};
        }
    };

    // Linear warm-up from start_factor * inner(0) to inner(warmup_steps) over warmup_steps
    // steps, then the inner schedule shifted by warmup_steps.
    template <schedule S>
    struct linear_warmup
    {
        static constexpr std::string_view name = "linear_warmup";
        S inner{};
        std::uint64_t warmup_steps = 0;
        double start_factor = 0.0;

        double operator()(std::uint64_t step) const
        {
            if (step >= warmup_steps) { return rate_at(inner, step - warmup_steps); }
            const double f =
                start_factor + (1.0 - start_factor) * static_cast<double>(step) / static_cast<double>(warmup_steps);
            return f * rate_at(inner, 0);
        }
        static constexpr auto hyperparameters()
        {
            return std::tuple_cat(
                detail::schedule_param("inner", &linear_warmup::inner, constraints::non_negative,
                                       "the schedule after warm-up"),
                std::tuple{param("warmup_steps", &linear_warmup::warmup_steps, constraints::none, "steps of warm-up"),
                           param("start_factor", &linear_warmup::start_factor, constraints::closed_unit_interval,
                                 "fraction of the rate at the first step")});
        }
        void check_relations(std::string_view owner) const
        {
            if constexpr (!std::is_arithmetic_v<S> && !declares_hyperparameters<S>)
            {
                detail::validate_schedule(inner, owner);
            }
            detail::check_schedule_relations(inner, owner);
        }
    };

    template <schedule S>
    linear_warmup(S, std::uint64_t, double) -> linear_warmup<S>;

    // PyTorch OneCycleLR (cosine annealing, two phases): from max_lr / div_factor up to
    // max_lr over pct_start of total_steps, then down to initial / final_div_factor.
    struct one_cycle
    {
        static constexpr std::string_view name = "one_cycle";
        double max_lr = 1e-2;
        std::uint64_t total_steps = 100;
        double pct_start = 0.3;
        double div_factor = 25.0;
        double final_div_factor = 1e4;

        double operator()(std::uint64_t step) const
        {
            const double initial = max_lr / div_factor;
            const double min_lr = initial / final_div_factor;
            const double up_end = pct_start * static_cast<double>(total_steps) - 1.0;
            const double down_end = static_cast<double>(total_steps) - 1.0;
            const double t = std::min(static_cast<double>(step), down_end);
            auto anneal = [](double start, double end, double pct) {
                return end + (start - end) / 2.0 * (math::cos_pi(pct) + 1.0);
            };
            if (t <= up_end) { return anneal(initial, max_lr, up_end > 0 ? t / up_end : 1.0); }
            return anneal(max_lr, min_lr, (t - up_end) / (down_end - up_end));
        }
        // The first and the last rate, max_lr / div_factor and that / final_div_factor, must be
        // finite: a tiny divisor (1e-320) makes them infinite.
        void check_relations(std::string_view owner) const
        {
            const double initial = max_lr / div_factor;
            if (!std::isfinite(initial))
            {
                detail::invalid_named(owner, "one_cycle.div_factor", div_factor,
                                      "such that max_lr / div_factor is finite (max_lr is "
                                          + detail::format_value(max_lr) + ")");
            }
            if (!std::isfinite(initial / final_div_factor))
            {
                detail::invalid_named(
                    owner, "one_cycle.final_div_factor", final_div_factor,
                    "such that max_lr / div_factor / final_div_factor is finite (max_lr / div_factor is "
                        + detail::format_value(initial) + ")");
            }
        }
        static constexpr auto hyperparameters()
        {
            return std::tuple{
                param("max_lr", &one_cycle::max_lr, constraints::non_negative, "largest rate"),
                param("total_steps", &one_cycle::total_steps, constraints::at_least_two, "steps of the cycle"),
                param("pct_start", &one_cycle::pct_start, constraints::open_unit_interval,
                      "fraction of the cycle spent rising"),
                param("div_factor", &one_cycle::div_factor, constraints::positive, "max_lr / initial rate"),
                param("final_div_factor", &one_cycle::final_div_factor, constraints::positive,
                      "initial rate / final rate")};
        }
    };
}
