#pragma once
// reduce_on_plateau: lowers each group's rate to max(lr * factor, min_lr) once a metric has not
// improved for more than `patience` steps; PyTorch 1.13 torch.optim.lr_scheduler.ReduceLROnPlateau.

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/validate.hpp"

namespace xoptim
{
    // An optimizer whose rates can be read and set by group: the number of groups, the rate the
    // next step of group g uses (`get(g, "lr")`) and a new one (`set(g, "lr", x)`).
    template <class O>
    concept lr_steerable = requires(O& opt, std::size_t group, const char* name, double value)
    {
        {
            opt.group_count()
            } -> std::convertible_to<std::size_t>;
        {
            opt.get(group, name)
            } -> std::convertible_to<double>;
        opt.set(group, name, value);
    };

    // min: a lower metric is better (a loss); max: a higher one is (an accuracy).
    enum class plateau_mode : std::uint8_t
    {
        min,
        max,
    };

    // rel: better means beyond best * (1 -/+ threshold); abs: beyond best -/+ threshold.
    enum class plateau_threshold_mode : std::uint8_t
    {
        rel,
        abs,
    };

    inline const char* to_string(plateau_mode m) noexcept { return m == plateau_mode::max ? "max" : "min"; }
    inline const char* to_string(plateau_threshold_mode m) noexcept
    {
        return m == plateau_threshold_mode::abs ? "abs" : "rel";
    }

    namespace detail
    {
        [[noreturn]] inline void invalid_name(const char* owner, const char* name, std::string_view value,
                                              const char* expected)
        {
            throw std::invalid_argument(std::string(owner) + ": " + name + " must be " + expected + ", got \""
                                        + std::string(value) + "\"");
        }
    }

    // torch's strings: "min" / "max" and "rel" / "abs"; anything else is a std::invalid_argument.
    inline plateau_mode parse_plateau_mode(std::string_view s)
    {
        if (s == "min") { return plateau_mode::min; }
        if (s == "max") { return plateau_mode::max; }
        detail::invalid_name("reduce_on_plateau", "mode", s, "\"min\" or \"max\"");
    }

    inline plateau_threshold_mode parse_plateau_threshold_mode(std::string_view s)
    {
        if (s == "rel") { return plateau_threshold_mode::rel; }
        if (s == "abs") { return plateau_threshold_mode::abs; }
        detail::invalid_name("reduce_on_plateau", "threshold_mode", s, "\"rel\" or \"abs\"");
    }

    // One value for every parameter group, or one per group: `.min_lr = 1e-5` or
    // `.min_lr = {1e-4, 1e-6}`. A list of one value is one value for every group.
    class group_values
    {
    public:
        group_values(double value = 0.0) : m_values{value} {}  // NOLINT(google-explicit-constructor)
        group_values(std::initializer_list<double> values) : m_values(values) {}
        explicit group_values(std::vector<double> values) : m_values(std::move(values)) {}

        // The value for group g.
        double operator[](std::size_t g) const { return m_values.size() == 1 ? m_values[0] : m_values[g]; }
        // Whether there is one value per group rather than one for all.
        bool per_group() const noexcept { return m_values.size() != 1; }
        const std::vector<double>& values() const noexcept { return m_values; }

        friend bool operator==(const group_values&, const group_values&) = default;

    private:
        std::vector<double> m_values;
    };

    // ReduceLROnPlateau's arguments, with torch's names and defaults.
    struct reduce_on_plateau_options
    {
        plateau_mode mode = plateau_mode::min;
        // new lr = max(lr * factor, min_lr); in [0, 1).
        double factor = 0.1;
        // Steps without improvement tolerated; the rate is lowered at the next one.
        std::uint64_t patience = 10;
        // Size of an improvement that counts, relative or absolute (threshold_mode); finite, >= 0.
        double threshold = 1e-4;
        plateau_threshold_mode threshold_mode = plateau_threshold_mode::rel;
        // Steps after a reduction during which bad steps are not counted.
        std::uint64_t cooldown = 0;
        // Lower bound of the rate: one for every group or one per group; finite, >= 0.
        group_values min_lr = 0.0;
        // A reduction of eps or less is not applied; finite, >= 0.
        double eps = 1e-8;

        // Throws std::invalid_argument naming the argument and its value.
        void validate() const
        {
            constexpr const char* owner = "reduce_on_plateau";
            if (mode != plateau_mode::min && mode != plateau_mode::max)
            {
                detail::invalid(owner, "mode", static_cast<double>(mode), "plateau_mode::min or plateau_mode::max");
            }
            if (!(factor >= 0.0 && factor < 1.0)) { detail::invalid(owner, "factor", factor, "in [0, 1)"); }
            detail::require_non_negative(owner, "threshold", threshold);
            if (threshold_mode != plateau_threshold_mode::rel && threshold_mode != plateau_threshold_mode::abs)
            {
                detail::invalid(owner, "threshold_mode", static_cast<double>(threshold_mode),
                                "plateau_threshold_mode::rel or plateau_threshold_mode::abs");
            }
            if (min_lr.values().empty()) { throw std::invalid_argument("reduce_on_plateau: min_lr has no value"); }
            for (double m : min_lr.values()) { detail::require_non_negative(owner, "min_lr", m); }
            detail::require_non_negative(owner, "eps", eps);
        }
    };

    // What reduce_on_plateau keeps between steps (torch's state_dict without the arguments).
    struct reduce_on_plateau_state
    {
        // The best metric so far; +inf (mode min) or -inf (mode max) before the first step.
        double best = std::numeric_limits<double>::infinity();
        // Steps since the last improvement (not counted during a cooldown).
        std::uint64_t num_bad_epochs = 0;
        // Steps of cooldown left.
        std::uint64_t cooldown_counter = 0;
        // Steps taken.
        std::uint64_t last_epoch = 0;

        friend bool operator==(const reduce_on_plateau_state&, const reduce_on_plateau_state&) = default;
    };

    // Steers an optimizer's rates from a metric, one step(metric) per epoch (or evaluation):
    //
    //   xoptim::reduce_on_plateau plateau(opt, {.factor = 0.5, .patience = 5});
    //   for (...) { train(opt); if (plateau.step(validation_loss)) { ... } }
    //
    // A metric is better than best when, in mode min, it is below best * (1 - threshold) (rel)
    // or best - threshold (abs); in mode max, above best * (1 + threshold) or best + threshold.
    // As in torch: a nan metric is never better (it is a bad step); with a negative best, rel
    // scales it towards zero, so in mode min a metric equal to a negative best counts as better.
    // The optimizer must outlive the scheduler.
    template <lr_steerable O>
    class reduce_on_plateau
    {
    public:
        explicit reduce_on_plateau(O& optimizer, reduce_on_plateau_options options = {})
            : m_optimizer(&optimizer), m_options(std::move(options))
        {
            m_options.validate();
            check_group_count();
            m_state.best = worst();
        }

        // Records one metric; lowers the rates when it is the (patience + 1)-th step in a row
        // without improvement outside a cooldown. Returns whether a group's rate was lowered
        // (false when every group is at min_lr, or within eps of it; the cooldown starts anyway).
        bool step(double metric)
        {
            check_group_count();
            reduce_on_plateau_state s = m_state;
            ++s.last_epoch;
            if (is_better(metric, s.best))
            {
                s.best = metric;
                s.num_bad_epochs = 0;
            }
            else { ++s.num_bad_epochs; }
            if (s.cooldown_counter > 0)
            {
                --s.cooldown_counter;
                s.num_bad_epochs = 0;
            }
            bool reduced = false;
            if (s.num_bad_epochs > m_options.patience)
            {
                reduced = reduce_rates();
                s.cooldown_counter = m_options.cooldown;
                s.num_bad_epochs = 0;
            }
            m_state = s;
            return reduced;
        }

        // Whether metric a improves on b under the mode and threshold.
        bool is_better(double a, double b) const noexcept
        {
            const double t = m_options.threshold;
            const bool rel = m_options.threshold_mode == plateau_threshold_mode::rel;
            if (m_options.mode == plateau_mode::min) { return rel ? a < b * (1.0 - t) : a < b - t; }
            return rel ? a > b * (t + 1.0) : a > b + t;
        }

        double best() const noexcept { return m_state.best; }
        std::uint64_t num_bad_epochs() const noexcept { return m_state.num_bad_epochs; }
        std::uint64_t cooldown_counter() const noexcept { return m_state.cooldown_counter; }
        std::uint64_t last_epoch() const noexcept { return m_state.last_epoch; }
        bool in_cooldown() const noexcept { return m_state.cooldown_counter > 0; }

        const reduce_on_plateau_options& options() const noexcept { return m_options; }
        O& optimizer() const noexcept { return *m_optimizer; }

        reduce_on_plateau_state state() const noexcept { return m_state; }

        // Continues from a saved state. A nan best is a std::invalid_argument, nothing changed.
        void restore(const reduce_on_plateau_state& s)
        {
            if (std::isnan(s.best))
            {
                detail::invalid("reduce_on_plateau::restore", "best", s.best, "a number or +-inf");
            }
            m_state = s;
        }

    private:
        double worst() const noexcept
        {
            constexpr double inf = std::numeric_limits<double>::infinity();
            return m_options.mode == plateau_mode::min ? inf : -inf;
        }

        // One min_lr per group must match the optimizer's groups (checked again at every step,
        // since groups can be added after the scheduler is made).
        void check_group_count() const
        {
            const std::size_t groups = static_cast<std::size_t>(m_optimizer->group_count());
            if (m_options.min_lr.per_group() && m_options.min_lr.values().size() != groups)
            {
                throw std::invalid_argument(
                    "reduce_on_plateau: min_lr has " + std::to_string(m_options.min_lr.values().size())
                    + " values, one per group, but the optimizer has " + std::to_string(groups) + " groups");
            }
        }

        // torch's _reduce_lr: new = max(old * factor, min_lr), applied if old - new > eps.
        bool reduce_rates()
        {
            bool reduced = false;
            const std::size_t groups = static_cast<std::size_t>(m_optimizer->group_count());
            for (std::size_t g = 0; g < groups; ++g)
            {
                const double old_lr = static_cast<double>(m_optimizer->get(g, "lr"));
                const double scaled = old_lr * m_options.factor;
                const double floor = m_options.min_lr[g];
                const double new_lr = floor > scaled ? floor : scaled;  // Python's max(scaled, floor)
                if (old_lr - new_lr > m_options.eps)
                {
                    m_optimizer->set(g, "lr", new_lr);
                    reduced = true;
                }
            }
            return reduced;
        }

        O* m_optimizer;
        reduce_on_plateau_options m_options;
        reduce_on_plateau_state m_state;
    };
}
