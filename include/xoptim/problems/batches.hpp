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

namespace xoptim {

namespace detail {

/// Uniform integer in [0, bound) from raw 64-bit draws, by rejection (no modulo bias), so
/// that it does not depend on any standard library's distributions.
inline std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound)
{
    // Values below `threshold` would over-represent the smallest residues: redraw them.
    const std::uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        const std::uint64_t r = rng();
        if (r >= threshold) {
            return r % bound;
        }
    }
}

/// Uniform double in [0, 1): the top 53 bits of one raw draw.
inline double uniform_unit(std::mt19937_64& rng)
{
    return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

} // namespace detail

/// Fisher-Yates shuffle driven by `rng` through detail::uniform_below.
template <class T>
void shuffle(std::span<T> items, std::mt19937_64& rng)
{
    for (std::size_t i = items.size(); i > 1; --i) {
        const auto j = static_cast<std::size_t>(detail::uniform_below(rng, i));
        std::swap(items[i - 1], items[j]);
    }
}

/// Walks through epochs of shuffled batches of `n` samples.
class batch_sampler {
public:
    batch_sampler(std::size_t n, std::size_t batch_size, std::uint64_t seed)
        : m_order(n), m_batch_size(batch_size), m_rng(seed)
    {
        if (n == 0) {
            throw std::invalid_argument("n: no samples to draw batches from");
        }
        if (batch_size == 0) {
            throw std::invalid_argument("batch_size: must be at least 1, got 0");
        }
        for (std::size_t i = 0; i < n; ++i) {
            m_order[i] = i;
        }
    }

    /// Batches in one epoch: ceil(n / batch_size).
    std::size_t batches_per_epoch() const noexcept
    {
        return (m_order.size() + m_batch_size - 1) / m_batch_size;
    }

    /// The next batch; shuffles at the start of every epoch (the first one included).
    /// The span stays valid until the next call.
    batch_indices next()
    {
        if (m_position == 0) {
            shuffle(std::span<std::size_t>(m_order), m_rng);
            ++m_epoch;
        }
        const std::size_t begin = m_position;
        const std::size_t count = std::min(m_batch_size, m_order.size() - begin);
        m_position = begin + count == m_order.size() ? 0 : begin + count;
        return batch_indices(m_order.data() + begin, count);
    }

    /// Epochs started so far (1 after the first call to next()).
    std::size_t epoch() const noexcept { return m_epoch; }

private:
    std::vector<std::size_t> m_order;
    std::size_t m_batch_size;
    std::mt19937_64 m_rng;
    std::size_t m_position = 0;
    std::size_t m_epoch = 0;
};

} // namespace xoptim
