#pragma once
// Callbacks for the fit loop. Each is called with every record (the start included); those
// with on_begin / on_end also hear about the plan and the result.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include <xoptim/fit/record.hpp>

namespace xoptim
{

    /// The points and losses of a run, for drawing.
    struct trajectory
    {
        std::vector<xt::xtensor<double, 1>> points;
        std::vector<double> losses;
    };

    /// Appends every record's parameters and loss to a trajectory.
    class record_trajectory
    {
    public:
        explicit record_trajectory(trajectory& out) : m_out(&out) {}
        void on_step(const fit_record& r)
        {
            m_out->points.push_back(r.theta);
            m_out->losses.push_back(r.loss);
        }

    private:
        trajectory* m_out;
    };

    /// Prints one line every `every` steps (and the last step): step, loss, gradient norm, rate.
    class print_every
    {
    public:
        print_every(std::size_t every, std::ostream& out) : m_every(every), m_out(&out)
        {
            if (every == 0) { throw std::invalid_argument("every: must be at least 1, got 0"); }
        }
        void on_step(const fit_record& r)
        {
            m_last = r;
            m_printed_last = r.step % m_every == 0;
            if (m_printed_last) { print(r); }
        }
        void on_end(const fit_result&)
        {
            if (!m_printed_last) { print(m_last); }
        }

    private:
        void print(const fit_record& r)
        {
            char line[160];
            std::snprintf(line, sizeof line, "step %6zu  loss %.9g  |grad| %.4g  lr %.4g\n", r.step, r.loss,
                          r.gradient_norm, r.learning_rate);
            *m_out << line;
        }

        std::size_t m_every;
        std::ostream* m_out;
        fit_record m_last;
        bool m_printed_last = true;
    };

    /// A one-line progress bar, redrawn in place, shown only when `out` is a terminal and the run
    /// has at least `min_steps` steps (or always, with `force`).
    class progress_bar
    {
    public:
        explicit progress_bar(std::FILE* out = stderr, std::size_t min_steps = 1000, bool force = false)
            : m_out(out), m_min_steps(min_steps), m_force(force)
        {}
        void on_begin(const fit_plan& plan)
        {
            m_total = plan.total_steps;
            m_active = m_out != nullptr && m_total > 0
                       && (m_force || (m_total >= m_min_steps && ::isatty(::fileno(m_out)) == 1));
            m_drawn = -1;
        }
        void on_step(const fit_record& r)
        {
            if (!m_active) { return; }
            const int percent = static_cast<int>(100 * std::min(r.step, m_total) / m_total);
            if (percent != m_drawn)
            {
                m_drawn = percent;
                constexpr int width = 30;
                const int filled = percent * width / 100;
                std::fprintf(m_out, "\r[%.*s%*s] %3d%%  step %zu/%zu  loss %.6g", filled,
                             "##############################", width - filled, "", percent, r.step, m_total, r.loss);
                std::fflush(m_out);
            }
        }
        void on_end(const fit_result&)
        {
            if (m_active && m_drawn >= 0)
            {
                std::fputc('\n', m_out);
                std::fflush(m_out);
            }
        }
        bool active() const noexcept { return m_active; }

    private:
        std::FILE* m_out;
        std::size_t m_min_steps;
        bool m_force;
        std::size_t m_total = 0;
        bool m_active = false;
        int m_drawn = -1;
    };

    /// Stops (reason converged) once the gradient norm is at most `gradient_norm`, or once the
    /// loss changes by at most `loss_change` in one step. A tolerance of 0 is not checked.
    class stop_at_tolerance
    {
    public:
        explicit stop_at_tolerance(double gradient_norm, double loss_change = 0.0)
            : m_gradient_norm(gradient_norm), m_loss_change(loss_change)
        {
            if (!(gradient_norm >= 0.0))
            {
                throw std::invalid_argument("gradient_norm: must be >= 0, got " + std::to_string(gradient_norm));
            }
            if (!(loss_change >= 0.0))
            {
                throw std::invalid_argument("loss_change: must be >= 0, got " + std::to_string(loss_change));
            }
        }
        fit_signal on_step(const fit_record& r)
        {
            const bool has_previous = m_has_previous;
            const double previous = m_previous;
            m_has_previous = true;
            m_previous = r.loss;
            if (m_gradient_norm > 0.0 && r.gradient_norm <= m_gradient_norm)
            {
                std::ostringstream msg;
                msg << "step " << r.step << ": gradient norm " << r.gradient_norm << " <= " << m_gradient_norm;
                return fit_signal::halt(stop_reason::converged, msg.str());
            }
            if (m_loss_change > 0.0 && has_previous && std::abs(r.loss - previous) <= m_loss_change)
            {
                std::ostringstream msg;
                msg << "step " << r.step << ": loss changed by " << std::abs(r.loss - previous)
                    << " <= " << m_loss_change;
                return fit_signal::halt(stop_reason::converged, msg.str());
            }
            return fit_signal::proceed();
        }

    private:
        double m_gradient_norm;
        double m_loss_change;
        bool m_has_previous = false;
        double m_previous = 0.0;
    };

    /// Stops (reason diverged) when the loss is not finite or its size grew by more than
    /// `growth` times the starting loss's (times 1 when the start's loss is 0).
    class stop_on_divergence
    {
    public:
        explicit stop_on_divergence(double growth = 1e6) : m_growth(growth)
        {
            if (!(growth > 1.0) || !std::isfinite(growth))
            {
                throw std::invalid_argument("growth: must be finite and > 1, got " + std::to_string(growth));
            }
        }
        fit_signal on_step(const fit_record& r)
        {
            if (!std::isfinite(r.loss))
            {
                return fit_signal::halt(stop_reason::diverged,
                                        "step " + std::to_string(r.step) + ": the loss is not finite");
            }
            if (!m_has_start)
            {
                m_has_start = true;
                m_start = r.loss;
                return fit_signal::proceed();
            }
            const double limit = m_growth * (m_start != 0.0 ? std::abs(m_start) : 1.0);
            if (std::abs(r.loss) > limit)
            {
                std::ostringstream msg;
                msg << "step " << r.step << ": the loss " << r.loss << " grew more than " << m_growth << " times from "
                    << m_start;
                return fit_signal::halt(stop_reason::diverged, msg.str());
            }
            return fit_signal::proceed();
        }

    private:
        double m_growth;
        bool m_has_start = false;
        double m_start = 0.0;
    };

}  // namespace xoptim
