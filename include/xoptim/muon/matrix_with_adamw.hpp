#pragma once
// A matrix optimizer (Muon, Shampoo: muon/matrix_optimizer.hpp) for the 2-D parameters and AdamW
// for the rest, in one optimizer: add_params routes each tensor by rank, step(grads) steps both in
// the order the tensors were added. The AdamW part is xoptim::adamw itself, so a 1-D tensor moves
// exactly as it would under a plain adamw. A 2-D tensor that should stay on AdamW is added with
// add_adamw_params. muon_with_adamw and shampoo_with_adamw name it for each rule.

#include <cstddef>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/tensor_ref.hpp"
#include "../optimizers.hpp"
#include "matrix_optimizer.hpp"

namespace xoptim
{
    template <class Rule, class V = double>
    class matrix_with_adamw
    {
    public:
        using value_type = V;
        using matrix_type = matrix_optimizer<Rule, V>;
        using adamw_type = decltype(xoptim::adamw<V>(adamw_options{}));

        // Which optimizer a tensor went to.
        enum class route : unsigned char
        {
            matrix,
            adamw
        };

        explicit matrix_with_adamw(const typename Rule::options_type& m = {}, const adamw_options& a = {})
            : m_matrix(m), m_adamw(xoptim::adamw<V>(a))
        {}

        // Registers tensors (by reference, as optimizer::add_group does): each 2-D one to the matrix
        // optimizer,
        // any other rank to AdamW (one AdamW group per call that has any). Returns how many went
        // to the matrix optimizer. Nothing is registered if a tensor is absent.
        std::size_t add_params(std::vector<tensor_ref<V>> params) { return add(std::move(params), false); }
        // Registers tensors with AdamW whatever their rank.
        void add_adamw_params(std::vector<tensor_ref<V>> params) { add(std::move(params), true); }

        std::size_t registered_count() const noexcept { return m_routes.size(); }
        route route_of(std::size_t k) const { return m_routes.at(k); }

        // One step of every registered tensor, gradients in the order the tensors were added;
        // absent gradients leave their tensors as they are. Counts and shapes are checked
        // before anything changes. Returns false if AdamW skipped the step (its non-finite
        // policy), and then the matrix optimizer does not step
        // either.
        bool step(std::span<const grad_ref<V>> grads)
        {
            if (grads.size() != m_routes.size())
            {
                throw std::invalid_argument(std::string(Rule::name) + "_with_adamw::step: grads has "
                                            + std::to_string(grads.size()) + " tensors, "
                                            + std::to_string(m_routes.size()) + " are registered");
            }
            for (std::size_t k = 0; k < grads.size(); ++k)
            {
                if (grads[k].present() && !detail::same_shape(grads[k].shape(), m_params[k].shape()))
                {
                    throw std::invalid_argument(std::string(Rule::name) + "_with_adamw::step: grad of tensor "
                                                + std::to_string(k) + " has shape "
                                                + detail::shape_string(grads[k].shape()) + ", its parameter "
                                                + detail::shape_string(m_params[k].shape()));
                }
            }
            std::size_t im = 0, ia = 0;
            for (std::size_t k = 0; k < grads.size(); ++k)
            {
                if (m_routes[k] == route::matrix) { m_matrix_grads[im++] = grads[k]; }
                else { m_adamw_grads[ia++] = grads[k]; }
            }
            if (!m_adamw_grads.empty() && !m_adamw.step(std::span<const grad_ref<V>>(m_adamw_grads))) { return false; }
            if (!m_matrix_grads.empty()) { m_matrix.step(std::span<const grad_ref<V>>(m_matrix_grads)); }
            return true;
        }
        bool step(std::initializer_list<grad_ref<V>> grads)
        {
            return step(std::span<const grad_ref<V>>(grads.begin(), grads.size()));
        }

        matrix_type& matrix() noexcept { return m_matrix; }
        const matrix_type& matrix() const noexcept { return m_matrix; }
        adamw_type& adamw() noexcept { return m_adamw; }
        const adamw_type& adamw() const noexcept { return m_adamw; }

    private:
        std::size_t add(std::vector<tensor_ref<V>> params, bool all_adamw)
        {
            std::vector<tensor_ref<V>> to_matrix, to_adamw;
            for (std::size_t k = 0; k < params.size(); ++k)
            {
                if (!params[k].present())
                {
                    throw std::invalid_argument(std::string(Rule::name) + "_with_adamw::add_params: parameter "
                                                + std::to_string(m_routes.size() + k) + " is absent");
                }
                (!all_adamw && params[k].dimension() == 2 ? to_matrix : to_adamw).push_back(params[k]);
            }
            if (!to_adamw.empty()) { m_adamw.add_group(to_adamw); }
            if (!to_matrix.empty()) { m_matrix.add_params(to_matrix); }
            for (const auto& p : params)
            {
                m_routes.push_back(!all_adamw && p.dimension() == 2 ? route::matrix : route::adamw);
                m_params.push_back(p);
            }
            m_matrix_grads.resize(m_matrix.registered_count());
            m_adamw_grads.resize(m_adamw.registered_count());
            return to_matrix.size();
        }

        matrix_type m_matrix;
        adamw_type m_adamw;
        std::vector<route> m_routes;
        std::vector<tensor_ref<V>> m_params;
        std::vector<grad_ref<V>> m_matrix_grads;  // gathered per step, sized once
        std::vector<grad_ref<V>> m_adamw_grads;
    };

}
