#pragma once
// A regression data set: n samples of d inputs (`x`, n x d) and one target each (`y`, n).

#include <cstddef>
#include <stdexcept>
#include <string>

#include <xtensor/xtensor.hpp>

namespace xoptim
{

    struct dataset
    {
        xt::xtensor<double, 2> x;  ///< n x d inputs
        xt::xtensor<double, 1> y;  ///< n targets

        std::size_t size() const noexcept { return y.size(); }
        std::size_t features() const noexcept { return x.shape()[1]; }
    };

    namespace detail
    {

        inline void check_dataset(const xt::xtensor<double, 2>& x, const xt::xtensor<double, 1>& y)
        {
            if (x.shape()[0] != y.size())
            {
                throw std::invalid_argument("x: " + std::to_string(x.shape()[0]) + " rows do not match the "
                                            + std::to_string(y.size()) + " targets in y");
            }
            if (y.size() == 0) { throw std::invalid_argument("y: no samples"); }
            if (x.shape()[1] == 0) { throw std::invalid_argument("x: no input columns"); }
        }

    }  // namespace detail
}  // namespace xoptim
