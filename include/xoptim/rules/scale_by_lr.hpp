#pragma once
// u <- lr_t * u, with lr_t = lr_scale * schedule(t - 1) computed once per step.
// The step size of gradient descent (Cauchy 1847; Robbins & Monro 1951 for the stochastic form).

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "../core/hyperparameters.hpp"
#include "../core/slots.hpp"
#include "../core/step_info.hpp"
#include "../schedules.hpp"

namespace xoptim
{
    template <schedule S = double>
    struct scale_by_lr
    {
        static constexpr std::string_view name = "scale_by_lr";
        S lr{};
        // A multiplier of a scheduled rate: what setting "lr" mid-run (or reduce_on_plateau)
        // changes when the rate follows a schedule. Not used with a constant rate.
        double lr_scale = 1.0;

        static constexpr std::size_t max_slots = 0;
        std::size_t slots() const noexcept { return 0; }

        template <class V>
        struct coefficients_type
        {
            V lr;
        };

        double learning_rate(const step_info& s) const
        {
            if constexpr (std::is_arithmetic_v<S>) { return static_cast<double>(lr); }
            else { return lr_scale * rate_at(lr, s.step - 1); }
        }

        // A constant rate is the hyperparameter "lr". With a schedule, "schedule.<field>" are
        // the schedule's own, "lr" is the rate of the next step (setting it scales the rest of
        // the schedule: lr_scale = value / schedule(t)) and "lr_scale" the multiplier.
        static constexpr auto hyperparameters()
        {
            if constexpr (std::is_arithmetic_v<S>)
            {
                return std::tuple{param("lr", &scale_by_lr::lr, constraints::non_negative, "learning rate")};
            }
            else
            {
                return std::tuple_cat(
                    detail::schedule_param("schedule", &scale_by_lr::lr, constraints::non_negative,
                                           "the learning-rate schedule"),
                    std::tuple{param("lr_scale", &scale_by_lr::lr_scale, constraints::non_negative,
                                     "multiplier of the scheduled rate")
                                   .with_since(2)
                                   .steering_only(),
                               computed_hyperparameter<scale_by_lr>{"lr", &scheduled_rate, &set_scheduled_rate,
                                                                    "rate of the next step"}});
            }
        }

        void check_relations(std::string_view owner) const
        {
            if constexpr (!std::is_arithmetic_v<S> && !declares_hyperparameters<S>)
            {
                detail::validate_schedule(lr, owner);
            }
            detail::check_schedule_relations(lr, owner);
        }

        // Whether the rate follows a schedule, so that each step's rate is checked as it is made.
        static constexpr bool has_schedule = !std::is_arithmetic_v<S>;

        // A scheduled rate is checked as it is produced: one that is not finite in V, or is
        // negative, throws std::domain_error naming the schedule, the step and the value, before
        // the step changes anything (the optimizer computes the coefficients first).
        template <class V>
        coefficients_type<V> coefficients(const step_info& s) const
        {
            const double rate = learning_rate(s);
            if constexpr (has_schedule)
            {
                if (!(rate >= 0.0 && rate <= detail::largest<V>)) [[unlikely]] { throw_bad_rate(s, rate, sizeof(V)); }
            }
            return {static_cast<V>(rate)};
        }

        template <element T>
        T apply(const coefficients_type<scalar_t<T>>& c, const T&, const T& u, const slot_view<scalar_t<T>>&) const
        {
            return c.lr * u;
        }

    private:
        [[noreturn]] static void throw_bad_rate(const step_info& s, double rate, std::size_t value_size)
        {
            std::string schedule = "of the optimizer";
            if constexpr (requires { S::name; }) { schedule = std::string(S::name); }
            throw std::domain_error(
                "scale_by_lr: the learning-rate schedule " + schedule + " gives the rate " + detail::format_value(rate)
                + " at step " + std::to_string(s.step) + " (schedule position " + std::to_string(s.step - 1)
                + "); a rate must be >= 0 and " + (value_size == sizeof(float) ? "finite in float" : "finite")
                + "; nothing was changed");
        }

        static double scheduled_rate(const scale_by_lr& r, const step_info& next) { return r.learning_rate(next); }

        static void set_scheduled_rate(scale_by_lr& r, double value, const step_info& next)
        {
            if (!(value >= 0.0 && std::isfinite(value)))
            {
                detail::invalid_named("scale_by_lr", "lr", value, "finite and >= 0");
            }
            const double base = rate_at(r.lr, next.step - 1);
            if (!(base > 0.0))
            {
                throw std::invalid_argument("scale_by_lr: lr cannot be set to " + detail::format_value(value)
                                            + " at step " + std::to_string(next.step)
                                            + ": the schedule's rate there is " + detail::format_value(base)
                                            + ", so no multiplier reaches it");
            }
            r.lr_scale = value / base;
        }
    };

    template <schedule S>
    scale_by_lr(S) -> scale_by_lr<S>;
}
