// A rule given to an optimizer on its own, not in a chain (which ends with the rate). With
// XOPTIM_TEST_FIXED defined it is chained, and compiles.
#include <xoptim/core/optimizer.hpp>
#include <xoptim/rules/scale_by_adam.hpp>
#include <xoptim/rules/scale_by_lr.hpp>
#include <xtensor/xtensor.hpp>

int main()
{
#ifdef XOPTIM_TEST_FIXED
    xoptim::optimizer opt(xoptim::chain(xoptim::scale_by_adam{}, xoptim::scale_by_lr{0.1}));
#else
    // expected error on the next line: scale_by_adam, C::links_type
    xoptim::optimizer opt(xoptim::scale_by_adam{});
#endif
    xt::xtensor<double, 1> w = {1.0, 2.0};
    opt.step(w, 2.0 * w);
}
