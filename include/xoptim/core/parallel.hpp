#pragma once
// The opt-in multi-threaded step: a tensor large enough is cut into one chunk per thread, in
// whole cache lines counted from the parameter's first 64-byte boundary, and every pass of the
// chain runs on the chunks at once. Each element is computed by the same instructions as in
// the single-threaded step (the same SIMD batches, the same scalar head and tail), so
// elementwise chains give bitwise the same numbers. The sums of a reducing pass are kept per
// thread and added in thread order, so they do not depend on timing either (they differ from
// the single-threaded sums only by the order of additions).

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine.hpp"

namespace xoptim
{
    namespace detail
    {
        // The most threads a step may use (sums of the chunks live on the stack).
        inline constexpr std::size_t max_step_threads = 256;

        // Fewest elements per chunk: below this, waking a thread costs more than it saves.
        inline constexpr std::size_t min_chunk_elements = std::size_t(1) << 15;

        // A fixed set of worker threads that run one job at a time with the calling thread.
        // Running a job allocates nothing: the job is a function pointer and a context.
        class thread_pool
        {
        public:
            // Starts threads - 1 workers, or none: if one cannot be started (a thread or memory
            // limit), those already running are stopped and joined, and std::system_error says
            // how many were asked for and how many started.
            explicit thread_pool(std::size_t threads) : m_size(threads)
            {
                m_workers.reserve(threads - 1);
                for (std::size_t t = 1; t < threads; ++t)
                {
                    try
                    {
                        m_workers.emplace_back([this, t] { work(t); });
                    }
                    catch (const std::system_error& e)
                    {
                        stop();
                        throw std::system_error(e.code(), "xoptim::optimizer::set_threads: cannot start a pool of "
                                                              + std::to_string(threads) + " threads ("
                                                              + std::to_string(t) + " were running)");
                    }
                    catch (...)
                    {
                        stop();
                        throw;
                    }
                }
            }

            thread_pool(const thread_pool&) = delete;
            thread_pool& operator=(const thread_pool&) = delete;

            ~thread_pool() { stop(); }

            // Threads taking part in a job, the caller included.
            std::size_t size() const noexcept { return m_size; }

            // Runs job(t) for every t in [0, size()), t = 0 on the calling thread; returns when
            // all have finished. The job must not throw.
            template <class F>
            void run(F& job)
            {
                {
                    std::lock_guard<std::mutex> lock(m_mutex);
                    m_job = [](void* ctx, std::size_t t) { (*static_cast<F*>(ctx))(t); };
                    m_context = &job;
                    m_pending = m_size - 1;
                    ++m_generation;
                }
                m_start.notify_all();
                job(0);
                std::unique_lock<std::mutex> lock(m_mutex);
                m_done.wait(lock, [this] { return m_pending == 0; });
            }

        private:
            void stop() noexcept
            {
                {
                    std::lock_guard<std::mutex> lock(m_mutex);
                    m_stop = true;
                }
                m_start.notify_all();
                for (auto& w : m_workers) { w.join(); }
                m_workers.clear();
            }

            void work(std::size_t index)
            {
                std::uint64_t seen = 0;
                for (;;)
                {
                    void (*job)(void*, std::size_t) = nullptr;
                    void* context = nullptr;
                    {
                        std::unique_lock<std::mutex> lock(m_mutex);
                        m_start.wait(lock, [&] { return m_stop || m_generation != seen; });
                        if (m_stop) { return; }
                        seen = m_generation;
                        job = m_job;
                        context = m_context;
                    }
                    job(context, index);
                    bool last = false;
                    {
                        std::lock_guard<std::mutex> lock(m_mutex);
                        last = --m_pending == 0;
                    }
                    if (last) { m_done.notify_one(); }
                }
            }

            std::size_t m_size;
            std::mutex m_mutex;
            std::condition_variable m_start, m_done;
            std::uint64_t m_generation = 0;
            std::size_t m_pending = 0;
            bool m_stop = false;
            void (*m_job)(void*, std::size_t) = nullptr;
            void* m_context = nullptr;
            std::vector<std::thread> m_workers;
        };

        // Chunk bounds of n elements starting at p for up to `threads` threads: bounds[0] = 0,
        // bounds[chunks] = n, and every inner bound is a whole number of 64-byte lines past
        // the first 64-byte boundary of p. Returns the number of chunks (1: do not split).
        template <class V>
        std::size_t split_in_lines(const V* p, std::size_t n, std::size_t threads, std::size_t* bounds)
        {
            constexpr std::size_t line = 64 / sizeof(V);
            const auto addr = reinterpret_cast<std::uintptr_t>(p);
            std::size_t head = 0;
            if (addr % sizeof(V) == 0) { head = ((64 - addr % 64) % 64) / sizeof(V); }
            if (head >= n) { return 1; }
            const std::size_t lines = (n - head) / line;
            std::size_t chunks = std::min(threads, n / min_chunk_elements);
            chunks = std::min(chunks, lines);
            if (chunks < 2) { return 1; }
            bounds[0] = 0;
            std::size_t at = head;
            for (std::size_t t = 0; t < chunks; ++t)
            {
                at += (lines / chunks + (t < lines % chunks ? 1 : 0)) * line;
                bounds[t + 1] = at;
            }
            bounds[chunks] = n;
            return chunks;
        }
    }

    // apply_chain on `pool`'s threads when param and grad are contiguous and large enough;
    // otherwise exactly apply_chain.
    template <class Chain, class V, class E, class G, class SumsHook = detail::no_sums_hook>
    void apply_chain_threaded(detail::thread_pool& pool, const Chain& ch,
                              const typename Chain::template coefficients_type<V>& coefficients, E& param,
                              const G& grad, V* const* slots, SumsHook&& sums_hook = {})
    {
        if constexpr (detail::factored_chain<Chain>)
        {
            // A factored chain's row and column sums are not split across threads.
            apply_chain(ch, coefficients, param, grad, slots, std::forward<SumsHook>(sums_hook));
            return;
        }
        V* const pdata = detail::contiguous_data(param);
        const V* gdata = nullptr;
        using gvalue = typename std::decay_t<G>::value_type;
        if constexpr (std::is_same_v<std::remove_cv_t<gvalue>, V>) { gdata = detail::contiguous_data(grad); }

        std::array<std::size_t, detail::max_step_threads + 1> bounds{};
        const std::size_t chunks =
            (pdata != nullptr && gdata != nullptr) ? detail::split_in_lines(
                pdata, param.size(), std::min(pool.size(), detail::max_step_threads), bounds.data())
                                                   : 1;
        if (chunks < 2)
        {
            apply_chain(ch, coefficients, param, grad, slots, std::forward<SumsHook>(sums_hook));
            return;
        }
        auto c = coefficients;

        constexpr std::size_t R = Chain::reductions == 0 ? 1 : Chain::reductions;
        [&]<std::size_t... P>(std::index_sequence<P...>)
        {
            (
                [&] {
                    std::array<std::array<double, R>, detail::max_step_threads> partial;
                    auto job = [&](std::size_t t) {
                        partial[t].fill(0.0);
                        if (t < chunks)
                        {
                            detail::contiguous_pass<P>(ch, c, pdata, gdata, slots, bounds[t], bounds[t + 1],
                                                       partial[t].data());
                        }
                    };
                    pool.run(job);
                    if constexpr (P + 1 < Chain::passes)
                    {
                        // Fixed order: thread 0's sums first, then 1, ...
                        std::array<double, R> sums{};
                        for (std::size_t t = 0; t < chunks; ++t)
                        {
                            for (std::size_t k = 0; k < R; ++k) { sums[k] += partial[t][k]; }
                        }
                        sums_hook(sums.data(), Chain::reductions);
                        ch.template finish<P>(c, sums.data());
                    }
                }(),
                ...);
        }
        (std::make_index_sequence<Chain::passes>{});
    }

    namespace detail
    {
        // The thread setting of an optimizer: a thread count and, above one, the pool that
        // serves it. Copies get a pool of their own (a pool runs one step at a time).
        class step_threads
        {
        public:
            step_threads() = default;
            step_threads(const step_threads& other) { set(other.m_count); }
            step_threads& operator=(const step_threads& other)
            {
                if (this != &other) { set(other.m_count); }
                return *this;
            }
            step_threads(step_threads&&) noexcept = default;
            step_threads& operator=(step_threads&&) noexcept = default;

            std::size_t count() const noexcept { return m_count; }
            // Whether a step runs on a pool (more than one thread).
            bool pooled() const noexcept { return m_pool != nullptr; }

            void set(std::size_t threads)
            {
                if (threads < 1 || threads > max_step_threads)
                {
                    throw std::invalid_argument("xoptim::optimizer::set_threads: threads must be in [1, "
                                                + std::to_string(max_step_threads) + "], got "
                                                + std::to_string(threads));
                }
                if (threads == m_count && (threads == 1 || m_pool)) { return; }
                // The new pool is made whole before the old one goes: if it cannot be started,
                // the error leaves the old pool and count as they were.
                std::unique_ptr<thread_pool> pool;
                if (threads > 1) { pool = std::make_unique<thread_pool>(threads); }
                m_pool = std::move(pool);
                m_count = threads;
            }

            template <class Chain, class V, class E, class G>
            XOPTIM_HOT_INLINE void apply(const Chain& ch, const typename Chain::template coefficients_type<V>& c,
                                         E& param, const G& grad, V* const* slots)
            {
                if (m_pool) { apply_chain_threaded(*m_pool, ch, c, param, grad, slots); }
                else { apply_chain(ch, c, param, grad, slots); }
            }

        private:
            std::size_t m_count = 1;
            std::unique_ptr<thread_pool> m_pool;
        };
    }
}
