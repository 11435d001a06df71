#pragma once
// tensor_ref<V>: a tensor of any rank and container type, by reference (pointer to its first
// element, shape, strides in elements). What a parameter group registers and what a
// type-erased optimizer steps. A packed row-major one is a contiguous operand of the engine;
// any other (a strided view, a column-major container, a transpose) is staged block by block.

#include <array>
#include <cstddef>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <xtensor/xlayout.hpp>

#include "engine.hpp"

namespace xoptim
{
    namespace detail
    {
        // Whether E has xtensor's data interface: a buffer, an offset into it and strides.
        template <class E>
        concept has_strided_data = requires(E& e)
        {
            e.data();
            e.data_offset();
            e.strides();
            e.shape();
        };

        // The element pointer type of such an E (const for a const container).
        template <class E>
        using first_element_t = decltype(std::declval<E&>().data() + std::declval<E&>().data_offset());

        [[noreturn]] inline void throw_rank(std::size_t rank, std::size_t max_rank)
        {
            throw std::invalid_argument("xoptim::tensor_ref: rank " + std::to_string(rank) + " is more than the "
                                        + std::to_string(max_rank) + " supported");
        }
    }

    // V is the element type, const for a read-only tensor (a gradient).
    template <class V>
    class tensor_ref
    {
    public:
        using value_type = std::remove_const_t<V>;
        using shape_type = std::span<const std::size_t>;
        static constexpr std::size_t max_rank = 8;

        // Strides in elements, by value: a packed tensor does not store its own.
        class strides_type
        {
        public:
            std::size_t size() const noexcept { return m_rank; }
            std::ptrdiff_t operator[](std::size_t d) const noexcept { return m_strides[d]; }
            const std::ptrdiff_t* begin() const noexcept { return m_strides.data(); }
            const std::ptrdiff_t* end() const noexcept { return m_strides.data() + m_rank; }

        private:
            friend class tensor_ref;
            std::array<std::ptrdiff_t, max_rank> m_strides{};
            std::size_t m_rank = 0;
        };

        // Row-major order over the elements, whatever the strides.
        class iterator
        {
        public:
            using iterator_category = std::forward_iterator_tag;
            using value_type = std::remove_const_t<V>;
            using difference_type = std::ptrdiff_t;
            using pointer = V*;
            using reference = V&;

            iterator() noexcept = default;
            iterator(const tensor_ref* ref, std::size_t flat) noexcept : m_ref(ref), m_flat(flat), m_at(ref->m_data) {}

            reference operator*() const noexcept { return *m_at; }
            pointer operator->() const noexcept { return m_at; }
            iterator& operator++() noexcept
            {
                ++m_flat;
                if (m_ref->m_contiguous)
                {
                    ++m_at;
                    return *this;
                }
                for (std::size_t d = m_ref->m_rank; d-- > 0;)
                {
                    m_at += m_ref->m_strides[d];
                    if (++m_index[d] < m_ref->m_shape[d]) { return *this; }
                    m_at -= m_ref->m_strides[d] * static_cast<std::ptrdiff_t>(m_ref->m_shape[d]);
                    m_index[d] = 0;
                }
                return *this;
            }
            iterator operator++(int) noexcept
            {
                iterator before = *this;
                ++*this;
                return before;
            }
            friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.m_flat == b.m_flat; }

        private:
            const tensor_ref* m_ref = nullptr;
            std::size_t m_flat = 0;
            V* m_at = nullptr;
            std::array<std::size_t, max_rank> m_index{};
        };

        // No tensor: a gradient that is absent this step (torch's `grad is None`).
        tensor_ref() noexcept = default;

        // A copy copies the strides only of a strided tensor: a packed one has none stored,
        // and the copy of a reference is on the path of every tensor of a type-erased step.
        tensor_ref(const tensor_ref& other) noexcept
            : m_data(other.m_data), m_size(other.m_size), m_rank(other.m_rank), m_shape(other.m_shape),
              m_contiguous(other.m_contiguous), m_present(other.m_present)
        {
            if (!m_contiguous) { m_strides = other.m_strides; }
        }
        tensor_ref& operator=(const tensor_ref& other) noexcept
        {
            m_data = other.m_data;
            m_size = other.m_size;
            m_rank = other.m_rank;
            m_shape = other.m_shape;
            m_contiguous = other.m_contiguous;
            m_present = other.m_present;
            if (!m_contiguous) { m_strides = other.m_strides; }
            return *this;
        }

        // A packed row-major tensor at `data`.
        tensor_ref(V* data, std::span<const std::size_t> shape) : m_data(data), m_rank(shape.size()), m_present(true)
        {
            if (m_rank > max_rank) { detail::throw_rank(m_rank, max_rank); }
            for (std::size_t d = 0; d < m_rank; ++d) { m_shape[d] = shape[d]; }
            pack();
        }

        // A strided tensor whose first element is at `data`; strides in elements, any sign.
        tensor_ref(V* data, std::span<const std::size_t> shape, std::span<const std::ptrdiff_t> strides)
            : m_data(data), m_rank(shape.size()), m_present(true)
        {
            if (m_rank > max_rank) { detail::throw_rank(m_rank, max_rank); }
            if (strides.size() != m_rank)
            {
                throw std::invalid_argument("xoptim::tensor_ref: " + std::to_string(strides.size())
                                            + " strides for a shape of rank " + std::to_string(m_rank));
            }
            for (std::size_t d = 0; d < m_rank; ++d)
            {
                m_shape[d] = shape[d];
                m_strides[d] = strides[d];
            }
            finish_strided();
        }

        // Any xtensor container or view of value type V with a buffer: xtensor, xarray,
        // xtensor_fixed, xt::adapt, a view or strided view (ranges with steps, a transpose), a
        // column-major container. A parameter (V not const) whose elements overlap (a stride of
        // 0 over an extent above 1) is refused, naming its shape and strides.
        template <class E>
        requires(!std::is_same_v<std::remove_cvref_t<E>, tensor_ref> && (requires(E & e) {
            e.shape();
            {
                detail::contiguous_data(e)
                } -> std::convertible_to<V*>;
        }) && (!detail::has_strided_data<E> || std::is_convertible_v<detail::first_element_t<E>, V*>))
            tensor_ref(E& e)  // NOLINT: implicit, so that a list of tensors converts element by element
            : m_rank(e.shape().size()), m_present(true)
        {
            if (m_rank > max_rank) { detail::throw_rank(m_rank, max_rank); }
            const auto& s = e.shape();
            for (std::size_t d = 0; d < m_rank; ++d) { m_shape[d] = static_cast<std::size_t>(s[d]); }
            if (V* p = detail::contiguous_data(e))
            {
                m_data = p;
                pack();
                return;
            }
            if constexpr (detail::has_strided_data<E>)
            {
                m_data = e.data() + e.data_offset();
                const auto& st = e.strides();
                for (std::size_t d = 0; d < m_rank; ++d) { m_strides[d] = static_cast<std::ptrdiff_t>(st[d]); }
                finish_strided();
            }
            else
            {
                pack();
                if (m_size != 0)
                {
                    throw std::invalid_argument("xoptim::tensor_ref: a tensor of shape "
                                                + detail::shape_string(e.shape())
                                                + " has no buffer to refer to; evaluate it first (xt::eval)");
                }
            }
        }

        // A read-only view of a mutable tensor.
        template <class W>
        requires(std::is_const_v<V>&& std::is_same_v<W, value_type>) tensor_ref(const tensor_ref<W>& other)
        noexcept
            : m_data(other.m_data), m_size(other.m_size), m_rank(other.m_rank), m_shape(other.m_shape),
              m_contiguous(other.m_contiguous), m_present(other.m_present)
        {
            if (!m_contiguous) { m_strides = other.m_strides; }
        }

        // False for a default-constructed reference: no tensor (an absent gradient).
        bool present() const noexcept { return m_present; }
        explicit operator bool() const noexcept { return m_present; }

        // The first element (of a strided tensor too).
        V* data() const noexcept { return m_data; }
        std::size_t data_offset() const noexcept { return 0; }
        std::size_t size() const noexcept { return m_size; }
        std::size_t dimension() const noexcept { return m_rank; }
        shape_type shape() const noexcept { return shape_type(m_shape.data(), m_rank); }
        strides_type strides() const noexcept
        {
            strides_type out;
            out.m_rank = m_rank;
            if (!m_contiguous)
            {
                for (std::size_t d = 0; d < m_rank; ++d) { out.m_strides[d] = m_strides[d]; }
                return out;
            }
            std::ptrdiff_t packed = 1;
            for (std::size_t d = m_rank; d-- > 0;)
            {
                out.m_strides[d] = packed;
                packed *= static_cast<std::ptrdiff_t>(m_shape[d]);
            }
            return out;
        }

        // Whether the elements are packed in row-major order from data().
        bool contiguous() const noexcept { return m_contiguous; }
        // data() if contiguous, else null (what the engine asks of every operand).
        V* contiguous_data() const noexcept { return m_contiguous ? m_data : nullptr; }

        template <xt::layout_type L = xt::layout_type::row_major>
        iterator begin() const noexcept
        {
            return iterator(this, 0);
        }
        template <xt::layout_type L = xt::layout_type::row_major>
        iterator end() const noexcept
        {
            return iterator(this, m_size);
        }
        template <xt::layout_type L = xt::layout_type::row_major>
        iterator cbegin() const noexcept
        {
            return iterator(this, 0);
        }
        template <xt::layout_type L = xt::layout_type::row_major>
        iterator cend() const noexcept
        {
            return iterator(this, m_size);
        }

    private:
        template <class W>
        friend class tensor_ref;

        // A packed row-major tensor of m_shape (its strides are not stored); sets the size.
        void pack() noexcept
        {
            m_size = 1;
            for (std::size_t d = 0; d < m_rank; ++d) { m_size *= m_shape[d]; }
            m_contiguous = true;
        }

        // Size and contiguity of strided m_shape/m_strides; refuses overlapping parameters.
        void finish_strided()
        {
            m_size = 1;
            std::ptrdiff_t expected = 1;
            m_contiguous = true;
            for (std::size_t d = m_rank; d-- > 0;)
            {
                if (m_shape[d] != 1 && m_strides[d] != expected) { m_contiguous = false; }
                expected *= static_cast<std::ptrdiff_t>(m_shape[d]);
                m_size *= m_shape[d];
            }
            if (m_size == 0) { m_contiguous = true; }
            if constexpr (!std::is_const_v<V>)
            {
                for (std::size_t d = 0; d < m_rank && m_size != 0; ++d)
                {
                    if (m_shape[d] > 1 && m_strides[d] == 0)
                    {
                        throw std::invalid_argument("xoptim::tensor_ref: a parameter of shape "
                                                    + detail::shape_string(shape()) + " with strides "
                                                    + detail::shape_string(strides())
                                                    + " repeats its elements; step the tensor it views instead");
                    }
                }
            }
            if (m_contiguous) { pack(); }
        }

        V* m_data = nullptr;
        std::size_t m_size = 0;
        std::size_t m_rank = 0;
        std::array<std::size_t, max_rank> m_shape{};
        // Set, copied and read only when !m_contiguous (a packed tensor derives its strides).
        std::array<std::ptrdiff_t, max_rank> m_strides;
        bool m_contiguous = true;
        bool m_present = false;
    };

    // A gradient by reference: read-only, possibly absent.
    template <class V>
    using grad_ref = tensor_ref<const V>;

    template <class E>
    tensor_ref(E&) -> tensor_ref<std::remove_pointer_t<decltype(detail::contiguous_data(std::declval<E&>()))>>;
}
