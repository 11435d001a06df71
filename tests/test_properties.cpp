// Seeded property tests over random shapes, values and hyperparameters:
//  - the engine equals a plain scalar reference of each named optimizer, written here from the
//    formulas (PyTorch's definitions) and independent of the rules' code;
//  - the contiguous (SIMD) and staged (strided view) paths give the same bits;
//  - save/load round-trips every field;
//  - a skipped step changes nothing.
#include <doctest/doctest.h>

#include <xoptim/io/checkpoint.hpp>
#include <xoptim/optimizers.hpp>

#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xview.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "reliability_helpers.hpp"

namespace
{
    enum class kind
    {
        sgd,
        adam,
        adamw,
        lamb,
        lars,
        rmsprop,
        adagrad,
        lion
    };

    const char* kind_name(kind k)
    {
        switch (k)
        {
        case kind::sgd: return "sgd";
        case kind::adam: return "adam";
        case kind::adamw: return "adamw";
        case kind::lamb: return "lamb";
        case kind::lars: return "lars";
        case kind::rmsprop: return "rmsprop";
        case kind::adagrad: return "adagrad";
        case kind::lion: return "lion";
        }
        return "?";
    }

    // Every hyperparameter any of the optimizers takes.
    struct hyper
    {
        double lr, beta1, beta2, eps, wd, momentum, dampening, alpha, trust, clip, init, lr_decay;
        bool nesterov, amsgrad, centered;
    };

    hyper random_hyper(std::mt19937_64& rng, kind k)
    {
        auto u = [&](double lo, double hi) { return xrel::uniform(rng, lo, hi); };
        auto coin = [&] { return (rng() & 1) != 0; };
        hyper h{};
        h.lr = u(1e-3, 0.2);
        h.beta1 = coin() ? 0.0 : u(0.0, 0.99);
        h.beta2 = u(0.5, 0.999);
        h.eps = std::pow(10.0, u(-10.0, -4.0));
        h.wd = coin() ? 0.0 : u(0.0, 0.1);
        h.momentum = coin() ? 0.0 : u(0.1, 0.95);
        h.dampening = coin() ? 0.0 : u(0.0, 0.5);
        h.alpha = u(0.5, 0.999);
        h.trust = u(1e-3, 0.1);
        h.clip = coin() ? 0.0 : u(0.5, 5.0);
        h.init = coin() ? 0.0 : u(0.0, 0.5);
        h.lr_decay = coin() ? 0.0 : u(0.0, 0.1);
        h.nesterov = coin() && h.momentum > 0.0;
        if (h.nesterov) { h.dampening = 0.0; }
        h.amsgrad = coin();
        h.centered = coin();
        if (k == kind::lion) { h.lr = u(1e-4, 1e-2); }
        return h;
    }

    template <class V, class F>
    void with_optimizer(kind k, const hyper& h, F&& f)
    {
        using namespace xoptim;
        switch (k)
        {
        case kind::sgd: f(sgd<V>(sgd_options{h.lr, h.momentum, h.dampening, h.wd, h.nesterov})); break;
        case kind::adam:
            f(h.amsgrad ? amsgrad<V>(adam_options{h.lr, h.beta1, h.beta2, h.eps, h.wd})
                        : adam<V>(adam_options{h.lr, h.beta1, h.beta2, h.eps, h.wd}));
            break;
        case kind::adamw: f(adamw<V>(adamw_options{h.lr, h.beta1, h.beta2, h.eps, h.wd, h.amsgrad})); break;
        case kind::lamb: f(lamb<V>(lamb_options{h.lr, h.beta1, h.beta2, h.eps, h.wd, h.clip})); break;
        case kind::lars: f(lars<V>(lars_options{h.lr, h.momentum, h.wd, h.trust})); break;
        case kind::rmsprop: f(rmsprop<V>(rmsprop_options{h.lr, h.alpha, h.eps, h.wd, h.momentum, h.centered})); break;
        case kind::adagrad: f(adagrad<V>(adagrad_options{h.lr, h.lr_decay, h.wd, h.init, h.eps})); break;
        case kind::lion: f(lion<V>(lion_options{h.lr, h.beta1, h.beta2, h.wd})); break;
        }
    }

    // ---- the scalar reference ----------------------------------------------------------------
    template <class V>
    struct ref_tensor
    {
        std::vector<V> w;
        std::vector<V> m, v, vmax, buf, sum;  // whichever the optimizer uses
    };

    template <class V>
    V norm(const std::vector<V>& x)
    {
        double s = 0.0;
        for (V e : x) { s += static_cast<double>(e) * static_cast<double>(e); }
        return static_cast<V>(std::sqrt(s));
    }

    // One step t (from 1) of optimizer k on tensor r with gradient g.
    template <class V>
    void ref_step(kind k, const hyper& h, std::uint64_t t, ref_tensor<V>& r, const std::vector<V>& g)
    {
        const std::size_t n = r.w.size();
        auto grow = [n](std::vector<V>& s, V init) {
            if (s.size() != n) { s.assign(n, init); }
        };
        const V lr = static_cast<V>(h.lr), wd = static_cast<V>(h.wd), b1 = static_cast<V>(h.beta1),
                b2 = static_cast<V>(h.beta2), eps = static_cast<V>(h.eps), mu = static_cast<V>(h.momentum);
        const double td = static_cast<double>(t);
        switch (k)
        {
        case kind::sgd:
            grow(r.buf, V(0));
            for (std::size_t i = 0; i < n; ++i)
            {
                const V gi = g[i] + wd * r.w[i];
                V d = gi;
                if (h.momentum != 0.0)
                {
                    r.buf[i] = t == 1 ? gi : mu * r.buf[i] + static_cast<V>(1.0 - h.dampening) * gi;
                    d = h.nesterov ? gi + mu * r.buf[i] : r.buf[i];
                }
                r.w[i] -= lr * d;
            }
            break;
        case kind::adam:
        case kind::adamw:
        case kind::lamb:
        {
            grow(r.m, V(0));
            grow(r.v, V(0));
            grow(r.vmax, V(0));
            const bool coupled = k == kind::adam;
            const bool ams = h.amsgrad && k != kind::lamb;
            const V bc1 = static_cast<V>(1.0 - std::pow(h.beta1, td));
            const V bc2 = static_cast<V>(std::sqrt(1.0 - std::pow(h.beta2, td)));
            std::vector<V> d(n);
            for (std::size_t i = 0; i < n; ++i)
            {
                const V gi = coupled ? g[i] + wd * r.w[i] : g[i];
                r.m[i] = b1 * r.m[i] + (V(1) - b1) * gi;
                r.v[i] = b2 * r.v[i] + (V(1) - b2) * gi * gi;
                V vv = r.v[i];
                if (ams)
                {
                    r.vmax[i] = std::max(r.vmax[i], r.v[i]);
                    vv = r.vmax[i];
                }
                d[i] = (r.m[i] / bc1) / (std::sqrt(vv) / bc2 + eps);
                if (!coupled) { d[i] += wd * r.w[i]; }
            }
            V scale = V(1);
            if (k == kind::lamb)
            {
                const V wn = norm(r.w), dn = norm(d);
                double ratio = (wn > 0 && dn > 0) ? static_cast<double>(wn) / static_cast<double>(dn) : 1.0;
                if (h.clip > 0.0) { ratio = std::min(ratio, h.clip); }
                scale = static_cast<V>(ratio);
            }
            for (std::size_t i = 0; i < n; ++i) { r.w[i] -= lr * (scale * d[i]); }
            break;
        }
        case kind::lars:
        {
            grow(r.buf, V(0));
            const V wn = norm(r.w), gn = norm(g);
            const V local = (wn > 0 && gn > 0) ? static_cast<V>(h.trust) * wn / (gn + wd * wn) : V(1);
            for (std::size_t i = 0; i < n; ++i)
            {
                const V d = lr * (local * (g[i] + wd * r.w[i]));
                if (h.momentum != 0.0) { r.buf[i] = t == 1 ? d : mu * r.buf[i] + d; }
                r.w[i] -= h.momentum != 0.0 ? r.buf[i] : d;
            }
            break;
        }
        case kind::rmsprop:
        {
            grow(r.v, V(0));
            grow(r.m, V(0));
            grow(r.buf, V(0));
            const V a = static_cast<V>(h.alpha);
            for (std::size_t i = 0; i < n; ++i)
            {
                const V gi = g[i] + wd * r.w[i];
                r.v[i] = a * r.v[i] + (V(1) - a) * gi * gi;
                V avg;
                if (h.centered)
                {
                    r.m[i] = a * r.m[i] + (V(1) - a) * gi;
                    avg = std::sqrt(r.v[i] - r.m[i] * r.m[i]) + eps;
                }
                else { avg = std::sqrt(r.v[i]) + eps; }
                V d = gi / avg;
                if (h.momentum != 0.0)
                {
                    r.buf[i] = t == 1 ? d : mu * r.buf[i] + d;
                    d = r.buf[i];
                }
                r.w[i] -= lr * d;
            }
            break;
        }
        case kind::adagrad:
        {
            grow(r.sum, static_cast<V>(h.init));
            const V clr = static_cast<V>(h.lr / (1.0 + (td - 1.0) * h.lr_decay));
            for (std::size_t i = 0; i < n; ++i)
            {
                const V gi = g[i] + wd * r.w[i];
                r.sum[i] += gi * gi;
                r.w[i] -= clr * (gi / (std::sqrt(r.sum[i]) + eps));
            }
            break;
        }
        case kind::lion:
            grow(r.m, V(0));
            for (std::size_t i = 0; i < n; ++i)
            {
                const V c = b1 * r.m[i] + (V(1) - b1) * g[i];
                const V s = c > 0 ? V(1) : (c < 0 ? V(-1) : V(0));
                r.w[i] -= lr * (s + wd * r.w[i]);
                r.m[i] = b2 * r.m[i] + (V(1) - b2) * g[i];
            }
            break;
        }
    }

    std::vector<std::size_t> random_shape(std::mt19937_64& rng)
    {
        if (rng() % 6 == 0) { return {xrel::uniform_int(rng, 500, 1100)}; }  // crosses staging blocks
        std::vector<std::size_t> s(xrel::uniform_int(rng, 0, 3));
        for (auto& e : s) { e = xrel::uniform_int(rng, 0, 9); }
        return s;
    }

    template <class V>
    std::vector<V> flat(const xt::xarray<V>& a)
    {
        return std::vector<V>(a.begin(), a.end());
    }

    // Returns the number of elements compared.
    template <class V>
    std::size_t engine_matches_reference(kind k, int trials, double tol)
    {
        std::size_t compared = 0;
        std::mt19937_64 rng(0x5eed0000u + static_cast<unsigned>(k));
        for (int trial = 0; trial < trials; ++trial)
        {
            const hyper h = random_hyper(rng, k);
            const std::size_t ntensors = xrel::uniform_int(rng, 1, 3);
            std::vector<xt::xarray<V>> params;
            std::vector<ref_tensor<V>> refs(ntensors);
            for (std::size_t j = 0; j < ntensors; ++j)
            {
                xt::xarray<V> p = xt::xarray<V>::from_shape(random_shape(rng));
                xrel::fill_uniform(p, rng, -2.0, 2.0);
                refs[j].w = flat(p);
                params.push_back(std::move(p));
            }
            with_optimizer<V>(k, h, [&](auto opt) {
                for (std::uint64_t t = 1; t <= 4; ++t)
                {
                    std::vector<xt::xarray<V>> grads;
                    for (std::size_t j = 0; j < ntensors; ++j)
                    {
                        xt::xarray<V> g = xt::xarray<V>::from_shape(params[j].shape());
                        xrel::fill_uniform(g, rng, -1.0, 1.0);
                        ref_step(k, h, t, refs[j], flat(g));
                        grads.push_back(std::move(g));
                    }
                    opt.step(0, params, grads);
                }
            });
            for (std::size_t j = 0; j < ntensors; ++j)
            {
                const auto got = flat(params[j]);
                REQUIRE(got.size() == refs[j].w.size());
                for (std::size_t i = 0; i < got.size(); ++i)
                {
                    const double e = static_cast<double>(refs[j].w[i]);
                    const double d = std::abs(static_cast<double>(got[i]) - e);
                    if (!(d <= tol * std::max(1.0, std::abs(e))))
                    {
                        CAPTURE(std::string(kind_name(k)));
                        CAPTURE(trial);
                        CAPTURE(j);
                        CAPTURE(i);
                        CHECK(static_cast<double>(got[i]) == doctest::Approx(e));
                        return compared;
                    }
                    ++compared;
                }
            }
        }
        return compared;
    }

    const kind all_kinds[] = {kind::sgd,  kind::adam,    kind::adamw,   kind::lamb,
                              kind::lars, kind::rmsprop, kind::adagrad, kind::lion};
}

TEST_CASE("properties: the engine equals a scalar reference of every optimizer (double)")
{
    for (kind k : all_kinds)
    {
        CAPTURE(std::string(kind_name(k)));
        CHECK(engine_matches_reference<double>(k, 40, 1e-12) > 2000);
    }
}

TEST_CASE("properties: the engine equals a scalar reference of every optimizer (float)")
{
    for (kind k : all_kinds)
    {
        CAPTURE(std::string(kind_name(k)));
        CHECK(engine_matches_reference<float>(k, 25, 2e-5) > 1000);
    }
}

TEST_CASE("properties: a strided view takes the same steps as a contiguous tensor")
{
    std::mt19937_64 rng(77);
    for (kind k : all_kinds)
    {
        for (int trial = 0; trial < 10; ++trial)
        {
            CAPTURE(std::string(kind_name(k)));
            CAPTURE(trial);
            const hyper h = random_hyper(rng, k);
            const std::size_t n = xrel::uniform_int(rng, 0, 1200);
            xt::xarray<double> w = xt::xarray<double>::from_shape({n});
            xrel::fill_uniform(w, rng, -2.0, 2.0);
            xt::xarray<double> big = xt::zeros<double>({2 * n + 1});
            auto view = xt::view(big, xt::range(1, 2 * n + 1, 2));
            view = w;
            with_optimizer<double>(k, h, [&](auto a) {
                auto b = a;
                for (int s = 0; s < 3; ++s)
                {
                    xt::xarray<double> g = xt::xarray<double>::from_shape({n});
                    xrel::fill_uniform(g, rng, -1.0, 1.0);
                    a.step(w, g);
                    b.step(view, g);
                }
                const bool reducing = k == kind::lamb || k == kind::lars;
                const xt::xarray<double> strided = view;
                if (!reducing) { CHECK(xrel::same_bits(strided, w)); }
                else
                {
                    // Norms are summed in another order: equal to rounding.
                    for (std::size_t i = 0; i < n; ++i) { CHECK(strided(i) == doctest::Approx(w(i)).epsilon(1e-12)); }
                }
                for (std::size_t i = 0; i < big.size(); i += 2) { CHECK(big(i) == 0.0); }  // untouched gaps
            });
        }
    }
}

TEST_CASE("properties: save/load round-trips every field, and a skipped step changes nothing")
{
    std::mt19937_64 rng(4242);
    for (kind k : all_kinds)
    {
        for (int trial = 0; trial < 10; ++trial)
        {
            CAPTURE(std::string(kind_name(k)));
            CAPTURE(trial);
            const hyper h = random_hyper(rng, k);
            std::vector<xt::xarray<double>> params;
            const std::size_t ntensors = xrel::uniform_int(rng, 1, 3);
            for (std::size_t j = 0; j < ntensors; ++j)
            {
                xt::xarray<double> p = xt::xarray<double>::from_shape(random_shape(rng));
                xrel::fill_uniform(p, rng, -2.0, 2.0);
                params.push_back(std::move(p));
            }
            auto grads_for = [&](std::mt19937_64& r) {
                std::vector<xt::xarray<double>> gs;
                for (const auto& p : params)
                {
                    xt::xarray<double> g = xt::xarray<double>::from_shape(p.shape());
                    xrel::fill_uniform(g, r, -1.0, 1.0);
                    gs.push_back(std::move(g));
                }
                return gs;
            };
            with_optimizer<double>(k, h, [&](auto opt) {
                const std::size_t steps = xrel::uniform_int(rng, 0, 5);
                for (std::size_t s = 0; s < steps; ++s) { opt.step(0, params, grads_for(rng)); }

                // Round trip: loading into an optimizer with other hyperparameters gives back
                // this optimizer exactly, and saving it again gives the same bytes.
                const auto bytes = xoptim::to_bytes(opt, params);
                hyper other = random_hyper(rng, k);
                other.nesterov = h.nesterov;
                other.amsgrad = h.amsgrad;
                other.centered = h.centered;
                other.momentum = h.momentum;  // which slots exist must match
                if (other.nesterov) { other.dampening = 0.0; }
                with_optimizer<double>(k, other, [&](auto fresh) {
                    if constexpr (std::is_same_v<decltype(fresh), decltype(opt)>)
                    {
                        auto copies = params;
                        for (auto& c : copies) { c.fill(0.5); }
                        xoptim::from_bytes(bytes, fresh, copies);
                        CHECK(xrel::same_state(fresh, opt));
                        CHECK(xoptim::to_bytes(fresh, copies) == bytes);
                        for (std::size_t j = 0; j < params.size(); ++j)
                        {
                            CHECK(xrel::same_bits(copies[j], params[j]));
                        }
                    }
                });

                // A skipped step: a NaN somewhere in some tensor (if there is any element).
                auto gs = grads_for(rng);
                std::vector<std::size_t> nonempty;
                for (std::size_t j = 0; j < gs.size(); ++j)
                {
                    if (gs[j].size() > 0) { nonempty.push_back(j); }
                }
                if (nonempty.empty()) { return; }
                const std::size_t j = nonempty[rng() % nonempty.size()];
                gs[j].data()[rng() % gs[j].size()] = std::numeric_limits<double>::quiet_NaN();
                opt.set_nonfinite_policy(xoptim::nonfinite_policy::skip_step);
                CHECK_FALSE(opt.step(0, params, gs));
                opt.groups()[0].skipped = 0;
                CHECK(xoptim::to_bytes(opt, params) == bytes);
            });
        }
    }
}
