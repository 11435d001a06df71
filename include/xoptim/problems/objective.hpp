#pragma once
// What the fit loop minimises: objectives (value and gradient with respect to the
// parameters) and separable objectives (a mean over samples that can be taken on a batch).

#include <concepts>
#include <cstddef>
#include <span>
#include <utility>

#include <xtensor/xtensor.hpp>

namespace xoptim
{

    /// A batch: the indices of the samples it holds.
    using batch_indices = std::span<const std::size_t>;

    /// `o.dimension()` parameters; `o.value(theta)` the objective at `theta`;
    /// `o.gradient(theta, g)` writes its gradient into `g` (resized if `g` is a container).
    template <class O, class P>
    concept objective = requires(const O& o, const P& theta, P& g)
    {
        {
            o.dimension()
            } -> std::convertible_to<std::size_t>;
        {
            o.value(theta)
            } -> std::convertible_to<double>;
        o.gradient(theta, g);
    };

    /// An objective that is a mean over `o.size()` samples, so that it can also be evaluated on
    /// a batch of them (`value(theta, batch)`, `gradient(theta, batch, g)`: the mean over the
    /// batch). Which samples go into which batch is the caller's choice (see batches.hpp).
    template <class O, class P>
    concept separable_objective = objective<O, P> && requires(const O& o, const P& theta, P& g, batch_indices batch)
    {
        {
            o.size()
            } -> std::convertible_to<std::size_t>;
        {
            o.value(theta, batch)
            } -> std::convertible_to<double>;
        o.gradient(theta, batch, g);
    };

    /// The value and the gradient at once: the objective's own `value_and_gradient` when it has
    /// one (it usually shares the work), otherwise `value` then `gradient`.
    template <class O, class P, class G>
    requires objective<O, P>
    double value_and_gradient(const O& o, const P& theta, G& g)
    {
        if constexpr (requires {
                          {
                              o.value_and_gradient(theta, g)
                              } -> std::convertible_to<double>;
                      })
        {
            return o.value_and_gradient(theta, g);
        }
        else
        {
            const double v = o.value(theta);
            o.gradient(theta, g);
            return v;
        }
    }

}  // namespace xoptim
