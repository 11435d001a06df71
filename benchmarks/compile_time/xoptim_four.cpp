// Compile-time probe: the umbrella header and a step of four optimizer types (Adam, SGD with
// momentum, LAMB, RMSprop) on an xtensor: against xoptim_adam.cpp, the cost of three more types.
#include <xoptim/xoptim.hpp>
#include <xtensor/xtensor.hpp>

int main()
{
    xt::xtensor<float, 1> w = xt::ones<float>({std::size_t(1024)});
    const xt::xtensor<float, 1> g = xt::ones<float>({std::size_t(1024)});
    auto adam = xoptim::adam<float>({.lr = 1e-3});
    adam.step(w, g);
    auto momentum = xoptim::sgd<float>({.lr = 1e-3, .momentum = 0.9});
    momentum.step(w, g);
    auto lamb = xoptim::lamb<float>({.lr = 1e-3});
    lamb.step(w, g);
    auto rmsprop = xoptim::rmsprop<float>({.lr = 1e-3});
    rmsprop.step(w, g);
    return w(0) < 1.0f ? 0 : 1;
}
