// A reducing rule (it declares `reductions` and accumulates them) without `finish`. With
// XOPTIM_TEST_FIXED defined it finishes them, and compiles.
#include <cmath>

#include <xoptim/core/optimizer.hpp>
#include <xoptim/rules/scale_by_lr.hpp>
#include <xtensor/xtensor.hpp>

struct normalize  // out = u / ||u||
{
    static constexpr std::size_t max_slots = 0;
    static constexpr std::size_t reductions = 1;
    std::size_t slots() const { return 0; }
    template <class V>
    struct coefficients_type
    {
        V inverse_norm;
    };
    template <class V>
    coefficients_type<V> coefficients(const xoptim::step_info&) const
    {
        return {V(1)};
    }
    template <xoptim::element T>
    void accumulate(const coefficients_type<xoptim::scalar_t<T>>&, const T&, const T& u, T* acc) const
    {
        acc[0] += u * u;
    }
#ifdef XOPTIM_TEST_FIXED
    template <class V>
    void finish(coefficients_type<V>& c, const double* sums) const
    {
        c.inverse_norm = sums[0] > 0 ? V(1 / std::sqrt(sums[0])) : V(1);
    }
#endif
    template <xoptim::element T>
    T apply(const coefficients_type<xoptim::scalar_t<T>>& c, const T&, const T& u,
            const xoptim::slot_view<xoptim::scalar_t<T>>&) const
    {
        return c.inverse_norm * u;
    }
};

int main()
{
    // expected error on the next line: normalize, r.finish(c, sums)
    xoptim::optimizer opt(xoptim::chain(normalize{}, xoptim::scale_by_lr{0.1}));
    xt::xtensor<double, 1> w = {1.0, 2.0};
    opt.step(w, 2.0 * w);
}
