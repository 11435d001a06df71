#pragma once
// tensor_ref<V>: a contiguous row-major tensor of any rank and container type, by reference
// (pointer, element count, shape). What a parameter group registers and what a type-erased
// optimizer steps; the engine sees it as a contiguous operand.

#include <array>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <xtensor/xlayout.hpp>

#include "engine.hpp"

namespace xoptim
{
    // V is the element type, const for a read-only tensor (a gradient).
    template <class V>
    class tensor_ref
    {
    public:
        using value_type = std::remove_const_t<V>;
        using shape_type = std::span<const std::size_t>;
        static constexpr xt::layout_type static_layout = xt::layout_type::row_major;
        static constexpr std::size_t max_rank = 8;

        // No tensor: a gradient that is absent this step (torch's `grad is None`).
        tensor_ref() noexcept = default;

        tensor_ref(V* data, std::span<const std::size_t> shape)
            : m_data(data), m_rank(shape.size()), m_present(true)
        {
            if (shape.size() > max_rank)
            {
                throw std::invalid_argument("xoptim::tensor_ref: rank " + std::to_string(shape.size())
                                            + " is more than the " + std::to_string(max_rank) + " supported");
            }
            m_size = 1;
            for (std::size_t d = 0; d < shape.size(); ++d)
            {
                m_shape[d] = shape[d];
                m_size *= shape[d];
            }
        }

        // Any row-major contiguous xtensor container or view of value type V (xtensor, xarray,
        // xtensor_fixed, xt::adapt, a contiguous view). Throws std::invalid_argument naming the
        // shape if `e` is not contiguous.
        template <class E>
            requires(!std::is_same_v<std::remove_cvref_t<E>, tensor_ref> && requires(E& e) {
                e.shape();
                e.size();
                { detail::contiguous_data(e) } -> std::convertible_to<V*>;
            })
        tensor_ref(E& e)  // NOLINT: implicit, so that a list of tensors converts element by element
            : m_rank(e.shape().size()), m_present(true)
        {
            V* p = detail::contiguous_data(e);
            if (p == nullptr && e.size() != 0)
            {
                throw std::invalid_argument("xoptim::tensor_ref: a tensor of shape " + detail::shape_string(e.shape())
                                            + " is not row-major contiguous; pass a contiguous tensor or view");
            }
            if (m_rank > max_rank)
            {
                throw std::invalid_argument("xoptim::tensor_ref: rank " + std::to_string(m_rank) + " is more than the "
                                            + std::to_string(max_rank) + " supported");
            }
            m_data = p;
            m_size = 1;
            const auto& s = e.shape();
            for (std::size_t d = 0; d < m_rank; ++d)
            {
                m_shape[d] = static_cast<std::size_t>(s[d]);
                m_size *= m_shape[d];
            }
        }

        // A read-only view of a mutable tensor.
        template <class W>
            requires(std::is_const_v<V> && std::is_same_v<W, value_type>)
        tensor_ref(const tensor_ref<W>& other) noexcept
            : m_data(other.data()), m_size(other.size()), m_rank(other.dimension()), m_present(other.present())
        {
            for (std::size_t d = 0; d < m_rank; ++d) { m_shape[d] = other.shape()[d]; }
        }

        // False for a default-constructed reference: no tensor (an absent gradient).
        bool present() const noexcept { return m_present; }
        explicit operator bool() const noexcept { return m_present; }

        V* data() const noexcept { return m_data; }
        std::size_t data_offset() const noexcept { return 0; }
        std::size_t size() const noexcept { return m_size; }
        std::size_t dimension() const noexcept { return m_rank; }
        shape_type shape() const noexcept { return shape_type(m_shape.data(), m_rank); }

        V& operator[](std::size_t i) const noexcept { return m_data[i]; }

        // Row-major iteration (the checkpoint writer and the staged engine path use these).
        template <xt::layout_type L = xt::layout_type::row_major>
        V* begin() const noexcept { return m_data; }
        template <xt::layout_type L = xt::layout_type::row_major>
        V* end() const noexcept { return m_data + m_size; }
        template <xt::layout_type L = xt::layout_type::row_major>
        const V* cbegin() const noexcept { return m_data; }
        template <xt::layout_type L = xt::layout_type::row_major>
        const V* cend() const noexcept { return m_data + m_size; }

    private:
        V* m_data = nullptr;
        std::size_t m_size = 0;
        std::size_t m_rank = 0;
        std::array<std::size_t, max_rank> m_shape{};
        bool m_present = false;
    };

    // A gradient by reference: read-only, possibly absent.
    template <class V>
    using grad_ref = tensor_ref<const V>;

    template <class E>
    tensor_ref(E&) -> tensor_ref<std::remove_reference_t<decltype(*detail::contiguous_data(std::declval<E&>()))>>;
}
