#pragma once
// Mini-batches: each epoch shuffles the sample indices (seeded, the same on every platform)
// and cuts them into batches of `batch_size`; the last batch of an epoch holds what is left.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <xoptim/problems/objective.hpp>

namespace xoptim
{

    namespace detail
    {

        /// Uniform integer in [0, bound) from raw 64-bit draws, by rejection (no modulo bias), so
        /// that it does not depend on any standard library's distributions.
        inline std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound)
        {
            // Values below `threshold` would over-represent the smallest residues: redraw them.
            const std::uint64_t threshold = (0 - bound) % bound;
            for (;;)
            {
                const std::uint64_t r = rng();
                if (r >= threshold) { return r % bound; }
            }
        }

        /// Uniform double in [0, 1): the top 53 bits of one raw draw.
        inline double uniform_unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

    }  // namespace detail

    /// Fisher-Yates shuffle driven by `rng` through detail::uniform_below.
    template <class T>
    void shuffle(std::span<T> items, std::mt19937_64& rng)
    {
        for (std::size_t i = items.size(); i > 1; --i)
        {
            const auto j = static_cast<std::size_t>(detail::uniform_below(rng, i));
            std::swap(items[i - 1], items[j]);
        }
    }

    /// Walks through epochs of shuffled batches of `n` samples. Epoch e (from 0) is the identity
    /// 0..n-1 shuffled by a std::mt19937_64 seeded with epoch_seed(seed, e), so that any batch
    /// can be reached directly: a sampler made with `first_batch` = k hands out the (k+1)-th batch
    /// first, as one that had drawn k batches would, in time O(n) whatever k.
    class batch_sampler
    {
    public:
        batch_sampler(std::size_t n, std::size_t batch_size, std::uint64_t seed, std::uint64_t first_batch = 0)
            : m_order(n), m_batch_size(batch_size), m_seed(seed)
        {
            if (n == 0) { throw std::invalid_argument("n: no samples to draw batches from"); }
            if (batch_size == 0) { throw std::invalid_argument("batch_size: must be at least 1, got 0"); }
            const std::uint64_t per_epoch = batches_per_epoch();
            m_epoch = first_batch / per_epoch;
            m_position = static_cast<std::size_t>(first_batch % per_epoch) * m_batch_size;
            if (m_position != 0) { start_epoch(); }
        }

        /// The seed of epoch e's shuffle: the sampler's seed for the first epoch, a SplitMix64 mix
        /// of the seed and e for the others.
        static std::uint64_t epoch_seed(std::uint64_t seed, std::uint64_t epoch) noexcept
        {
            if (epoch == 0) { return seed; }
            const auto mix = [](std::uint64_t z) {
                z += 0x9e3779b97f4a7c15ull;
                z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
                z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
                return z ^ (z >> 31);
            };
            return mix(seed ^ mix(epoch));
        }

        /// Batches in one epoch: ceil(n / batch_size).
        std::size_t batches_per_epoch() const noexcept { return (m_order.size() + m_batch_size - 1) / m_batch_size; }

        /// The next batch; shuffles at the start of every epoch (the first one included).
        /// The span stays valid until the next call.
        batch_indices next()
        {
            if (m_position == 0) { start_epoch(); }
            const std::size_t begin = m_position;
            const std::size_t count = std::min(m_batch_size, m_order.size() - begin);
            m_position = begin + count == m_order.size() ? 0 : begin + count;
            return batch_indices(m_order.data() + begin, count);
        }

        /// Epochs started so far (1 after the first call to next()).
        std::uint64_t epoch() const noexcept { return m_epoch; }

    private:
        void start_epoch()
        {
            for (std::size_t i = 0; i < m_order.size(); ++i) { m_order[i] = i; }
            std::mt19937_64 rng(epoch_seed(m_seed, m_epoch));
            shuffle(std::span<std::size_t>(m_order), rng);
            ++m_epoch;
        }

        std::vector<std::size_t> m_order;
        std::size_t m_batch_size;
        std::uint64_t m_seed;
        std::size_t m_position = 0;
        std::uint64_t m_epoch = 0;
    };

}  // namespace xoptim
