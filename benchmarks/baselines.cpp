// The memory-bandwidth baselines: STREAM's triad a = b + s c, and the in-place axpy
// y += a x, the limit for any update that reads and rewrites its operand in place.

#include <cstddef>
#include <string>

#include "common.hpp"

namespace xoptim_bench
{
    namespace
    {
        // Plain loops over __restrict pointers: the compiler vectorises them for whatever
        // instruction set the build targets, as it would a hand-written kernel.
        template <class V>
        void triad(V* __restrict a, const V* __restrict b, const V* __restrict c, V s, std::size_t n)
        {
            for (std::size_t i = 0; i < n; ++i) { a[i] = b[i] + s * c[i]; }
        }

        template <class V>
        void axpy(V* __restrict y, const V* __restrict x, V a, std::size_t n)
        {
            for (std::size_t i = 0; i < n; ++i) { y[i] += a * x[i]; }
        }

        template <class V>
        struct axpy_data
        {
            aligned_vector<V> x, y;
            explicit axpy_data(std::size_t n) : x(n), y(n)
            {
                filler f(1);
                f.fill(x.begin(), x.end(), -1.0, 1.0);
                f.fill(y.begin(), y.end(), -1.0, 1.0);
            }
            // a alternates sign so that y stays bounded over many iterations
            void run(V a) { axpy(y.data(), x.data(), a, y.size()); }
        };

        template <class V>
        void bm_axpy(benchmark::State& state)
        {
            const auto n = static_cast<std::size_t>(state.range(0));
            axpy_data<V> d(n);
            V a = V(1e-3);
            const double bw = timed_loop(state, 3.0 * sizeof(V) * n, [&] {
                d.run(a);
                a = -a;
            });
            record_reference(std::string("axpy/") + dtype_name<V>() + "/" + std::to_string(n), bw, state);
        }

        template <class V>
        void bm_triad(benchmark::State& state)
        {
            const auto n = static_cast<std::size_t>(state.range(0));
            aligned_vector<V> a(n), b(n), c(n);
            filler f(2);
            f.fill(b.begin(), b.end(), -1.0, 1.0);
            f.fill(c.begin(), c.end(), -1.0, 1.0);
            const double bw =
                timed_loop(state, 3.0 * sizeof(V) * n, [&] { triad(a.data(), b.data(), c.data(), V(0.5), n); });
            state.counters["x_axpy"] = bw / axpy_reference<V>(n);
        }

        template <class V>
        void register_dtype()
        {
            auto* axpy_bm = benchmark::RegisterBenchmark(
                (std::string("baseline/axpy_inplace/") + dtype_name<V>()).c_str(), bm_axpy<V>);
            auto* triad_bm =
                benchmark::RegisterBenchmark((std::string("baseline/triad/") + dtype_name<V>()).c_str(), bm_triad<V>);
            for (auto* b : {axpy_bm, triad_bm})
            {
                for (std::size_t n : sizes()) { b->Arg(static_cast<std::int64_t>(n)); }
            }
        }
    }

    template <class V>
    double axpy_reference(std::size_t n)
    {
        return reference(std::string("axpy/") + dtype_name<V>() + "/" + std::to_string(n), [n] {
            axpy_data<V> d(n);
            V a = V(1e-3);
            return standalone_bandwidth(3.0 * sizeof(V) * n, [&] {
                d.run(a);
                a = -a;
            });
        });
    }

    template double axpy_reference<float>(std::size_t);
    template double axpy_reference<double>(std::size_t);

    void register_baselines()
    {
        register_dtype<float>();
        register_dtype<double>();
    }
}
