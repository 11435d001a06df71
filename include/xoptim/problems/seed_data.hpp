#pragma once
// The seed's data set: a noisy straight line, x ~ U(-1, 1), y = 3 + 5 x + e, e ~ U(0, 1).

#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>

#include <xoptim/problems/batches.hpp>
#include <xoptim/problems/dataset.hpp>

namespace xoptim
{

    struct seed_data_options
    {
        std::size_t size = 100;  ///< number of points
        double intercept = 3.0;  ///< theta0 of the generating line
        double slope = 5.0;      ///< theta1 of the generating line
        double noise = 1.0;      ///< e ~ U(0, noise)
    };

    /// The seed's data set from a seeded std::mt19937_64. All the x are drawn first, then all
    /// the noise; each uniform comes from the top 53 bits of one raw draw, so the same seed gives
    /// the same numbers on every platform and standard library.
    inline dataset seed_data(std::uint64_t seed = 0, const seed_data_options& options = {})
    {
        if (options.size == 0) { throw std::invalid_argument("size: must be at least 1, got 0"); }
        std::mt19937_64 rng(seed);
        dataset data{xt::zeros<double>({options.size, std::size_t{1}}), xt::zeros<double>({options.size})};
        for (std::size_t i = 0; i < options.size; ++i) { data.x(i, 0) = -1.0 + 2.0 * detail::uniform_unit(rng); }
        for (std::size_t i = 0; i < options.size; ++i)
        {
            data.y(i) = options.intercept + options.slope * data.x(i, 0) + options.noise * detail::uniform_unit(rng);
        }
        return data;
    }

}  // namespace xoptim
