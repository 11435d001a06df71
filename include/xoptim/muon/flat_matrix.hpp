#pragma once
// flat_matrix<M>: a matrix optimizer (Muon, Shampoo) stepping parameters kept as one vector, read
// as a rows x cols row-major matrix in place (no copy): what fit() and other vector loops step.

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "../core/tensor_ref.hpp"
#include "matrix_optimizer.hpp"

namespace xoptim
{
    // M is a matrix_optimizer<Rule, V>.
    template <class M>
    concept matrix_stepper = requires
    {
        typename M::rule_type;
        typename M::value_type;
    }
    &&std::is_same_v<M, matrix_optimizer<typename M::rule_type, typename M::value_type>>;

    template <matrix_stepper M>
    class flat_matrix
    {
    public:
        using optimizer_type = M;
        using value_type = typename M::value_type;

        // Throws std::invalid_argument naming the shape when it has no elements.
        flat_matrix(M opt, std::size_t rows, std::size_t cols) : m_opt(std::move(opt)), m_shape{rows, cols}
        {
            if (rows == 0 || cols == 0 || rows > std::numeric_limits<std::size_t>::max() / cols)
            {
                throw std::invalid_argument(std::string(M::rule_type::name) + ": a flat matrix of shape {"
                                            + std::to_string(rows) + ", " + std::to_string(cols)
                                            + "} has no elements, or more than a size_t counts");
            }
        }

        std::size_t rows() const noexcept { return m_shape[0]; }
        std::size_t cols() const noexcept { return m_shape[1]; }
        M& optimizer() noexcept { return m_opt; }
        const M& optimizer() const noexcept { return m_opt; }
        double learning_rate() const noexcept { return m_opt.learning_rate(); }
        std::uint64_t step_count() const noexcept { return m_opt.step_count(); }

        // One step of `theta` (rows * cols values packed in row-major order, any rank) with `grad` of the same size; a
        // size that does not fit is an error naming both, and nothing changes.
        template <class P, class G>
        void step(P& theta, const G& grad)
        {
            const tensor_ref<value_type> t(theta);
            const grad_ref<value_type> d(grad);
            check("theta", t);
            check("grad", d);
            tensor_ref<value_type> p(t.contiguous_data(), m_shape);
            grad_ref<value_type> g(d.contiguous_data(), m_shape);
            m_opt.step(p, g);
        }

    private:
        template <class T>
        void check(const char* what, const tensor_ref<T>& t) const
        {
            if (!t.contiguous())
            {
                throw std::invalid_argument(std::string(M::rule_type::name) + "::step: " + what
                                            + " is not packed in row-major order (a flat matrix is read in place)");
            }
            const std::size_t size = t.size();
            if (size != m_shape[0] * m_shape[1])
            {
                throw std::invalid_argument(std::string(M::rule_type::name) + "::step: " + what + " has "
                                            + std::to_string(size) + " values, the matrix {"
                                            + std::to_string(m_shape[0]) + ", " + std::to_string(m_shape[1]) + "} has "
                                            + std::to_string(m_shape[0] * m_shape[1]));
            }
        }

        M m_opt;
        std::array<std::size_t, 2> m_shape;
    };
}
