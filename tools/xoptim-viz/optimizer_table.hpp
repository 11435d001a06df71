#pragma once
// The named optimizers, chosen at run time: one table maps each name to the function that
// builds it from its hyperparameter flags (PyTorch's names and meanings). The flags are declared
// on a command line by hyperparameter_flags.hpp.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/any_optimizer.hpp>

#include "cli.hpp"
#include "matrix_optimizers.hpp"

namespace xoptim_viz
{

    /// Any optimizer over a 1-D double tensor (the library's type-erased optimizer), or a matrix
    /// optimizer stepping it as the matrix W of the problem (matrix_optimizers.hpp), with the
    /// checkpoint calls the commands make.
    class any_optimizer
    {
    public:
        any_optimizer() = default;

        explicit any_optimizer(xoptim::any_optimizer<double> opt) : m_opt(std::move(opt)) {}

        template <class Chain, class Policy>
        explicit any_optimizer(xoptim::optimizer<Chain, double, Policy> opt) : m_opt(std::move(opt))
        {}

        explicit any_optimizer(std::unique_ptr<matrix_run> matrix) : m_matrix(std::move(matrix)) {}

        any_optimizer(const any_optimizer& other)
            : m_opt(other.m_opt), m_matrix(other.m_matrix ? other.m_matrix->clone() : nullptr)
        {}
        any_optimizer(any_optimizer&&) noexcept = default;
        any_optimizer& operator=(const any_optimizer& other)
        {
            if (this != &other) { *this = any_optimizer(other); }
            return *this;
        }
        any_optimizer& operator=(any_optimizer&&) noexcept = default;
        ~any_optimizer() = default;

        /// Whether it steps a matrix (Muon, Shampoo): the problem must then say W's shape.
        bool is_matrix() const noexcept { return m_matrix != nullptr; }
        /// theta holds W (rows x cols) row by row; a matrix optimizer needs it before it steps.
        void set_matrix_shape(std::size_t rows, std::size_t cols)
        {
            if (m_matrix) { m_matrix->set_shape(rows, cols); }
        }

        void step(vector& theta, const vector& grad)
        {
            if (m_matrix) { m_matrix->step(theta, grad); }
            else { m_opt.step(theta, grad); }
        }
        double learning_rate() const { return m_matrix ? m_matrix->learning_rate() : m_opt.learning_rate(); }
        std::uint64_t step_count() const { return m_matrix ? m_matrix->step_count() : m_opt.step_count(); }
        /// Schedule-free's modes (xoptim::any_optimizer): an optimizer without them has one point.
        bool has_eval_mode() const { return !m_matrix && m_opt.has_eval_mode(); }
        void eval(vector& theta)
        {
            if (!m_matrix) { m_opt.eval(theta); }
        }
        void train(vector& theta)
        {
            if (!m_matrix) { m_opt.train(theta); }
        }

        /// Writes the optimizer's state and theta to `file` (atomically), recording what they were
        /// made on; checkpoint_error on failure.
        void save(const std::filesystem::path& file, vector& theta, const xoptim::checkpoint_identity& made_on) const
        {
            if (m_matrix) { m_matrix->save(file, theta, made_on); }
            else { xoptim::save_checkpoint(file, m_opt, theta, made_on); }
        }

        /// Replaces the state and theta by those in `file`, which must have been made on `made_on`
        /// (when it records what it was made on) with this optimizer's hyperparameters.
        /// checkpoint_error (nothing changed) when the file is bad or does not match.
        void resume(const std::filesystem::path& file, vector& theta, const xoptim::checkpoint_identity& made_on);
        explicit operator bool() const noexcept { return m_matrix || static_cast<bool>(m_opt); }

    private:
        xoptim::any_optimizer<double> m_opt;
        std::unique_ptr<matrix_run> m_matrix;
    };

    /// Every hyperparameter flag any optimizer takes, with its help line (made from the
    /// optimizers' declarations; no default: each optimizer has its own, optimizer_defaults).
    std::span<const flag> hyperparameter_flags();

    /// The value hyperparameter flag `flag` gives: a switch's (text ignored) 1, or 0 for a
    /// --no-<name> switch; an enumeration's (--adjust-lr-fn) name or number; any other flag's
    /// finite number. usage_error naming the flag and the text otherwise.
    double hyperparameter_value(std::string_view flag, const std::string& text);

    /// The hyperparameter flags given ("--lr") and their values (hyperparameter_value).
    using hyperparameter_values = std::map<std::string, double, std::less<>>;

    /// The named optimizers, in a fixed order.
    std::vector<std::string_view> optimizer_names();

    /// True when `name` is a named optimizer.
    bool is_optimizer(std::string_view name);

    /// The hyperparameter flags `name` takes, and their defaults, e.g. "--lr 0.001 --momentum 0".
    std::string optimizer_defaults(std::string_view name);

    /// One line about `name`: what it is and what --weight-decay means for it.
    std::string_view optimizer_summary(std::string_view name);

    /// Builds optimizer `name` from the hyperparameter flags in `given` (others keep their
    /// defaults). A flag the optimizer does not take or an invalid value raises usage_error.
    any_optimizer make_optimizer(std::string_view name, const hyperparameter_values& given);

}  // namespace xoptim_viz
