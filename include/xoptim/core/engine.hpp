#pragma once
// The engine: the library's only hot loop. It runs a chain of rules over a parameter tensor
// and its gradient in `Chain::passes` passes over memory (one for elementwise chains).
//
// Contiguous operands are read and written in place by an xsimd batch loop that peels the
// parameter to alignment (tensors of 4096 elements or more) and finishes with a scalar tail. Any other operand (a strided view,
// a lazy or broadcasting gradient expression) is staged block by block through small
// stack buffers that stay in L1, so the same batch loop runs and no temporary is made.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <xtensor/xexpression.hpp>
#include <xtensor/xlayout.hpp>

#include "chain.hpp"
#include "simd.hpp"
#include "slots.hpp"

namespace xoptim
{
    namespace detail
    {
        // Elements staged per block when an operand is not contiguous, and the stride at
        // which running float sums are flushed into double totals.
        inline constexpr std::size_t block_size = 512;

        inline constexpr bool has_simd = XOPTIM_SIMD != 0;

        template <class V>
        using batch_of = simd_batch<V>;

        // What a step on a tensor shorter than one batch runs is inlined into the optimizer's
        // step, so it costs no call; the batch loop, the staged path and every error stay out
        // of line.
#if defined(__GNUC__) || defined(__clang__)
#define XOPTIM_HOT_INLINE [[gnu::always_inline]] inline
#define XOPTIM_HOT_LAMBDA __attribute__((always_inline))
#define XOPTIM_COLD_PATH [[gnu::noinline]]
#define XOPTIM_OUT_OF_LINE [[gnu::noinline]]
#else
#define XOPTIM_HOT_INLINE inline
#define XOPTIM_HOT_LAMBDA
#define XOPTIM_COLD_PATH
#define XOPTIM_OUT_OF_LINE
#endif

        // Lines of a tensor the step asks for before it starts on that tensor.
        inline constexpr int prefetch_lines = 4;

        // Asks for the first prefetch_lines cache lines from p (nothing if p is null). A prefetch
        // never faults, so a tensor shorter than that is fine.
        template <class T>
        XOPTIM_HOT_INLINE void prefetch_start(const T* p, bool for_writing) noexcept
        {
#if defined(__GNUC__) || defined(__clang__)
            if (p == nullptr) { return; }
            const char* c = reinterpret_cast<const char*>(p);
            for (int l = 0; l < prefetch_lines; ++l)
            {
                if (for_writing) { __builtin_prefetch(c + 64 * l, 1); }
                else { __builtin_prefetch(c + 64 * l, 0); }
            }
#else
            (void)p;
            (void)for_writing;
#endif
        }

        // Below this many elements the engine does not peel to alignment (see batches).
        inline constexpr std::size_t peel_threshold = 4096;

        // Pointer to the first element if `e` is laid out row-major contiguous in memory,
        // else nullptr. Views point into their base buffer: add data_offset().
        template <class E>
        auto contiguous_data(E& e) noexcept
        {
            using D = std::decay_t<E>;
            if constexpr (requires { e.contiguous_data(); })
            {
                // a tensor_ref knows whether it is packed
                return e.contiguous_data();
            }
            else if constexpr (
                requires {
                    e.data();
                    e.data_offset();
                }
                && requires { D::static_layout; } && D::static_layout == xt::layout_type::row_major)
            {
                // row-major by type (containers, adaptors, contiguous views): no stride check
                return e.data() + e.data_offset();
            }
            else if constexpr (requires {
                                   e.data();
                                   e.data_offset();
                                   e.strides();
                                   e.shape();
                               })
            {
                using pointer = decltype(e.data() + e.data_offset());
                const auto& shape = e.shape();
                const auto& strides = e.strides();
                std::ptrdiff_t expected = 1;
                for (std::size_t d = shape.size(); d-- > 0;)
                {
                    if (shape[d] != 1 && static_cast<std::ptrdiff_t>(strides[d]) != expected)
                    {
                        return pointer(nullptr);
                    }
                    expected *= static_cast<std::ptrdiff_t>(shape[d]);
                }
                return e.data() + e.data_offset();
            }
            else { return static_cast<typename std::decay_t<E>::value_type*>(nullptr); }
        }

        // A plain loop: std::equal on two vectors becomes a call to memcmp, which costs more
        // than the whole update of a two-parameter step.
        template <class A, class B>
        bool same_shape(const A& a, const B& b)
        {
            if (a.size() != b.size()) { return false; }
            for (std::size_t d = 0; d < a.size(); ++d)
            {
                if (static_cast<std::size_t>(a[d]) != static_cast<std::size_t>(b[d])) { return false; }
            }
            return true;
        }

        template <class S>
        std::string shape_string(const S& s)
        {
            std::string out = "{";
            for (std::size_t d = 0; d < s.size(); ++d) { out += (d ? ", " : "") + std::to_string(s[d]); }
            return out + "}";
        }

        // A link whose replay computes its output from its state alone (Adam: from m and v).
        template <class L>
        constexpr bool replay_ignores_input()
        {
            if constexpr (requires { L::replay_ignores_input; }) { return bool(L::replay_ignores_input); }
            else { return false; }
        }

        // Whether pass P reads the gradient: the first pass always does; a later pass does
        // unless a link it replays computes its output from state alone (Adam, LAMB).
        template <class Chain, std::size_t P>
        constexpr bool pass_reads_gradient()
        {
            if constexpr (P == 0) { return true; }
            else
            {
                return []<std::size_t... I>(std::index_sequence<I...>)
                {
                    return !((Chain::segment[I] < P
                              && replay_ignores_input<std::tuple_element_t<I, typename Chain::links_type>>())
                             || ...);
                }
                (std::make_index_sequence<Chain::size>{});
            }
        }

        // Narrower registers of the target, for the tail of a run (fewer elements than one
        // full batch): one batch of each narrower width, then fewer scalar steps than the
        // narrowest batch holds. void where the target has no such register.
#if !XOPTIM_SIMD
        using arch_256 = void;
#elif XSIMD_WITH_FMA3_AVX2
        using arch_256 = xsimd::fma3<xsimd::avx2>;
#elif XSIMD_WITH_AVX2
        using arch_256 = xsimd::avx2;
#elif XSIMD_WITH_AVX
        using arch_256 = xsimd::avx;
#else
        using arch_256 = void;
#endif
#if !XOPTIM_SIMD
        using arch_128 = void;
#elif XSIMD_WITH_SSE4_2
        using arch_128 = xsimd::sse4_2;
#elif XSIMD_WITH_SSE2
        using arch_128 = xsimd::sse2;
#else
        using arch_128 = void;
#endif

        // Whether batches of V on architecture A are narrower than the default batch.
        template <class V, class A>
        constexpr bool is_narrower()
        {
            if constexpr (std::is_void_v<A> || !has_simd) { return false; }
            else { return xsimd::batch<V, A>::size < batch_of<V>::size; }
        }

        // Elements of the narrowest batch the tail uses (1 without SIMD).
        template <class V>
        constexpr std::size_t narrowest_batch()
        {
            if constexpr (is_narrower<V, arch_128>()) { return xsimd::batch<V, arch_128>::size; }
            else if constexpr (is_narrower<V, arch_256>()) { return xsimd::batch<V, arch_256>::size; }
            else if constexpr (has_simd) { return batch_of<V>::size; }
            else { return 1; }
        }

        // The batch loop of a pass over n >= one batch of elements: peels a long tensor to the
        // alignment of the parameter (the stream that is written; a short one runs unaligned
        // from its first element), then full batches while they fit; returns the first
        // element left. Copy: work on a local copy of the coefficients, so that the compiler
        // knows the stores of the loop (to V) cannot change them and keeps them in registers;
        // a caller whose coefficients are already a local of its own passes false.
        template <std::size_t P, bool Copy, class Chain, class V>
        XOPTIM_HOT_INLINE std::size_t
        batches(const Chain& ch, const typename Chain::template coefficients_type<V>& coefficients, V* p, const V* g,
                V* const* slots, std::size_t slot_base, std::size_t n, double* sums)
        {
            using B = batch_of<V>;
            using C = typename Chain::template coefficients_type<V>;
            constexpr bool last = (P + 1 == Chain::passes);
            constexpr std::size_t R = Chain::reductions == 0 ? 1 : Chain::reductions;
            constexpr std::size_t W = B::size;
            constexpr std::size_t align = B::arch_type::alignment();
            std::conditional_t<Copy, const C, const C&> c = coefficients;
            std::size_t i = 0;
            if (n >= peel_threshold)
            {
                const auto addr = reinterpret_cast<std::uintptr_t>(p);
                std::size_t head = 0;
                if (addr % sizeof(V) == 0) { head = ((align - addr % align) % align) / sizeof(V); }
                std::array<V, R> sacc{};
                for (; i < head; ++i)
                {
                    const V w = p[i];
                    const V u = ch.template run<P>(c, w, g[i], slot_view<V>(slots, slot_base + i), sacc.data());
                    if constexpr (last) { p[i] = w - u; }
                }
                if constexpr (!last)
                {
                    for (std::size_t k = 0; k < Chain::reductions; ++k) { sums[k] += static_cast<double>(sacc[k]); }
                }
            }
            std::array<B, R> bacc;
            bacc.fill(B(V(0)));
            auto batch = [&](auto load, auto store) XOPTIM_HOT_LAMBDA {
                for (; i + W <= n; i += W)
                {
                    const B w = load(p + i);
                    const B u = ch.template run<P>(c, w, B::load_unaligned(g + i), slot_view<V>(slots, slot_base + i),
                                                   bacc.data());
                    if constexpr (last) { store(w - u, p + i); }
                }
            };
            if (reinterpret_cast<std::uintptr_t>(p + i) % align == 0)
            {
                batch([](const V* q) { return B::load_aligned(q); }, [](const B& b, V* q) { b.store_aligned(q); });
            }
            else
            {
                batch([](const V* q) { return B::load_unaligned(q); }, [](const B& b, V* q) { b.store_unaligned(q); });
            }
            if constexpr (!last)
            {
                for (std::size_t k = 0; k < Chain::reductions; ++k)
                {
                    sums[k] += static_cast<double>(math::sum_lanes(bacc[k]));
                }
            }
            return i;
        }

        // batches, out of line: a step on a tensor shorter than one batch (the seed's two
        // parameters) then carries none of its registers and stack alignment.
        template <std::size_t P, class Chain, class V>
        XOPTIM_OUT_OF_LINE std::size_t
        full_batches(const Chain& ch, const typename Chain::template coefficients_type<V> coefficients, V* p,
                     const V* g, V* const* slots, std::size_t slot_base, std::size_t n, double* sums)
        {
            return batches<P, true>(ch, coefficients, p, g, slots, slot_base, n, sums);
        }

        // Whether pass P updates state (a link of its segment with slots applies in it). A pass
        // that does not only reads memory: LARS's reduction over w and g.
        template <class Chain, std::size_t P>
        constexpr bool pass_writes_state()
        {
            return []<std::size_t... I>(std::index_sequence<I...>)
            {
                return (
                    (Chain::segment[I] == P && std::tuple_element_t<I, typename Chain::links_type>::max_slots > 0
                     && (!is_reducing<std::tuple_element_t<
                             I,
                             typename Chain::
                                 links_type>> || accumulates_into_state<std::tuple_element_t<I, typename Chain::links_type>, double>))
                    || ...);
            }
            (std::make_index_sequence<Chain::size>{});
        }

        // One pass of the chain over n contiguous elements. p and g are block-local pointers;
        // slots are indexed from slot_base. Writes p on the last pass; adds to sums otherwise.
        template <std::size_t P, bool InlineBatches = false, class Chain, class V>
        XOPTIM_HOT_INLINE void
        kernel(const Chain& ch, const typename Chain::template coefficients_type<V>& coefficients, V* p, const V* g,
               V* const* slot_pointers, std::size_t slot_base, std::size_t n, double* sums)
        {
            constexpr bool last = (P + 1 == Chain::passes);
            constexpr std::size_t R = Chain::reductions == 0 ? 1 : Chain::reductions;
            using coefficients_type = typename Chain::template coefficients_type<V>;
            // A local copy of the slot pointers, which the stores of the loop (to V) then cannot
            // change. The scalar head and the tail read the caller's coefficients: copying a
            // just-computed struct costs a store-forwarding stall, as much as a whole step on a
            // tiny tensor (full_batches takes its own copy, once per run of batches).
            constexpr std::size_t S = Chain::max_slots == 0 ? 1 : Chain::max_slots;
            std::array<V*, S> slot_array{};
            for (std::size_t k = 0; k < Chain::max_slots; ++k) { slot_array[k] = slot_pointers[k]; }
            V* const* const slots = slot_array.data();

            auto scalar_step = [&](const coefficients_type& c, std::size_t i, V* acc) XOPTIM_HOT_LAMBDA {
                const V w = p[i];
                const V u = ch.template run<P>(c, w, g[i], slot_view<V>(slots, slot_base + i), acc);
                if constexpr (last) { p[i] = w - u; }
            };
            // One batch of type T at element i, accumulating into acc.
            auto batch_step = [&]<class T>(const coefficients_type& c, std::size_t i, T* acc) XOPTIM_HOT_LAMBDA {
                const T w = T::load_unaligned(p + i);
                const T u = ch.template run<P>(c, w, T::load_unaligned(g + i), slot_view<V>(slots, slot_base + i), acc);
                if constexpr (last) { (w - u).store_unaligned(p + i); }
            };
            // One batch on architecture A if it is narrower than the default and fits.
            auto tail_batch = [&]<class A>(std::size_t& i) XOPTIM_HOT_LAMBDA {
                if constexpr (is_narrower<V, A>())
                {
                    using T = xsimd::batch<V, A>;
                    if (n - i >= T::size)
                    {
                        std::array<T, R> acc;
                        acc.fill(T(V(0)));
                        batch_step(coefficients, i, acc.data());
                        if constexpr (!last)
                        {
                            for (std::size_t k = 0; k < Chain::reductions; ++k)
                            {
                                sums[k] += static_cast<double>(math::sum_lanes(acc[k]));
                            }
                        }
                        i += T::size;
                    }
                }
            };

            std::size_t i = 0;
            std::array<V, R> sacc{};
            if constexpr (has_simd)
            {
                if (n >= batch_of<V>::size)
                {
                    if constexpr (InlineBatches)
                    {
                        i = batches<P, false>(ch, coefficients, p, g, slots, slot_base, n, sums);
                    }
                    else { i = full_batches<P>(ch, coefficients, p, g, slots, slot_base, n, sums); }
                }
                tail_batch.template operator()<arch_256>(i);
                tail_batch.template operator()<arch_128>(i);
                // Fewer elements than the narrowest batch remain: a bounded loop, which the
                // compiler unrolls instead of vectorising it behind run-time alias checks.
                constexpr std::size_t rest = narrowest_batch<V>() - 1;
                for (std::size_t r = 0; r < rest && i < n; ++r, ++i) { scalar_step(coefficients, i, sacc.data()); }
            }
            else
            {
                for (; i < n; ++i) { scalar_step(coefficients, i, sacc.data()); }
            }
            if constexpr (!last)
            {
                for (std::size_t k = 0; k < Chain::reductions; ++k) { sums[k] += static_cast<double>(sacc[k]); }
            }
        }

        // Segments a read-only reducing pass streams at once: a core keeps more requests in
        // flight on more streams, and a pass that only reads has few (LARS: two).
        inline constexpr std::size_t read_only_segments = 4;

        // A read-only reducing pass over [lo, hi): read_only_segments equal segments of whole
        // cache lines, stepped together batch by batch, then what is left; the running sums
        // are flushed to double every 16 blocks of every segment.
        template <std::size_t P, class Chain, class V>
        XOPTIM_OUT_OF_LINE void
        interleaved_reduction(const Chain& ch, const typename Chain::template coefficients_type<V> coefficients,
                              const V* p, const V* g, V* const* slots, std::size_t lo, std::size_t hi, double* sums)
        {
            using B = batch_of<V>;
            constexpr std::size_t K = read_only_segments;
            constexpr std::size_t W = B::size;
            constexpr std::size_t line = 64 / sizeof(V) > W ? 64 / sizeof(V) : W;
            constexpr std::size_t flush = 16 * block_size;
            const auto c = coefficients;
            const std::size_t seg = (hi - lo) / K / line * line;
            for (std::size_t b = 0; b < seg; b += flush)
            {
                const std::size_t e = std::min(seg, b + flush);
                std::array<B, Chain::reductions> acc;
                acc.fill(B(V(0)));
                for (std::size_t i = b; i < e; i += W)
                {
                    for (std::size_t k = 0; k < K; ++k)
                    {
                        const std::size_t j = lo + k * seg + i;
                        ch.template run<P>(c, B::load_unaligned(p + j), B::load_unaligned(g + j),
                                           slot_view<V>(slots, j), acc.data());
                    }
                }
                for (std::size_t r = 0; r < Chain::reductions; ++r)
                {
                    sums[r] += static_cast<double>(math::sum_lanes(acc[r]));
                }
            }
            // The rest, fewer than K lines: the ordinary kernel (it never writes p here).
            kernel<P>(ch, c, const_cast<V*>(p) + lo + K * seg, g + lo + K * seg, slots, lo + K * seg, hi - lo - K * seg,
                      sums);
        }

        // Runs pass P over elements [lo, hi) of contiguous operands, flushing the running
        // sums of a reducing pass to double every block so that float sums stay accurate.
        template <std::size_t P, bool InlineBatches = false, class Chain, class V>
        XOPTIM_HOT_INLINE void contiguous_pass(const Chain& ch, const typename Chain::template coefficients_type<V>& c,
                                               V* p, const V* g, V* const* slots, std::size_t lo, std::size_t hi,
                                               double* sums)
        {
            constexpr bool last = (P + 1 == Chain::passes);
            if constexpr (last) { kernel<P, InlineBatches>(ch, c, p + lo, g + lo, slots, lo, hi - lo, sums); }
            else
            {
                constexpr std::size_t flush = 16 * block_size;
                if constexpr (has_simd && !pass_writes_state<Chain, P>())
                {
                    if (hi - lo >= read_only_segments * flush)
                    {
                        interleaved_reduction<P>(ch, c, p, g, slots, lo, hi, sums);
                        return;
                    }
                }
                for (std::size_t b = lo; b < hi; b += flush)
                {
                    const std::size_t e = std::min(hi, b + flush);
                    kernel<P, InlineBatches>(ch, c, p + b, g + b, slots, b, e - b, sums);
                }
            }
        }

        // Pass P over operands that are not both contiguous: each block of the parameter and
        // of the gradient is staged through a stack buffer (pdata/gdata: the one that is).
        template <std::size_t P, class Chain, class V, class E, class G>
        XOPTIM_COLD_PATH void staged_pass(const Chain& ch, const typename Chain::template coefficients_type<V>& c,
                                          E& param, const G& grad, V* pdata, const V* gdata, V* const* slots,
                                          double* sums)
        {
            constexpr bool last = (P + 1 == Chain::passes);
            constexpr bool reads_g = pass_reads_gradient<Chain, P>();
            const std::size_t n = param.size();
            alignas(64) V pbuf[block_size];
            alignas(64) V gbuf[block_size];
            auto pin = param.template cbegin<xt::layout_type::row_major>();
            auto gin = grad.template cbegin<xt::layout_type::row_major>();
            auto pout = param.template begin<xt::layout_type::row_major>();
            for (std::size_t b = 0; b < n; b += block_size)
            {
                const std::size_t m = std::min(block_size, n - b);
                V* pblock = pdata;
                if (pdata != nullptr) { pblock = pdata + b; }
                else
                {
                    for (std::size_t j = 0; j < m; ++j, ++pin) { pbuf[j] = *pin; }
                    pblock = pbuf;
                }
                const V* gblock = nullptr;
                if (gdata != nullptr) { gblock = gdata + b; }
                else if constexpr (reads_g)
                {
                    for (std::size_t j = 0; j < m; ++j, ++gin) { gbuf[j] = static_cast<V>(*gin); }
                    gblock = gbuf;
                }
                else { gblock = pblock; }
                kernel<P>(ch, c, pblock, gblock, slots, b, m, sums);
                if constexpr (last)
                {
                    if (pdata == nullptr)
                    {
                        for (std::size_t j = 0; j < m; ++j, ++pout) { *pout = pbuf[j]; }
                    }
                }
            }
        }

        // Pass P over any operands: contiguous ones in place, others staged per block.
        template <std::size_t P, class Chain, class V, class E, class G>
        XOPTIM_HOT_INLINE void run_pass(const Chain& ch, const typename Chain::template coefficients_type<V>& c,
                                        E& param, const G& grad, V* const* slots, double* sums)
        {
            constexpr bool reads_g = pass_reads_gradient<Chain, P>();
            V* const pdata = contiguous_data(param);
            const V* gdata = nullptr;
            using gvalue = typename std::decay_t<G>::value_type;
            if constexpr (std::is_same_v<std::remove_cv_t<gvalue>, V>) { gdata = contiguous_data(grad); }
            if (!reads_g && pdata != nullptr) { gdata = pdata; }

            if (pdata != nullptr && gdata != nullptr)
            {
                contiguous_pass<P>(ch, c, pdata, gdata, slots, 0, param.size(), sums);
                return;
            }
            staged_pass<P>(ch, c, param, grad, pdata, gdata, slots, sums);
        }
    }

    namespace detail
    {
        // The slot pointers of a factored chain at row `row` of matrix `b` (rows = n, cols = m):
        // per-element slots at the row's first element, per-row ones at the row, per-column ones
        // at the matrix's first column, per-matrix ones at the matrix.
        template <class Chain, class V, std::size_t S>
        void slots_at_row(V* const* slots, std::size_t b, std::size_t row, const tensor_geometry& geo,
                          std::array<V*, S>& at) noexcept
        {
            for (std::size_t k = 0; k < Chain::max_slots; ++k)
            {
                V* base = slots[k];
                if (base == nullptr)
                {
                    at[k] = nullptr;
                    continue;
                }
                switch (Chain::slot_extents[k])
                {
                case slot_extent::elements: at[k] = base + row * geo.cols; break;
                case slot_extent::rows: at[k] = base + row; break;
                case slot_extent::columns: at[k] = base + b * geo.cols; break;
                case slot_extent::matrices: at[k] = base + b; break;
                }
            }
        }

        // Pass P of a factored chain over a tensor of rank >= 2, row by row: each row (in chunks
        // that keep float sums accurate) runs the ordinary kernel with the slots of its row
        // (slots_at_row, indexed by the column), then the row's sums go to finish_row and the
        // per-tensor ones are added to `sums`; after the last row of a matrix, finish_matrix.
        // Operands that are not contiguous are staged per chunk, as staged_pass does.
        template <std::size_t P, class Chain, class V, class E, class G>
        XOPTIM_COLD_PATH void rows_pass(const Chain& ch, const typename Chain::template coefficients_type<V>& c,
                                        const tensor_geometry& geo, E& param, const G& grad, V* pdata, const V* gdata,
                                        V* const* slots, double* sums)
        {
            constexpr bool last = (P + 1 == Chain::passes);
            constexpr bool reads_g = pass_reads_gradient<Chain, P>();
            constexpr std::size_t R = Chain::reductions == 0 ? 1 : Chain::reductions;
            constexpr std::size_t S = Chain::max_slots == 0 ? 1 : Chain::max_slots;
            const bool staged = pdata == nullptr || (reads_g && gdata == nullptr);
            const std::size_t chunk = staged ? block_size : 16 * block_size;
            alignas(64) V pbuf[block_size];
            alignas(64) V gbuf[block_size];
            auto pin = param.template cbegin<xt::layout_type::row_major>();
            auto gin = grad.template cbegin<xt::layout_type::row_major>();
            auto pout = param.template begin<xt::layout_type::row_major>();
            std::array<V*, S> at{};
            const std::size_t m = geo.cols;
            for (std::size_t b = 0; b < geo.matrices; ++b)
            {
                for (std::size_t r = 0; r < geo.rows; ++r)
                {
                    const std::size_t row = b * geo.rows + r;
                    slots_at_row<Chain>(slots, b, row, geo, at);
                    std::array<double, R> row_sums{};
                    for (std::size_t j = 0; j < m; j += chunk)
                    {
                        const std::size_t len = std::min(chunk, m - j);
                        const std::size_t first = row * m + j;
                        V* pb = pdata != nullptr ? pdata + first : pbuf;
                        if (pdata == nullptr)
                        {
                            for (std::size_t i = 0; i < len; ++i, ++pin) { pbuf[i] = *pin; }
                        }
                        const V* gb = pb;
                        if constexpr (reads_g)
                        {
                            if (gdata != nullptr) { gb = gdata + first; }
                            else
                            {
                                for (std::size_t i = 0; i < len; ++i, ++gin) { gbuf[i] = static_cast<V>(*gin); }
                                gb = gbuf;
                            }
                        }
                        kernel<P>(ch, c, pb, gb, at.data(), j, len, row_sums.data());
                        if constexpr (last)
                        {
                            if (pdata == nullptr)
                            {
                                for (std::size_t i = 0; i < len; ++i, ++pout) { *pout = pbuf[i]; }
                            }
                        }
                    }
                    if constexpr (!last)
                    {
                        ch.template finish_row<P>(c, row_sums.data(), at.data(), geo);
                        for (std::size_t k = 0; k < Chain::reductions; ++k)
                        {
                            if (!Chain::per_row[k]) { sums[k] += row_sums[k]; }
                        }
                    }
                }
                if constexpr (!last)
                {
                    slots_at_row<Chain>(slots, b, b * geo.rows, geo, at);
                    ch.template finish_matrix<P>(c, at.data(), geo);
                }
            }
        }

        // Every pass of a factored chain over a tensor of rank >= 2 (rows_pass).
        template <class Chain, class V, class E, class G>
        XOPTIM_COLD_PATH void apply_rows(const Chain& ch, typename Chain::template coefficients_type<V> c,
                                         const tensor_geometry& geo, E& param, const G& grad, V* const* slots)
        {
            constexpr std::size_t R = Chain::reductions == 0 ? 1 : Chain::reductions;
            V* const pdata = contiguous_data(param);
            const V* gdata = nullptr;
            using gvalue = typename std::decay_t<G>::value_type;
            if constexpr (std::is_same_v<std::remove_cv_t<gvalue>, V>) { gdata = contiguous_data(grad); }
            [&]<std::size_t... P>(std::index_sequence<P...>)
            {
                (
                    [&] {
                        std::array<double, R> sums{};
                        const V* g = pass_reads_gradient<Chain, P>() ? gdata : pdata;
                        rows_pass<P>(ch, c, geo, param, grad, pdata, g, slots, sums.data());
                        if constexpr (P + 1 < Chain::passes) { ch.template finish<P>(c, sums.data(), geo); }
                    }(),
                    ...);
            }
            (std::make_index_sequence<Chain::passes>{});
        }
    }

    namespace detail
    {
        // The default sums hook of apply_chain: the tensor is whole, its sums are final.
        struct no_sums_hook
        {
            void operator()(double*, std::size_t) const noexcept {}
        };
    }

    // Applies one step of `ch` to `param` with gradient `grad`: all passes, with the sums of
    // each reducing pass turned into coefficients before the next. `slots` holds max_slots
    // pointers to contiguous state of param's size (nullptr where a slot is not in use).
    // `sums_hook(sums, Chain::reductions)` sees the sums of each reducing pass before they
    // are used: when `param` is one piece of a tensor split across processes, it adds the
    // other pieces' sums (see xoptim/mpi/zero.hpp).
    template <class Chain, class V, class E, class G, class SumsHook = detail::no_sums_hook>
    XOPTIM_HOT_INLINE void apply_chain(const Chain& ch,
                                       const typename Chain::template coefficients_type<V>& coefficients, E& param,
                                       const G& grad, V* const* slots, SumsHook&& sums_hook = {})
    {
        constexpr std::size_t R = Chain::reductions == 0 ? 1 : Chain::reductions;
        if constexpr (detail::factored_chain<Chain>)
        {
            // A tensor of rank >= 2 is walked row by row; one of lower rank as any other.
            if (param.shape().size() >= 2)
            {
                detail::apply_rows(ch, coefficients, geometry_of(param.shape()), param, grad, slots);
                return;
            }
        }
        if constexpr (Chain::passes == 1)
        {
            // No reduction finishes coefficients: use the caller's, uncopied (a copy of a
            // just-computed struct costs a store-forwarding stall, a third of a tiny step).
            std::array<double, R> sums{};
            detail::run_pass<0>(ch, coefficients, param, grad, slots, sums.data());
        }
        else
        {
            auto c = coefficients;
            const tensor_geometry geo{static_cast<std::size_t>(param.size())};
            [&]<std::size_t... P>(std::index_sequence<P...>) XOPTIM_HOT_LAMBDA
            {
                (
                    [&]() XOPTIM_HOT_LAMBDA {
                        std::array<double, R> sums{};
                        detail::run_pass<P>(ch, c, param, grad, slots, sums.data());
                        if constexpr (P + 1 < Chain::passes)
                        {
                            sums_hook(sums.data(), Chain::reductions);
                            ch.template finish<P>(c, sums.data(), geo);
                        }
                    }(),
                    ...);
            }
            (std::make_index_sequence<Chain::passes>{});
        }
    }

    // A contiguous parameter tensor, its gradient (same value type, contiguous) and its
    // state, as a step on a group of tensors hands it to the engine.
    template <class V, std::size_t S>
    struct contiguous_tensor
    {
        V* param;
        const V* grad;
        std::size_t size;
        std::array<V*, S> slots;
    };

    // The first pass of a chain led by a group-wide reduction (clip_by_global_norm) over
    // `count` contiguous tensors: adds every tensor's sums into `sums` (nothing is written).
    template <class Chain, class V, std::size_t S>
    XOPTIM_OUT_OF_LINE void accumulate_group(const Chain& ch,
                                             const typename Chain::template coefficients_type<V> coefficients,
                                             const contiguous_tensor<V, S>* tensors, std::size_t count, double* sums)
    {
        static_assert(Chain::group_reduction_first);
        for (std::size_t k = 0; k < count; ++k)
        {
            const auto& t = tensors[k];
            detail::contiguous_pass<0, true>(ch, coefficients, t.param, t.grad, t.slots.data(), 0, t.size, sums);
        }
    }

    // The passes after the group-wide one, tensor by tensor, from coefficients whose group-wide
    // link is finished; a per-tensor reduction after it (LAMB's trust ratio) is finished per tensor.
    template <class Chain, class V, std::size_t S>
    XOPTIM_OUT_OF_LINE void apply_after_group(const Chain& ch,
                                              const typename Chain::template coefficients_type<V> coefficients,
                                              const contiguous_tensor<V, S>* tensors, std::size_t count)
    {
        static_assert(Chain::group_reduction_first);
        constexpr std::size_t R = Chain::reductions == 0 ? 1 : Chain::reductions;
        for (std::size_t k = 0; k < count; ++k)
        {
            const auto& t = tensors[k];
            auto c = coefficients;
            [&]<std::size_t... P>(std::index_sequence<P...>)
            {
                (
                    [&] {
                        constexpr std::size_t pass = P + 1;
                        std::array<double, R> sums{};
                        const V* g = detail::pass_reads_gradient<Chain, pass>() ? t.grad : t.param;
                        detail::contiguous_pass<pass, true>(ch, c, t.param, g, t.slots.data(), 0, t.size, sums.data());
                        if constexpr (pass + 1 < Chain::passes) { ch.template finish<pass>(c, sums.data()); }
                    }(),
                    ...);
            }
            (std::make_index_sequence<Chain::passes - 1>{});
        }
    }

    // accumulate_group's pass on one tensor of any layout (a strided one, staged per block).
    template <class Chain, class V, class E, class G>
    XOPTIM_COLD_PATH void accumulate_tensor(const Chain& ch,
                                            const typename Chain::template coefficients_type<V>& coefficients, E& param,
                                            const G& grad, V* const* slots, double* sums)
    {
        static_assert(Chain::group_reduction_first);
        detail::run_pass<0>(ch, coefficients, param, grad, slots, sums);
    }

    // apply_after_group's passes on one tensor of any layout.
    template <class Chain, class V, class E, class G>
    XOPTIM_COLD_PATH void apply_after_group_tensor(const Chain& ch,
                                                   const typename Chain::template coefficients_type<V> coefficients,
                                                   E& param, const G& grad, V* const* slots)
    {
        static_assert(Chain::group_reduction_first);
        constexpr std::size_t R = Chain::reductions == 0 ? 1 : Chain::reductions;
        auto c = coefficients;
        [&]<std::size_t... P>(std::index_sequence<P...>)
        {
            (
                [&] {
                    constexpr std::size_t pass = P + 1;
                    std::array<double, R> sums{};
                    detail::run_pass<pass>(ch, c, param, grad, slots, sums.data());
                    if constexpr (pass + 1 < Chain::passes) { ch.template finish<pass>(c, sums.data()); }
                }(),
                ...);
        }
        (std::make_index_sequence<Chain::passes - 1>{});
    }

    // apply_chain on `count` contiguous tensors in one call, every pass of a tensor before the
    // next: a group of many small tensors loads its coefficients into registers once, not
    // once per tensor, and the first lines of each tensor are on their way while the one
    // before it is stepped (the hardware prefetchers start afresh on every tensor).
    template <class Chain, class V, std::size_t S>
    XOPTIM_OUT_OF_LINE void apply_chain_contiguous(const Chain& ch,
                                                   const typename Chain::template coefficients_type<V> coefficients,
                                                   const contiguous_tensor<V, S>* tensors, std::size_t count)
    {
        constexpr std::size_t R = Chain::reductions == 0 ? 1 : Chain::reductions;
        if constexpr (Chain::group_reduction_first)
        {
            // The group-wide pass over every tensor, then the rest tensor by tensor.
            std::array<double, R> sums{};
            accumulate_group(ch, coefficients, tensors, count, sums.data());
            auto c = coefficients;
            ch.template finish<0>(c, sums.data());
            apply_after_group(ch, c, tensors, count);
            return;
        }
        const auto local = coefficients;  // kept in registers across the tensors (see batches)
        for (std::size_t k = 0; k < count; ++k)
        {
            const auto& t = tensors[k];
            if (k + 1 < count)
            {
                const auto& next = tensors[k + 1];
                detail::prefetch_start(next.param, true);
                detail::prefetch_start(next.grad, false);
                for (std::size_t s = 0; s < Chain::max_slots; ++s) { detail::prefetch_start(next.slots[s], true); }
            }
            if constexpr (Chain::passes == 1)
            {
                std::array<double, R> sums{};
                detail::kernel<0, true>(ch, local, t.param, t.grad, t.slots.data(), 0, t.size, sums.data());
            }
            else
            {
                auto c = local;
                [&]<std::size_t... P>(std::index_sequence<P...>) XOPTIM_HOT_LAMBDA
                {
                    (
                        [&]() XOPTIM_HOT_LAMBDA {
                            std::array<double, R> sums{};
                            // A pass that does not read the gradient reads the parameter again.
                            const V* g = detail::pass_reads_gradient<Chain, P>() ? t.grad : t.param;
                            detail::contiguous_pass<P, true>(ch, c, t.param, g, t.slots.data(), 0, t.size, sums.data());
                            if constexpr (P + 1 < Chain::passes) { ch.template finish<P>(c, sums.data()); }
                        }(),
                        ...);
                }
                (std::make_index_sequence<Chain::passes>{});
            }
        }
    }
}
