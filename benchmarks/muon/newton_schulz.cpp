// Muon's Newton-Schulz step (five quintic iterations, muon/newton_schulz.hpp) against the BLAS's
// own sgemm in the same run: baseline/sgemm/f32/RxC times C = B X for the iteration's largest
// product (k x k times k x l, k = min(R, C), l = max(R, C)); muon/newton_schulz/f32/RxC times
// the whole step (norm, scaling, 3 products an iteration, the copies between them). Both report
// FLOP/s (counter flops_per_s); the Newton-Schulz step reports x_sgemm, its FLOP/s over
// sgemm's. Wall-clock time, as the BLAS may run threads (OPENBLAS_NUM_THREADS sets how many).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

// Also declares cblas_sgemm (xtensor-blas's own CBLAS declarations, which clash with <cblas.h>).
#include <xoptim/muon/newton_schulz.hpp>

#include "../common.hpp"

namespace xoptim_bench
{
    namespace
    {
        const std::vector<std::pair<std::size_t, std::size_t>>& muon_shapes()
        {
            static const std::vector<std::pair<std::size_t, std::size_t>> s{{1024, 1024}, {4096, 1024}};
            return s;
        }

        std::string shape_name(std::size_t r, std::size_t c) { return std::to_string(r) + "x" + std::to_string(c); }

        struct sgemm_data
        {
            std::size_t k, l;
            aligned_vector<float> b, x, c;
            sgemm_data(std::size_t rows, std::size_t cols)
                : k(rows < cols ? rows : cols), l(rows < cols ? cols : rows), b(k * k), x(k * l), c(k * l)
            {
                filler f(5);
                f.fill(b.begin(), b.end(), -1.0, 1.0);
                f.fill(x.begin(), x.end(), -1.0, 1.0);
            }
            double flops() const
            {
                return 2.0 * static_cast<double>(k) * static_cast<double>(k) * static_cast<double>(l);
            }
            void run()
            {
                const int ik = static_cast<int>(k), il = static_cast<int>(l);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ik, il, ik, 1.0f, b.data(), ik, x.data(), il,
                            0.0f, c.data(), il);
            }
        };

        double sgemm_reference(std::size_t rows, std::size_t cols)
        {
            return reference("sgemm/f32/" + shape_name(rows, cols), [rows, cols] {
                sgemm_data d(rows, cols);
                return standalone_bandwidth(d.flops(), [&] { d.run(); });
            });
        }

        void bm_sgemm(benchmark::State& state, std::size_t rows, std::size_t cols)
        {
            sgemm_data d(rows, cols);
            const double rate = timed_loop(
                state, d.flops(), [&] { d.run(); }, true);
            state.SetBytesProcessed(0);
            state.counters["flops_per_s"] = benchmark::Counter(rate);
            record_reference("sgemm/f32/" + shape_name(rows, cols), rate, state);
        }

        void bm_newton_schulz(benchmark::State& state, std::size_t rows, std::size_t cols)
        {
            xoptim::newton_schulz_workspace<float> w(rows, cols);
            aligned_vector<float> g(rows * cols);
            filler f(6);
            f.fill(g.begin(), g.end(), -1.0, 1.0);
            const double flops = w.flops(5);
            const double rate = timed_loop(
                state, flops,
                [&] {
                    std::copy(g.begin(), g.end(), w.input().begin());
                    w.run(xoptim::muon_default_ns_coefficients, 5, 1e-7);
                },
                true);
            state.SetBytesProcessed(0);
            state.counters["flops_per_s"] = benchmark::Counter(rate);
            state.counters["x_sgemm"] = rate / sgemm_reference(rows, cols);
        }
    }

    void register_muon()
    {
        for (const auto& [r, c] : muon_shapes())
        {
            benchmark::RegisterBenchmark(("baseline/sgemm/f32/" + shape_name(r, c)).c_str(), bm_sgemm, r, c)
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond);
        }
        for (const auto& [r, c] : muon_shapes())
        {
            benchmark::RegisterBenchmark(("muon/newton_schulz/f32/" + shape_name(r, c)).c_str(), bm_newton_schulz, r, c)
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond);
        }
    }
}
