// naive/<optimizer>/<dtype>/<N>: each optimizer written as a user of xtensor would write it,
// one `xt::noalias` statement per line of the paper's algorithm, with the same hyperparameters
// as the library's defaults. Every statement is one pass over memory.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

#include "common.hpp"

namespace xoptim_bench
{
    namespace
    {
        template <class V>
        struct naive_data
        {
            using T = xt::xtensor<V, 1>;
            T p, g, m, v, vmax, u;
            std::uint64_t t = 0;
            double mu_product = 1.0;  // NAdam's

            explicit naive_data(std::size_t n)
                : p(std::array<std::size_t, 1>{n}), g(std::array<std::size_t, 1>{n}), m(xt::zeros<V>({n})),
                  v(xt::zeros<V>({n})), vmax(xt::zeros<V>({n})), u(xt::zeros<V>({n}))
            {
                filler f(3);
                f.fill(p.begin(), p.end(), -1.0, 1.0);
                f.fill(g.begin(), g.end(), -1e-2, 1e-2);
            }
        };

        template <class V>
        V norm2(const xt::xtensor<V, 1>& x)
        {
            return std::sqrt(static_cast<V>(xt::sum(x * x)()));
        }

        // One step of `name` on d, as separate xtensor statements.
        template <class V>
        std::function<void(naive_data<V>&)> naive_step(const std::string& name)
        {
            if (name == "sgd")
            {
                return [](naive_data<V>& d) {
                    const V lr = V(1e-3);
                    xt::noalias(d.p) -= lr * d.g;
                };
            }
            if (name == "momentum" || name == "nesterov")
            {
                const bool nesterov = name == "nesterov";
                return [nesterov](naive_data<V>& d) {
                    const V lr = V(1e-3), mu = V(0.9);
                    xt::noalias(d.m) = mu * d.m + d.g;
                    if (nesterov) { xt::noalias(d.p) -= lr * (d.g + mu * d.m); }
                    else { xt::noalias(d.p) -= lr * d.m; }
                };
            }
            if (name == "adam" || name == "adamw" || name == "amsgrad")
            {
                const int kind = name == "adam" ? 0 : name == "adamw" ? 1 : 2;
                return [kind](naive_data<V>& d) {
                    const V lr = V(1e-3), b1 = V(0.9), b2 = V(0.999), eps = V(1e-8), wd = V(1e-2);
                    ++d.t;
                    const V bc1 = V(1) - static_cast<V>(std::pow(0.9, double(d.t)));
                    const V sbc2 = static_cast<V>(std::sqrt(1.0 - std::pow(0.999, double(d.t))));
                    xt::noalias(d.m) = b1 * d.m + (V(1) - b1) * d.g;
                    xt::noalias(d.v) = b2 * d.v + (V(1) - b2) * d.g * d.g;
                    if (kind == 0) { xt::noalias(d.p) -= lr * (d.m / bc1) / (xt::sqrt(d.v) / sbc2 + eps); }
                    else if (kind == 1)
                    {
                        xt::noalias(d.p) -= lr * ((d.m / bc1) / (xt::sqrt(d.v) / sbc2 + eps) + wd * d.p);
                    }
                    else
                    {
                        xt::noalias(d.vmax) = xt::maximum(d.vmax, d.v);
                        xt::noalias(d.p) -= lr * (d.m / bc1) / (xt::sqrt(d.vmax) / sbc2 + eps);
                    }
                };
            }
            if (name == "lamb")
            {
                return [](naive_data<V>& d) {
                    const V lr = V(1e-3), b1 = V(0.9), b2 = V(0.999), eps = V(1e-6);
                    ++d.t;
                    const V bc1 = V(1) - static_cast<V>(std::pow(0.9, double(d.t)));
                    const V sbc2 = static_cast<V>(std::sqrt(1.0 - std::pow(0.999, double(d.t))));
                    xt::noalias(d.m) = b1 * d.m + (V(1) - b1) * d.g;
                    xt::noalias(d.v) = b2 * d.v + (V(1) - b2) * d.g * d.g;
                    xt::noalias(d.u) = (d.m / bc1) / (xt::sqrt(d.v) / sbc2 + eps);
                    const V wn = norm2(d.p), un = norm2(d.u);
                    const V ratio = (wn > V(0) && un > V(0)) ? wn / un : V(1);
                    xt::noalias(d.p) -= (lr * ratio) * d.u;
                };
            }
            if (name == "lars")
            {
                return [](naive_data<V>& d) {
                    const V lr = V(0.1), mu = V(0.9), eta = V(0.001);
                    const V wn = norm2(d.p), gn = norm2(d.g);
                    const V ratio = (wn > V(0) && gn > V(0)) ? eta * wn / gn : V(1);
                    xt::noalias(d.m) = mu * d.m + (lr * ratio) * d.g;
                    xt::noalias(d.p) -= d.m;
                };
            }
            if (name == "rmsprop")
            {
                return [](naive_data<V>& d) {
                    const V lr = V(1e-2), a = V(0.99), eps = V(1e-8);
                    xt::noalias(d.v) = a * d.v + (V(1) - a) * d.g * d.g;
                    xt::noalias(d.p) -= lr * d.g / (xt::sqrt(d.v) + eps);
                };
            }
            if (name == "adagrad")
            {
                return [](naive_data<V>& d) {
                    const V lr = V(1e-2), eps = V(1e-10);
                    xt::noalias(d.v) += d.g * d.g;
                    xt::noalias(d.p) -= lr * d.g / (xt::sqrt(d.v) + eps);
                };
            }
            if (name == "lion")
            {
                return [](naive_data<V>& d) {
                    const V lr = V(1e-4), b1 = V(0.9), b2 = V(0.99);
                    xt::noalias(d.p) -= lr * xt::sign(b1 * d.m + (V(1) - b1) * d.g);
                    xt::noalias(d.m) = b2 * d.m + (V(1) - b2) * d.g;
                };
            }
            if (name == "nadam")
            {
                return [](naive_data<V>& d) {
                    const V lr = V(2e-3), b1 = V(0.9), b2 = V(0.999), eps = V(1e-8);
                    ++d.t;
                    const double mu = 0.9 * (1.0 - 0.5 * std::pow(0.96, double(d.t) * 4e-3));
                    const double mu_next = 0.9 * (1.0 - 0.5 * std::pow(0.96, double(d.t + 1) * 4e-3));
                    d.mu_product *= mu;
                    const V cg = static_cast<V>((1.0 - mu) / (1.0 - d.mu_product));
                    const V cm = static_cast<V>(mu_next / (1.0 - d.mu_product * mu_next));
                    const V bc2 = V(1) - static_cast<V>(std::pow(0.999, double(d.t)));
                    xt::noalias(d.m) = b1 * d.m + (V(1) - b1) * d.g;
                    xt::noalias(d.v) = b2 * d.v + (V(1) - b2) * d.g * d.g;
                    xt::noalias(d.p) -= lr * (cg * d.g + cm * d.m) / (xt::sqrt(d.v / bc2) + eps);
                };
            }
            if (name == "radam")
            {
                return [](naive_data<V>& d) {
                    const V lr = V(1e-3), b1 = V(0.9), b2 = V(0.999), eps = V(1e-8);
                    ++d.t;
                    const double t = double(d.t), bc2 = 1.0 - std::pow(0.999, t), rho_inf = 2.0 / (1.0 - 0.999) - 1.0;
                    const double rho = rho_inf - 2.0 * t * std::pow(0.999, t) / bc2;
                    const V bc1 = V(1) - static_cast<V>(std::pow(0.9, t));
                    xt::noalias(d.m) = b1 * d.m + (V(1) - b1) * d.g;
                    xt::noalias(d.v) = b2 * d.v + (V(1) - b2) * d.g * d.g;
                    if (rho > 5.0)
                    {
                        const V r = static_cast<V>(
                            std::sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho) * bc2));
                        xt::noalias(d.p) -= lr * (d.m / bc1) * r / (xt::sqrt(d.v) + eps);
                    }
                    else { xt::noalias(d.p) -= lr * (d.m / bc1); }
                };
            }
            if (name == "adamax")
            {
                return [](naive_data<V>& d) {
                    const V lr = V(2e-3), b1 = V(0.9), b2 = V(0.999), eps = V(1e-8);
                    ++d.t;
                    const V bc1 = V(1) - static_cast<V>(std::pow(0.9, double(d.t)));
                    xt::noalias(d.m) = b1 * d.m + (V(1) - b1) * d.g;
                    xt::noalias(d.v) = xt::maximum(b2 * d.v, xt::abs(d.g) + eps);
                    xt::noalias(d.p) -= (lr / bc1) * d.m / d.v;
                };
            }
            if (name == "adadelta")
            {
                return [](naive_data<V>& d) {
                    const V lr = V(1), rho = V(0.9), eps = V(1e-6);
                    xt::noalias(d.v) = rho * d.v + (V(1) - rho) * d.g * d.g;
                    xt::noalias(d.u) = xt::sqrt(d.m + eps) / xt::sqrt(d.v + eps) * d.g;
                    xt::noalias(d.m) = rho * d.m + (V(1) - rho) * d.u * d.u;
                    xt::noalias(d.p) -= lr * d.u;
                };
            }
            if (name == "rprop")
            {
                return [](naive_data<V>& d) {
                    const V eta_minus = V(0.5), eta_plus = V(1.2), lo = V(1e-6), hi = V(50);
                    if (d.t++ == 0) { d.v.fill(V(1e-2)); }
                    xt::noalias(d.u) = d.g * d.m;  // the sign of the product decides
                    xt::noalias(d.v) =
                        xt::clip(d.v * xt::where(d.u > V(0), eta_plus, xt::where(d.u < V(0), eta_minus, V(1))), lo, hi);
                    xt::noalias(d.m) = xt::where(d.u < V(0), V(0), d.g);
                    xt::noalias(d.p) -= xt::sign(d.m) * d.v;
                };
            }
            if (name == "asgd")
            {
                return [](naive_data<V>& d) {
                    const double lr = 1e-2, lambd = 1e-4, alpha = 0.75, t0 = 1e6;
                    ++d.t;
                    const double eta = lr / std::pow(1.0 + lambd * lr * double(d.t - 1), alpha);
                    const double mu = 1.0 / std::max(1.0, double(d.t - 1) - t0);
                    xt::noalias(d.p) = d.p * static_cast<V>(1.0 - lambd * eta) - static_cast<V>(eta) * d.g;
                    if (mu == 1.0) { xt::noalias(d.m) = d.p; }
                    else { xt::noalias(d.m) += static_cast<V>(mu) * (d.p - d.m); }
                };
            }
            if (name == "adafactor")
            {
                // A vector: unfactored, as torch 2.5's _single_tensor_adafactor.
                return [](naive_data<V>& d) {
                    const double lr = 1e-2, eps2 = 1e-3, clip = 1.0;
                    const V eps1 = std::numeric_limits<V>::epsilon();
                    ++d.t;
                    const double t = double(d.t);
                    const V w = static_cast<V>(std::pow(t, -0.8));
                    const double rho = std::min(lr, 1.0 / std::sqrt(t));
                    const double root_n = std::sqrt(double(d.p.size()));
                    const double alpha = std::max(eps2, double(norm2(d.p)) / root_n) * rho;
                    xt::noalias(d.v) = d.v + w * (d.g * d.g - d.v);
                    xt::noalias(d.u) = d.g / xt::sqrt(xt::maximum(d.v, eps1 * eps1));
                    const double denom = std::max(1.0, double(norm2(d.u)) / (root_n * clip));
                    xt::noalias(d.p) -= static_cast<V>(alpha / denom) * d.u;
                };
            }
            throw std::invalid_argument("naive_step: unknown optimizer " + name);
        }

        template <class V>
        void bm_naive(benchmark::State& state, std::string name)
        {
            const auto n = static_cast<std::size_t>(state.range(0));
            naive_data<V> d(n);
            const auto step = naive_step<V>(name);
            const double bytes = double(values_per_parameter(name) * sizeof(V) * n);
            const double bw = timed_loop(state, bytes, [&] { step(d); });
            state.counters["x_axpy"] = bw / axpy_reference<V>(n);
            record_reference("naive/" + name + "/" + dtype_name<V>() + "/" + std::to_string(n), bw, state);
        }

        template <class V>
        void register_dtype()
        {
            for (const auto& name : optimizer_names())
            {
                auto* b = benchmark::RegisterBenchmark(("naive/" + name + "/" + dtype_name<V>()).c_str(),
                                                       [name](benchmark::State& s) { bm_naive<V>(s, name); });
                for (std::size_t n : sizes()) { b->Arg(static_cast<std::int64_t>(n)); }
            }
        }
    }

    template <class V>
    double naive_reference(const std::string& name, std::size_t n)
    {
        return reference("naive/" + name + "/" + dtype_name<V>() + "/" + std::to_string(n), [&] {
            naive_data<V> d(n);
            const auto step = naive_step<V>(name);
            return standalone_bandwidth(double(values_per_parameter(name) * sizeof(V) * n), [&] { step(d); });
        });
    }

    template double naive_reference<float>(const std::string&, std::size_t);
    template double naive_reference<double>(const std::string&, std::size_t);

    void register_naive()
    {
        register_dtype<float>();
        register_dtype<double>();
    }
}
