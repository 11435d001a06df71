#pragma once
// L-BFGS's memory: the last history_size pairs (s_k, y_k) with rho_k = 1 / (y_k . s_k), in a
// ring buffer whose slots are allocated once, and the two-loop recursion over them
// (Nocedal & Wright, Numerical Optimization, 2nd ed., Algorithm 7.4), in the order
// torch.optim.LBFGS runs it (torch/optim/lbfgs.py of PyTorch 1.13, LBFGS.step).

#include <cstddef>
#include <utility>
#include <vector>

#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

#include "flat.hpp"

namespace xoptim
{
    template <class V>
    class lbfgs_history
    {
    public:
        using vector_type = xt::xtensor<V, 1>;

        lbfgs_history() = default;
        explicit lbfgs_history(std::size_t capacity)
            : m_y(capacity), m_s(capacity), m_ro(capacity, V(0)), m_al(capacity, V(0))
        {}

        std::size_t capacity() const noexcept { return m_y.size(); }
        std::size_t size() const noexcept { return m_count; }
        void clear() noexcept
        {
            m_first = 0;
            m_count = 0;
        }

        // Pair i, oldest first (torch's old_dirs[i], old_stps[i], ro[i]).
        const vector_type& y(std::size_t i) const { return m_y[slot(i)]; }
        const vector_type& s(std::size_t i) const { return m_s[slot(i)]; }
        V ro(std::size_t i) const { return m_ro[slot(i)]; }

        // Appends (s, y, ro) by swapping the vectors in: `y` and `s` receive the storage of
        // the slot they replace (the oldest pair when the buffer is full, else an unused slot,
        // possibly empty), so a slot's memory is allocated once and then reused.
        void push(vector_type& y, vector_type& s, V ro)
        {
            std::size_t k = 0;
            if (m_count == capacity())
            {
                k = m_first;
                m_first = (m_first + 1) % capacity();
            }
            else
            {
                k = (m_first + m_count) % capacity();
                ++m_count;
            }
            std::swap(m_y[k], y);
            std::swap(m_s[k], s);
            m_ro[k] = ro;
        }

        // d <- H g' where g' = d on entry (torch passes q = -grad) and H the L-BFGS inverse
        // Hessian with initial scale h_diag:
        //   for i = newest .. oldest: al_i = ro_i s_i.q;  q <- q - al_i y_i
        //   r = h_diag q
        //   for i = oldest .. newest: be_i = ro_i y_i.r;  r <- r + (al_i - be_i) s_i
        void two_loop(vector_type& d, V h_diag)
        {
            for (std::size_t i = m_count; i-- > 0;)
            {
                const V al = detail::lbfgs_ops::dot(s(i), d) * ro(i);
                m_al[i] = al;
                xt::noalias(d) += (-al) * y(i);
            }
            xt::noalias(d) *= h_diag;
            for (std::size_t i = 0; i < m_count; ++i)
            {
                const V be = detail::lbfgs_ops::dot(y(i), d) * ro(i);
                xt::noalias(d) += (m_al[i] - be) * s(i);
            }
        }

        // Replaces the contents with pairs given oldest first (a checkpoint being loaded).
        void assign(std::vector<vector_type> ys, std::vector<vector_type> ss, const std::vector<V>& ros)
        {
            clear();
            for (std::size_t i = 0; i < ys.size(); ++i) { push(ys[i], ss[i], ros[i]); }
        }

    private:
        std::size_t slot(std::size_t i) const noexcept { return (m_first + i) % capacity(); }

        std::vector<vector_type> m_y, m_s;
        std::vector<V> m_ro;
        std::vector<V> m_al;  // the first loop's coefficients, scratch
        std::size_t m_first = 0, m_count = 0;
    };
}
