#pragma once
// A rule's view of its state at one position of the element loop: slot k of the rule is
// read and written here as a scalar or as a batch, whichever the engine is running.

#include <cstddef>

#include "simd.hpp"

namespace xoptim
{
    template <class V>
    class slot_view
    {
    public:
        slot_view(V* const* slots, std::size_t index) noexcept
            : m_slots(slots), m_index(index)
        {
        }

        template <element T>
        T load(std::size_t k) const noexcept
        {
            if constexpr (std::floating_point<T>) { return m_slots[k][m_index]; }
            else { return T::load_unaligned(m_slots[k] + m_index); }
        }

        template <element T>
        void store(std::size_t k, const T& value) const noexcept
        {
            if constexpr (std::floating_point<T>) { m_slots[k][m_index] = value; }
            else { value.store_unaligned(m_slots[k] + m_index); }
        }

        slot_view advanced(std::size_t first_slot) const noexcept
        {
            return slot_view(m_slots + first_slot, m_index);
        }

    private:
        V* const* m_slots;
        std::size_t m_index;
    };
}
