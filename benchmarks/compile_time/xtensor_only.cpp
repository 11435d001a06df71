// Compile-time probe: xtensor alone, the same tensors and one hand-written update.
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

int main()
{
    xt::xtensor<float, 1> w = xt::ones<float>({std::size_t(1024)});
    const xt::xtensor<float, 1> g = xt::ones<float>({std::size_t(1024)});
    xt::noalias(w) -= 1e-3f * g;
    return w(0) < 1.0f ? 0 : 1;
}
