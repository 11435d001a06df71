// One Shampoo step (shampoo/shampoo.hpp) of a float32 matrix, with and without the
// recomputation of the inverse 4th roots, and the recomputation's eigendecomposition alone:
//   shampoo/step_recompute/f32/RxC   precondition_frequency = 1: every step recomputes
//   shampoo/step/f32/RxC             a step between recomputations (the roots are held)
//   shampoo/inverse_root/f32/N       (A / c + eps I)^(-1/4) of one N x N factor (LAPACK syevd)
// Wall-clock time, as the BLAS may run threads (OPENBLAS_NUM_THREADS sets how many); each
// reports allocs_per_step (the recomputation allocates: xtensor-blas's copy for LAPACK and the
// eigenvectors; a step between recomputations does not).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <xoptim/shampoo/shampoo.hpp>

#include "../common.hpp"

namespace xoptim_bench
{
    namespace
    {
        constexpr std::size_t shampoo_side = 1024;

        std::string side_name(std::size_t r, std::size_t c) { return std::to_string(r) + "x" + std::to_string(c); }

        xt::xtensor<float, 2> filled(std::size_t rows, std::size_t cols, std::uint64_t seed)
        {
            xt::xtensor<float, 2> m = xt::zeros<float>({rows, cols});
            filler f(seed);
            f.fill(m.begin(), m.end(), -1.0, 1.0);
            return m;
        }

        // Frequency 1: every timed step updates L and R, recomputes both roots and preconditions.
        void bm_step_recompute(benchmark::State& state, std::size_t rows, std::size_t cols)
        {
            xoptim::shampoo_options o;
            o.epsilon = 1e-6;
            auto opt = xoptim::shampoo<float>(o);
            auto p = filled(rows, cols, 7);
            const auto g = filled(rows, cols, 8);
            timed_loop(
                state, 0.0, [&] { opt.step(p, g); }, true);
            state.SetBytesProcessed(0);
        }

        // The roots computed once at the start step; the timed steps fall between recomputations.
        void bm_step(benchmark::State& state, std::size_t rows, std::size_t cols)
        {
            xoptim::shampoo_options o;
            o.epsilon = 1e-6;
            o.precondition_frequency = std::uint64_t(1) << 40;
            o.start_preconditioning_step = std::int64_t(1) << 40;
            auto opt = xoptim::shampoo<float>(o);
            opt.restore((std::uint64_t(1) << 40) - 1, {}, o);  // the next step is the start step
            auto p = filled(rows, cols, 7);
            const auto g = filled(rows, cols, 8);
            opt.step(p, g);  // recomputes (not timed)
            timed_loop(
                state, 0.0, [&] { opt.step(p, g); }, true);
            state.SetBytesProcessed(0);
        }

        void bm_inverse_root(benchmark::State& state, std::size_t n)
        {
            const auto g = filled(n, n, 9);
            xt::xtensor<float, 2> a = xt::zeros<float>({n, n});
            xt::blas::gemm(g, g, a, false, true, 1.0f, 0.0f);
            xt::xtensor<float, 2> q, out;
            timed_loop(
                state, 0.0, [&] { xoptim::inverse_root_eigh(a, 1.0, 1e-6, 4.0, q, out); }, true);
            state.SetBytesProcessed(0);
        }
    }

    void register_shampoo()
    {
        const std::size_t n = shampoo_side;
        benchmark::RegisterBenchmark(("shampoo/step/f32/" + side_name(n, n)).c_str(), bm_step, n, n)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark(("shampoo/step_recompute/f32/" + side_name(n, n)).c_str(), bm_step_recompute, n, n)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark(("shampoo/inverse_root/f32/" + std::to_string(n)).c_str(), bm_inverse_root, n)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
    }
}
