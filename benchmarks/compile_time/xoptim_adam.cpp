// Compile-time probe: the umbrella header and one Adam step on an xtensor (see docs/performance.md).
#include <xoptim/xoptim.hpp>
#include <xtensor/xtensor.hpp>

int main()
{
    xt::xtensor<float, 1> w = xt::ones<float>({std::size_t(1024)});
    const xt::xtensor<float, 1> g = xt::ones<float>({std::size_t(1024)});
    auto opt = xoptim::adam<float>({.lr = 1e-3});
    opt.step(w, g);
    return w(0) < 1.0f ? 0 : 1;
}
