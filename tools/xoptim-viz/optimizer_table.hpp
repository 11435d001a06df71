#pragma once
// The named optimizers, chosen at run time: one table maps each name to the function that
// reads its hyperparameter flags (PyTorch's names and meanings) and builds it.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/io/checkpoint.hpp>

#include "cli.hpp"

namespace xoptim_viz {

using vector = xt::xtensor<double, 1>;

/// Any optimizer over a 1-D double tensor, behind one interface.
class any_optimizer {
public:
    any_optimizer() = default;

    template <class O>
    explicit any_optimizer(O opt) : m_self(std::make_shared<model<O>>(std::move(opt)))
    {
    }

    void step(vector& theta, const vector& grad) { m_self->step(theta, grad); }
    double learning_rate() const { return m_self->learning_rate(); }
    std::uint64_t step_count() const { return m_self->step_count(); }

    /// Writes the optimizer's state and theta to `file` (atomically); checkpoint_error on failure.
    void save(const std::filesystem::path& file, const vector& theta) const { m_self->save(file, theta); }

    /// Replaces the state and theta by those in `file`, whose hyperparameters must equal this
    /// optimizer's. checkpoint_error (nothing changed) when the file is bad or does not match.
    void resume(const std::filesystem::path& file, vector& theta) { m_self->resume(file, theta); }
    explicit operator bool() const noexcept { return m_self != nullptr; }

private:
    struct interface {
        virtual ~interface() = default;
        virtual void step(vector& theta, const vector& grad) = 0;
        virtual double learning_rate() const = 0;
        virtual std::uint64_t step_count() const = 0;
        virtual void save(const std::filesystem::path& file, const vector& theta) const = 0;
        virtual void resume(const std::filesystem::path& file, vector& theta) = 0;
    };
    template <class O>
    struct model final : interface {
        explicit model(O o) : opt(std::move(o)) {}
        void step(vector& theta, const vector& grad) override { opt.step(theta, grad); }
        double learning_rate() const override { return opt.learning_rate(); }
        std::uint64_t step_count() const override { return opt.step_count(); }
        void save(const std::filesystem::path& file, const vector& theta) const override
        {
            xoptim::save_checkpoint(file, opt, theta);
        }
        void resume(const std::filesystem::path& file, vector& theta) override
        {
            O loaded = opt;
            vector t = theta;
            xoptim::load_checkpoint(file, loaded, t);
            const std::string diff = xoptim::hyperparameter_difference(opt.rule(), loaded.rule());
            if (!diff.empty()) {
                throw xoptim::checkpoint_error("hyperparameters differ from the command line's: " + diff);
            }
            opt = std::move(loaded);
            theta = std::move(t);
        }
        O opt;
    };
    std::shared_ptr<interface> m_self;
};

/// Every hyperparameter flag any optimizer takes, with its help line.
std::span<const flag> hyperparameter_flags();

/// The named optimizers, in a fixed order.
std::vector<std::string_view> optimizer_names();

/// True when `name` is a named optimizer.
bool is_optimizer(std::string_view name);

/// The hyperparameter flags `name` takes, and their defaults, e.g. "--lr 0.001 --momentum 0".
std::string optimizer_defaults(std::string_view name);

/// One line about `name`: what it is and what --weight-decay means for it.
std::string_view optimizer_summary(std::string_view name);

/// Builds optimizer `name` from the hyperparameter flags in `given` (others keep their
/// defaults). A flag the optimizer does not take, a malformed number or an invalid value
/// raises usage_error.
any_optimizer make_optimizer(std::string_view name, const parsed_flags& given);

} // namespace xoptim_viz
