// A rule without per-step `coefficients`, in a chain named as a type rather than deduced.
// With XOPTIM_TEST_FIXED defined it has them, and compiles.
#include <xoptim/core/optimizer.hpp>
#include <xoptim/rules/scale_by_lr.hpp>
#include <xtensor/xtensor.hpp>

struct clip_at_one  // out = clamp(u, -1, 1)
{
    static constexpr std::size_t max_slots = 0;
    std::size_t slots() const { return 0; }
#ifdef XOPTIM_TEST_FIXED
    template <class V>
    int coefficients(const xoptim::step_info&) const
    {
        return 0;
    }
#endif
    template <xoptim::element T>
    T apply(const int&, const T&, const T& u, const xoptim::slot_view<xoptim::scalar_t<T>>&) const
    {
        return xoptim::math::clamp(u, T(-1), T(1));
    }
};

// expected error on the next line: clip_at_one, coefficients<V>(s)
using clipped_sgd = xoptim::chain<clip_at_one, xoptim::scale_by_lr<>>;

int main()
{
    xoptim::optimizer<clipped_sgd> opt(clipped_sgd(clip_at_one{}, xoptim::scale_by_lr<>{0.1}));
    xt::xtensor<double, 1> w = {1.0, 2.0};
    opt.step(w, 2.0 * w);
}
