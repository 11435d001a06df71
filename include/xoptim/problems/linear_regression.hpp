#pragma once
// Linear regression under a loss: y_hat_i = theta0 + sum_j theta_j x_ij (intercept first),
// objective L(theta) = loss(y_hat, y), a mean over the samples, with its analytic gradient
// dL/dtheta0 = sum_i dL/dy_hat_i,  dL/dtheta_j = sum_i dL/dy_hat_i x_ij.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/losses/loss.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/problems/dataset.hpp>
#include <xoptim/problems/objective.hpp>

namespace xoptim
{

    /// Ordinary least squares by the normal equations on centred inputs (Cholesky); returns
    /// theta of d + 1 (intercept first). This is the minimiser of MSE and RMSE (not of MAE or
    /// Huber). Throws std::domain_error when the input columns are collinear (or constant).
    inline xt::xtensor<double, 1> least_squares(const xt::xtensor<double, 2>& x, const xt::xtensor<double, 1>& y)
    {
        detail::check_dataset(x, y);
        const std::size_t n = y.size();
        const std::size_t d = x.shape()[1];
        std::vector<double> mean_x(d, 0.0);
        double mean_y = 0.0;
        for (std::size_t i = 0; i < n; ++i)
        {
            for (std::size_t j = 0; j < d; ++j) { mean_x[j] += x(i, j); }
            mean_y += y(i);
        }
        for (auto& m : mean_x) { m /= static_cast<double>(n); }
        mean_y /= static_cast<double>(n);

        // a = Xc^T Xc (d x d, row-major), b = Xc^T yc.
        std::vector<double> a(d * d, 0.0);
        std::vector<double> b(d, 0.0);
        for (std::size_t i = 0; i < n; ++i)
        {
            const double yc = y(i) - mean_y;
            for (std::size_t j = 0; j < d; ++j)
            {
                const double xj = x(i, j) - mean_x[j];
                b[j] += xj * yc;
                for (std::size_t k = 0; k <= j; ++k) { a[j * d + k] += xj * (x(i, k) - mean_x[k]); }
            }
        }
        // Cholesky a = l l^T, in place in the lower triangle.
        double largest_diagonal = 0.0;
        for (std::size_t j = 0; j < d; ++j) { largest_diagonal = std::max(largest_diagonal, a[j * d + j]); }
        for (std::size_t j = 0; j < d; ++j)
        {
            double diag = a[j * d + j];
            for (std::size_t k = 0; k < j; ++k) { diag -= a[j * d + k] * a[j * d + k]; }
            if (!(diag > 1e-13 * largest_diagonal) || !(largest_diagonal > 0.0))
            {
                throw std::domain_error("least_squares: input column " + std::to_string(j)
                                        + " is constant or collinear with the others");
            }
            const double l_jj = std::sqrt(diag);
            a[j * d + j] = l_jj;
            for (std::size_t i = j + 1; i < d; ++i)
            {
                double s = a[i * d + j];
                for (std::size_t k = 0; k < j; ++k) { s -= a[i * d + k] * a[j * d + k]; }
                a[i * d + j] = s / l_jj;
            }
        }
        // Solve l z = b, then l^T w = z.
        for (std::size_t i = 0; i < d; ++i)
        {
            double s = b[i];
            for (std::size_t k = 0; k < i; ++k) { s -= a[i * d + k] * b[k]; }
            b[i] = s / a[i * d + i];
        }
        for (std::size_t i = d; i-- > 0;)
        {
            double s = b[i];
            for (std::size_t k = i + 1; k < d; ++k) { s -= a[k * d + i] * b[k]; }
            b[i] = s / a[i * d + i];
        }
        xt::xtensor<double, 1> theta = xt::zeros<double>({d + 1});
        double intercept = mean_y;
        for (std::size_t j = 0; j < d; ++j)
        {
            theta(j + 1) = b[j];
            intercept -= b[j] * mean_x[j];
        }
        theta(0) = intercept;
        return theta;
    }

    inline xt::xtensor<double, 1> least_squares(const dataset& data) { return least_squares(data.x, data.y); }

    /// The linear model fitted under `Loss`: full batch (`value(theta)`, `gradient(theta, g)`)
    /// and on a batch of sample indices (`value(theta, batch)`, `gradient(theta, batch, g)`).
    /// Keeps scratch buffers for the predictions: one object must not be evaluated from two
    /// threads at once (copy it instead).
    template <loss Loss = mse>
    class linear_regression
    {
    public:
        using loss_type = Loss;

        linear_regression(xt::xtensor<double, 2> x, xt::xtensor<double, 1> y, Loss l = Loss{})
            : m_x(std::move(x)), m_y(std::move(y)), m_loss(std::move(l))
        {
            detail::check_dataset(m_x, m_y);
            for (std::size_t i = 0; i < m_x.size(); ++i)
            {
                if (!std::isfinite(m_x.data()[i]))
                {
                    throw std::invalid_argument("x: non-finite value at row " + std::to_string(i / m_x.shape()[1]));
                }
            }
            for (std::size_t i = 0; i < m_y.size(); ++i)
            {
                if (!std::isfinite(m_y(i)))
                {
                    throw std::invalid_argument("y: non-finite value at row " + std::to_string(i));
                }
            }
        }

        explicit linear_regression(dataset data, Loss l = Loss{})
            : linear_regression(std::move(data.x), std::move(data.y), std::move(l))
        {}

        /// Number of samples n.
        std::size_t size() const noexcept { return m_y.size(); }
        /// Number of inputs d.
        std::size_t features() const noexcept { return m_x.shape()[1]; }
        /// Number of parameters d + 1.
        std::size_t dimension() const noexcept { return features() + 1; }

        const xt::xtensor<double, 2>& x() const noexcept { return m_x; }
        const xt::xtensor<double, 1>& y() const noexcept { return m_y; }
        const Loss& loss() const noexcept { return m_loss; }

        /// The least-squares parameters for this data (the optimum of MSE and RMSE).
        xt::xtensor<double, 1> least_squares() const { return xoptim::least_squares(m_x, m_y); }

        /// Predictions theta0 + x theta[1:] for every sample.
        template <class P>
        xt::xtensor<double, 1> predict(const P& theta) const
        {
            check_theta(theta);
            xt::xtensor<double, 1> out = xt::zeros<double>({size()});
            for (std::size_t i = 0; i < size(); ++i) { out(i) = predict_one(theta, i); }
            return out;
        }

        // ------------------------------------------------------------------ full batch
        template <class P>
        double value(const P& theta) const
        {
            fill_predictions(theta);
            return m_loss.value(m_pred, m_y);
        }

        template <class P, class G>
        void gradient(const P& theta, G& g) const
        {
            fill_predictions(theta);
            m_loss.gradient(m_pred, m_y, m_dloss);
            accumulate(g, [](std::size_t i) { return i; });
        }

        template <class P, class G>
        double value_and_gradient(const P& theta, G& g) const
        {
            fill_predictions(theta);
            const double v = m_loss.value(m_pred, m_y);
            m_loss.gradient(m_pred, m_y, m_dloss);
            accumulate(g, [](std::size_t i) { return i; });
            return v;
        }

        // ------------------------------------------------------------------ a batch
        template <class P>
        double value(const P& theta, batch_indices batch) const
        {
            fill_batch(theta, batch);
            return m_loss.value(m_pred, m_batch_y);
        }

        template <class P, class G>
        void gradient(const P& theta, batch_indices batch, G& g) const
        {
            fill_batch(theta, batch);
            m_loss.gradient(m_pred, m_batch_y, m_dloss);
            accumulate(g, [batch](std::size_t k) { return batch[k]; });
        }

        template <class P, class G>
        double value_and_gradient(const P& theta, batch_indices batch, G& g) const
        {
            fill_batch(theta, batch);
            const double v = m_loss.value(m_pred, m_batch_y);
            m_loss.gradient(m_pred, m_batch_y, m_dloss);
            accumulate(g, [batch](std::size_t k) { return batch[k]; });
            return v;
        }

    private:
        template <class P>
        void check_theta(const P& theta) const
        {
            if (theta.dimension() != 1 || theta.size() != dimension())
            {
                throw std::invalid_argument("theta: size " + std::to_string(theta.size()) + ", expected "
                                            + std::to_string(dimension()) + " (intercept and one weight per input)");
            }
        }

        template <class P>
        double predict_one(const P& theta, std::size_t i) const
        {
            double p = static_cast<double>(theta(0));
            for (std::size_t j = 0; j < features(); ++j) { p += static_cast<double>(theta(j + 1)) * m_x(i, j); }
            return p;
        }

        static void ensure_size(xt::xtensor<double, 1>& buffer, std::size_t n)
        {
            if (buffer.size() != n) { buffer.resize({n}); }
        }

        template <class P>
        void fill_predictions(const P& theta) const
        {
            check_theta(theta);
            ensure_size(m_pred, size());
            for (std::size_t i = 0; i < size(); ++i) { m_pred(i) = predict_one(theta, i); }
        }

        template <class P>
        void fill_batch(const P& theta, batch_indices batch) const
        {
            check_theta(theta);
            if (batch.empty()) { throw std::invalid_argument("batch: empty"); }
            ensure_size(m_pred, batch.size());
            ensure_size(m_batch_y, batch.size());
            for (std::size_t k = 0; k < batch.size(); ++k)
            {
                if (batch[k] >= size())
                {
                    throw std::invalid_argument("batch: index " + std::to_string(batch[k]) + " out of range for "
                                                + std::to_string(size()) + " samples");
                }
                m_pred(k) = predict_one(theta, batch[k]);
                m_batch_y(k) = m_y(batch[k]);
            }
        }

        /// g = sum_k dloss_k * [1, x_row(k)], for the sample row(k) behind each term.
        template <class G, class Row>
        void accumulate(G& g, Row row) const
        {
            if (g.dimension() != 1 || g.size() != dimension())
            {
                if constexpr (requires { g.resize({std::size_t{}}); }) { g.resize({dimension()}); }
                else
                {
                    throw std::invalid_argument("gradient: size " + std::to_string(g.size()) + ", expected "
                                                + std::to_string(dimension()));
                }
            }
            const std::size_t d = features();
            double g0 = 0.0;
            for (std::size_t k = 0; k < m_dloss.size(); ++k) { g0 += m_dloss(k); }
            g(0) = g0;
            for (std::size_t j = 0; j < d; ++j)
            {
                double s = 0.0;
                for (std::size_t k = 0; k < m_dloss.size(); ++k) { s += m_dloss(k) * m_x(row(k), j); }
                g(j + 1) = s;
            }
        }

        xt::xtensor<double, 2> m_x;
        xt::xtensor<double, 1> m_y;
        Loss m_loss;
        mutable xt::xtensor<double, 1> m_pred;
        mutable xt::xtensor<double, 1> m_batch_y;
        mutable xt::xtensor<double, 1> m_dloss;
    };

    static_assert(separable_objective<linear_regression<mse>, xt::xtensor<double, 1>>);

}  // namespace xoptim
