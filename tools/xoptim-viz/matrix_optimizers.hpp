#pragma once
// The optimizers of 2-D parameters (Muon, Shampoo) for xoptim-viz, behind a small interface so
// that only matrix_optimizers.cpp includes them (and xtensor-blas): each steps the flat theta of
// a problem whose parameters are one matrix W (the multi-output regression), read in place.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/any_optimizer.hpp>
#include <xoptim/io/checkpoint.hpp>

namespace xoptim_viz
{
    using vector = xt::xtensor<double, 1>;

    /// A matrix optimizer with its hyperparameters, stepping theta as the rows x cols matrix it
    /// was given by set_shape.
    class matrix_run
    {
    public:
        virtual ~matrix_run() = default;
        virtual std::unique_ptr<matrix_run> clone() const = 0;
        /// theta holds W row by row; called once, before the first step.
        virtual void set_shape(std::size_t rows, std::size_t cols) = 0;
        virtual void step(vector& theta, const vector& grad) = 0;
        virtual double learning_rate() const = 0;
        virtual std::uint64_t step_count() const = 0;
        /// The state and W (as the matrix) to `file`, atomically; checkpoint_error on failure.
        virtual void save(const std::filesystem::path& file, const vector& theta,
                          const xoptim::checkpoint_identity& made_on) const = 0;
        /// The state and W from `file`, made on `made_on` with these hyperparameters; checkpoint_error
        /// (nothing changed) otherwise.
        virtual void resume(const std::filesystem::path& file, vector& theta,
                            const xoptim::checkpoint_identity& made_on) = 0;
    };

    /// Whether this xoptim-viz was built with the xoptim::muon component (xtensor-blas, a BLAS).
    bool has_matrix_optimizers();

    /// "muon", "shampoo" (whether or not they were built).
    std::vector<std::string_view> matrix_optimizer_names();

    bool is_matrix_optimizer(std::string_view name);

    /// The hyperparameters of matrix optimizer `name`, from its options' declarations.
    std::vector<xoptim::optimizer_option> matrix_optimizer_options(std::string_view name);

    /// "muon is not in this xoptim-viz: ...": what a build without the component says.
    std::string not_built(std::string_view name);

    /// One line about `name`.
    std::string_view matrix_optimizer_summary(std::string_view name);

    /// Matrix optimizer `name` with its defaults but `settings` (by declared name);
    /// std::invalid_argument on a bad name or value, std::logic_error when it was not built.
    std::unique_ptr<matrix_run> make_matrix_run(std::string_view name,
                                                const std::vector<xoptim::hyperparameter_setting>& settings);

}  // namespace xoptim_viz
