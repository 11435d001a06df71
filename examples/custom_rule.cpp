// A rule written outside the library: AdaBelief's second moment (the variance of the
// gradient around its mean), composed with the library's own rules into an optimizer.
//
//   m <- b1 m + (1-b1) g;  s <- b2 s + (1-b2) (g - m)^2 + eps
//   out = (m / (1-b1^t)) / (sqrt(s / (1-b2^t)) + eps)        (Zhuang et al. 2020, "AdaBelief")

#include <cmath>
#include <cstdio>

#include <xoptim/xoptim.hpp>
#include <xtensor/xtensor.hpp>

struct scale_by_belief
{
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-16;

    // State: two slots, m and s, owned by the optimizer; the rule holds hyperparameters only.
    static constexpr std::size_t max_slots = 2;
    std::size_t slots() const { return 2; }

    // Computed once per step, outside the element loop.
    template <class V>
    struct coefficients_type
    {
        V b1, one_minus_b1, b2, one_minus_b2, bias1, bias2, eps;
    };

    template <class V>
    coefficients_type<V> coefficients(const xoptim::step_info& s) const
    {
        const double t = static_cast<double>(s.step);
        return {V(beta1), V(1 - beta1), V(beta2), V(1 - beta2), V(1 - std::pow(beta1, t)), V(1 - std::pow(beta2, t)),
                V(eps)};
    }

    // The per-element work, generic in T: the engine runs it on xsimd batches and on scalars.
    template <xoptim::element T>
    T apply(const coefficients_type<xoptim::scalar_t<T>>& c, const T&, const T& g,
            const xoptim::slot_view<xoptim::scalar_t<T>>& state) const
    {
        const T m = c.b1 * state.template load<T>(0) + c.one_minus_b1 * g;
        const T d = g - m;
        const T s = c.b2 * state.template load<T>(1) + c.one_minus_b2 * (d * d) + c.eps;
        state.store(0, m);
        state.store(1, s);
        return (m / c.bias1) / (xoptim::math::sqrt(s / c.bias2) + c.eps);
    }

    void validate() const
    {
        if (!(beta1 >= 0 && beta1 < 1)) { throw std::invalid_argument("scale_by_belief: beta1 must be in [0, 1)"); }
    }
};

static_assert(xoptim::update_rule<scale_by_belief, double>);
static_assert(xoptim::update_rule<scale_by_belief, xsimd::batch<float>>);

int main()
{
    // AdaBelief with decoupled weight decay, clipped gradients and a cosine schedule: one
    // fused pass per step, no library code touched.
    xoptim::optimizer opt(xoptim::chain(xoptim::clip_by_value{10.0}, scale_by_belief{},
                                        xoptim::add_decayed_weights{1e-4},
                                        xoptim::scale_by_lr{xoptim::cosine_decay{0.05, 400, 0.001}}));

    // Minimise the ill-conditioned quadratic f(w) = 0.5 * sum(k * w^2), k = 1 ... 1000.
    const std::size_t n = 64;
    xt::xtensor<double, 1> k = xt::logspace<double>(0.0, 3.0, n);
    xt::xtensor<double, 1> w = xt::ones<double>({n});
    for (int step = 0; step < 400; ++step) { opt.step(w, k * w); }

    const double f = 0.5 * xt::sum(k * w * w)();
    std::printf("after %llu steps: f(w) = %.3e (from %.3e), lr now %.4g\n",
                static_cast<unsigned long long>(opt.step_count()), f, 0.5 * xt::sum(k)(), opt.learning_rate());
    return f < 1e-3 ? 0 : 1;
}
