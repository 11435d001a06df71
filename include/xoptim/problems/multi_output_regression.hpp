#pragma once
// Linear regression with k outputs: Y_hat = [1 X] W, W a (d + 1) x k matrix (row 0 the intercepts),
// objective L(W) = loss(Y_hat, Y) over all n k entries (a mean), gradient dL/dW = [1 X]^T dL/dY_hat.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

#include <xtensor/xtensor.hpp>

#include <xoptim/core/validate.hpp>
#include <xoptim/losses/loss.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/problems/batches.hpp>
#include <xoptim/problems/dataset.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/objective.hpp>

namespace xoptim
{

    /// A data set with several targets per sample: `x` (n x d) inputs, `y` (n x k) targets.
    struct multi_output_dataset
    {
        xt::xtensor<double, 2> x;  ///< n x d inputs
        xt::xtensor<double, 2> y;  ///< n x k targets

        std::size_t size() const noexcept { return y.shape()[0]; }
        std::size_t features() const noexcept { return x.shape()[1]; }
        std::size_t outputs() const noexcept { return y.shape()[1]; }
    };

    /// The same samples with their last `outputs` columns as targets: a CSV loaded by load_csv
    /// (inputs in x, the last column in y) whose last k columns are the k targets. Throws
    /// std::invalid_argument when `outputs` is 0 or leaves no input column.
    inline multi_output_dataset split_outputs(const dataset& data, std::size_t outputs)
    {
        const std::size_t columns = data.features() + 1;
        if (outputs == 0 || outputs >= columns)
        {
            throw std::invalid_argument("outputs: " + std::to_string(outputs) + " target columns of "
                                        + std::to_string(columns)
                                        + " (at least 1, and at least one input column left)");
        }
        const std::size_t n = data.size();
        const std::size_t d = columns - outputs;
        multi_output_dataset out{xt::zeros<double>({n, d}), xt::zeros<double>({n, outputs})};
        for (std::size_t i = 0; i < n; ++i)
        {
            for (std::size_t j = 0; j < d; ++j) { out.x(i, j) = data.x(i, j); }
            for (std::size_t c = 0; c + 1 < outputs; ++c) { out.y(i, c) = data.x(i, d + c); }
            out.y(i, outputs - 1) = data.y(i);
        }
        return out;
    }

    struct multi_output_data_options
    {
        std::size_t size = 100;    ///< samples n
        std::size_t features = 8;  ///< inputs d
        std::size_t outputs = 4;   ///< targets k
        double scale = 5.0;        ///< the generating weights are U(-scale, scale)
        double noise = 1.0;        ///< e ~ U(0, noise), one per target
    };

    /// A generated multi-output data set from a seeded std::mt19937_64, as seed_data makes the
    /// seed's line: all of x ~ U(-1, 1) first (row by row), then the generating (d + 1) x k
    /// weights ~ U(-scale, scale) (row 0 the intercepts), then the noise; y = [1 x] W + e.
    inline multi_output_dataset multi_output_data(std::uint64_t seed = 0, const multi_output_data_options& o = {})
    {
        if (o.size == 0) { throw std::invalid_argument("size: must be at least 1, got 0"); }
        if (o.features == 0) { throw std::invalid_argument("features: must be at least 1, got 0"); }
        if (o.outputs == 0) { throw std::invalid_argument("outputs: must be at least 1, got 0"); }
        if (!(o.scale >= 0.0) || !std::isfinite(o.scale))
        {
            throw std::invalid_argument("scale: must be finite and >= 0, got " + detail::format_value(o.scale));
        }
        if (!(o.noise >= 0.0) || !std::isfinite(o.noise))
        {
            throw std::invalid_argument("noise: must be finite and >= 0, got " + detail::format_value(o.noise));
        }
        std::mt19937_64 rng(seed);
        multi_output_dataset data{xt::zeros<double>({o.size, o.features}), xt::zeros<double>({o.size, o.outputs})};
        for (auto& v : data.x) { v = -1.0 + 2.0 * detail::uniform_unit(rng); }
        xt::xtensor<double, 2> w = xt::zeros<double>({o.features + 1, o.outputs});
        for (auto& v : w) { v = o.scale * (-1.0 + 2.0 * detail::uniform_unit(rng)); }
        for (std::size_t i = 0; i < o.size; ++i)
        {
            for (std::size_t c = 0; c < o.outputs; ++c)
            {
                double p = w(0, c);
                for (std::size_t j = 0; j < o.features; ++j) { p += w(j + 1, c) * data.x(i, j); }
                data.y(i, c) = p;
            }
        }
        for (auto& v : data.y) { v += o.noise * detail::uniform_unit(rng); }
        return data;
    }

    /// The multi-output linear model fitted under `Loss`. Its parameters are W, given either as
    /// the (d + 1) x k matrix or as one vector of its (d + 1) k entries in row-major order
    /// (theta_{r k + c} = W_rc); gradients come back in the same form. With k = 1 it is
    /// linear_regression, to the last bit. Keeps scratch buffers: one object must not be
    /// evaluated from two threads at once (copy it instead).
    template <loss Loss = mse>
    class multi_output_regression
    {
    public:
        using loss_type = Loss;

        multi_output_regression(xt::xtensor<double, 2> x, xt::xtensor<double, 2> y, Loss l = Loss{})
            : m_x(std::move(x)), m_loss(std::move(l))
        {
            if (m_x.shape()[0] != y.shape()[0])
            {
                throw std::invalid_argument("x: " + std::to_string(m_x.shape()[0]) + " rows do not match the "
                                            + std::to_string(y.shape()[0]) + " rows of y");
            }
            if (y.shape()[0] == 0) { throw std::invalid_argument("y: no samples"); }
            if (y.shape()[1] == 0) { throw std::invalid_argument("y: no target columns"); }
            if (m_x.shape()[1] == 0) { throw std::invalid_argument("x: no input columns"); }
            for (std::size_t i = 0; i < m_x.size(); ++i)
            {
                if (!std::isfinite(m_x.data()[i]))
                {
                    throw std::invalid_argument("x: non-finite value at row " + std::to_string(i / m_x.shape()[1]));
                }
            }
            for (std::size_t i = 0; i < y.size(); ++i)
            {
                if (!std::isfinite(y.data()[i]))
                {
                    throw std::invalid_argument("y: non-finite value at row " + std::to_string(i / y.shape()[1]));
                }
            }
            m_k = y.shape()[1];
            m_y = xt::xtensor<double, 1>::from_shape({y.size()});
            std::copy(y.begin(), y.end(), m_y.begin());
        }

        explicit multi_output_regression(multi_output_dataset data, Loss l = Loss{})
            : multi_output_regression(std::move(data.x), std::move(data.y), std::move(l))
        {}

        /// Number of samples n.
        std::size_t size() const noexcept { return m_x.shape()[0]; }
        /// Number of inputs d.
        std::size_t features() const noexcept { return m_x.shape()[1]; }
        /// Number of targets k.
        std::size_t outputs() const noexcept { return m_k; }
        /// Number of parameters (d + 1) k.
        std::size_t dimension() const noexcept { return (features() + 1) * m_k; }
        /// The shape of W: (d + 1) x k.
        std::array<std::size_t, 2> matrix_shape() const noexcept { return {features() + 1, m_k}; }

        const xt::xtensor<double, 2>& x() const noexcept { return m_x; }
        /// The targets, n x k.
        xt::xtensor<double, 2> targets() const
        {
            xt::xtensor<double, 2> out = xt::zeros<double>({size(), m_k});
            std::copy(m_y.begin(), m_y.end(), out.begin());
            return out;
        }
        const Loss& loss() const noexcept { return m_loss; }

        /// The least-squares W (each output's own least squares; the optimum of MSE and RMSE).
        xt::xtensor<double, 2> least_squares() const
        {
            xt::xtensor<double, 2> w = xt::zeros<double>({features() + 1, m_k});
            xt::xtensor<double, 1> column = xt::zeros<double>({size()});
            for (std::size_t c = 0; c < m_k; ++c)
            {
                for (std::size_t i = 0; i < size(); ++i) { column(i) = m_y(i * m_k + c); }
                const auto t = xoptim::least_squares(m_x, column);
                for (std::size_t r = 0; r <= features(); ++r) { w(r, c) = t(r); }
            }
            return w;
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
        /// Whether `t` is W as a matrix (else the flat vector), after checking its shape.
        template <class T>
        bool as_matrix(const T& t, const char* what) const
        {
            const auto shape = matrix_shape();
            if (t.dimension() == 2 && t.shape()[0] == shape[0] && t.shape()[1] == shape[1]) { return true; }
            if (t.dimension() == 1 && t.size() == dimension()) { return false; }
            throw std::invalid_argument(
                std::string(what) + ": " + std::to_string(t.size()) + " values in a tensor of rank "
                + std::to_string(t.dimension()) + ", expected the " + std::to_string(shape[0]) + " x "
                + std::to_string(shape[1]) + " matrix W (intercepts and one row of weights per input) or its "
                + std::to_string(dimension()) + " values as one vector");
        }

        template <class P>
        static double weight(const P& theta, bool matrix, std::size_t r, std::size_t c, std::size_t k)
        {
            if (matrix) { return static_cast<double>(theta(r, c)); }
            return static_cast<double>(theta(r * k + c));
        }

        template <class P>
        void predict_row(const P& theta, bool matrix, std::size_t i, double* out) const
        {
            for (std::size_t c = 0; c < m_k; ++c)
            {
                double p = weight(theta, matrix, 0, c, m_k);
                for (std::size_t j = 0; j < features(); ++j) { p += weight(theta, matrix, j + 1, c, m_k) * m_x(i, j); }
                out[c] = p;
            }
        }

        static void ensure_size(xt::xtensor<double, 1>& buffer, std::size_t n)
        {
            if (buffer.size() != n) { buffer.resize({n}); }
        }

        template <class P>
        void fill_predictions(const P& theta) const
        {
            const bool matrix = as_matrix(theta, "theta");
            ensure_size(m_pred, m_y.size());
            for (std::size_t i = 0; i < size(); ++i) { predict_row(theta, matrix, i, m_pred.data() + i * m_k); }
        }

        template <class P>
        void fill_batch(const P& theta, batch_indices batch) const
        {
            const bool matrix = as_matrix(theta, "theta");
            if (batch.empty()) { throw std::invalid_argument("batch: empty"); }
            ensure_size(m_pred, batch.size() * m_k);
            ensure_size(m_batch_y, batch.size() * m_k);
            for (std::size_t b = 0; b < batch.size(); ++b)
            {
                const std::size_t i = batch[b];
                if (i >= size())
                {
                    throw std::invalid_argument("batch: index " + std::to_string(i) + " out of range for "
                                                + std::to_string(size()) + " samples");
                }
                predict_row(theta, matrix, i, m_pred.data() + b * m_k);
                for (std::size_t c = 0; c < m_k; ++c) { m_batch_y(b * m_k + c) = m_y(i * m_k + c); }
            }
        }

        /// G_rc = sum_b dloss_(b, c) [1, x_row(b)]_r, for the sample row(b) behind each term.
        template <class G, class Row>
        void accumulate(G& g, Row row) const
        {
            // A vector of another size is resized, as linear_regression does; a matrix must be W's shape.
            if constexpr (requires { g.resize({std::size_t{}}); })
            {
                if (g.dimension() == 1 && g.size() != dimension()) { g.resize({dimension()}); }
            }
            const bool matrix = as_matrix(g, "gradient");
            const std::size_t samples = m_dloss.size() / m_k;
            const auto put = [&](std::size_t r, std::size_t c, double v) {
                if (matrix) { g(r, c) = v; }
                else { g(r * m_k + c) = v; }
            };
            for (std::size_t c = 0; c < m_k; ++c)
            {
                double g0 = 0.0;
                for (std::size_t b = 0; b < samples; ++b) { g0 += m_dloss(b * m_k + c); }
                put(0, c, g0);
                for (std::size_t j = 0; j < features(); ++j)
                {
                    double s = 0.0;
                    for (std::size_t b = 0; b < samples; ++b) { s += m_dloss(b * m_k + c) * m_x(row(b), j); }
                    put(j + 1, c, s);
                }
            }
        }

        xt::xtensor<double, 2> m_x;
        xt::xtensor<double, 1> m_y;  // n k targets, row-major
        std::size_t m_k = 1;
        Loss m_loss;
        mutable xt::xtensor<double, 1> m_pred;
        mutable xt::xtensor<double, 1> m_batch_y;
        mutable xt::xtensor<double, 1> m_dloss;
    };

    static_assert(separable_objective<multi_output_regression<mse>, xt::xtensor<double, 1>>);
    static_assert(separable_objective<multi_output_regression<mse>, xt::xtensor<double, 2>>);

}  // namespace xoptim
