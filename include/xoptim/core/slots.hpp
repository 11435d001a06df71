#pragma once
// A rule's view of its state at one position of the element loop: slot k of the rule is
// read and written here as a scalar or as a batch, whichever the engine is running.

#include <cstddef>
#include <vector>

#include "simd.hpp"

namespace xoptim
{
    // What a slot of state is indexed by. Most slots hold one value per element of the
    // parameter. A factored rule (Adafactor) keeps, for a tensor of shape [..., n, m], one value
    // per row ([..., n]), per column ([..., m]) or per matrix ([...]): its slots of those extents
    // are made for tensors of rank >= 2, and its per-element slots for the others.
    enum class slot_extent
    {
        elements,
        rows,
        columns,
        matrices,
    };

    // A tensor as the engine sees it: `size` elements, `matrices` matrices of `rows` x `cols`
    // (a tensor of rank < 2 is one row of `size` columns).
    struct tensor_geometry
    {
        std::size_t size = 0;
        std::size_t matrices = 1;
        std::size_t rows = 1;
        std::size_t cols = 0;
    };

    // The geometry of a tensor of this shape.
    template <class S>
    tensor_geometry geometry_of(const S& shape) noexcept
    {
        tensor_geometry g;
        std::size_t size = 1;
        for (std::size_t d = 0; d < shape.size(); ++d) { size *= static_cast<std::size_t>(shape[d]); }
        g.size = size;
        g.cols = shape.size() >= 1 ? static_cast<std::size_t>(shape[shape.size() - 1]) : 1;
        if (shape.size() >= 2)
        {
            g.rows = static_cast<std::size_t>(shape[shape.size() - 2]);
            g.matrices = 1;
            for (std::size_t d = 0; d + 2 < shape.size(); ++d) { g.matrices *= static_cast<std::size_t>(shape[d]); }
        }
        else { g.cols = size; }
        return g;
    }

    // The shape of a slot of extent `e` for a parameter of shape `shape` (rank >= 2 for all but
    // elements): [..., n] for rows, [..., m] for columns, [...] for matrices.
    template <class S>
    std::vector<std::size_t> slot_shape(slot_extent e, const S& shape)
    {
        std::vector<std::size_t> out(shape.begin(), shape.end());
        if (e == slot_extent::elements || out.size() < 2) { return out; }
        if (e == slot_extent::rows) { out.pop_back(); }
        else if (e == slot_extent::columns) { out.erase(out.end() - 2); }
        else { out.resize(out.size() - 2); }
        return out;
    }

    template <class V>
    class slot_view
    {
    public:
        slot_view(V* const* slots, std::size_t index) noexcept : m_slots(slots), m_index(index) {}

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

        // Whether slot k is in use for this tensor (a factored rule's per-element slot is not on
        // a matrix, nor its row and column slots on a vector).
        bool in_use(std::size_t k) const noexcept { return m_slots[k] != nullptr; }

        // The one value of slot k at this position, as T: a per-row or per-matrix slot, whose
        // pointer the engine sets to the current row's (matrix's) value.
        template <element T>
        T broadcast(std::size_t k) const noexcept
        {
            return T(m_slots[k][0]);
        }

        slot_view advanced(std::size_t first_slot) const noexcept { return slot_view(m_slots + first_slot, m_index); }

    private:
        V* const* m_slots;
        std::size_t m_index;
    };
}
