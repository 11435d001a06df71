// The opt-in threaded step: the same Adam run on one and on two threads gives bitwise the
// same parameters (docs/performance.md, "The threaded step").

#include <cstddef>
#include <cstdio>
#include <cstring>

#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

#include <xoptim/xoptim.hpp>

namespace
{
    // Minimises sum_i (w_i - i / n)^2 / 2 for `steps` steps; returns the parameters.
    xt::xtensor<float, 1> descend(std::size_t threads, std::size_t n, int steps)
    {
        auto opt = xoptim::adam<float>({.lr = 1e-2});
        opt.set_threads(threads);
        xt::xtensor<float, 1> w = xt::zeros<float>({n});
        const xt::xtensor<float, 1> target = xt::arange<float>(static_cast<float>(n)) / static_cast<float>(n);
        xt::xtensor<float, 1> g = xt::zeros<float>({n});
        for (int s = 0; s < steps; ++s)
        {
            // A contiguous gradient: a lazy expression such as `w - target` would also work,
            // but it is evaluated on the calling thread only.
            xt::noalias(g) = w - target;
            opt.step(w, g);
        }
        return w;
    }
}

int main()
{
    const std::size_t n = std::size_t(1) << 20;
    const auto one = descend(1, n, 20);
    const auto two = descend(2, n, 20);
    const bool same = std::memcmp(one.data(), two.data(), n * sizeof(float)) == 0;
    std::printf("w[n/2] after 20 Adam steps: %.7g (1 thread), %.7g (2 threads); all %zu equal: %s\n",
                static_cast<double>(one(n / 2)), static_cast<double>(two(n / 2)), n, same ? "yes" : "no");
    return same ? 0 : 1;
}
