// Data-parallel LAMB on a multi-feature linear regression at a large batch.
//
// Every rank holds a slice of the samples; each step draws the same global batch on every
// rank, each rank computes the gradient over the samples of the batch that it holds, and
// xoptim::mpi::data_parallel averages the gradients (weighted by sample counts) with
// MPI_Allreduce before the same LAMB step on every rank.
//
//   mpirun -n 2 ./example_distributed_lamb             # the fit (also runs as 1 process)
//   mpirun -n 2 ./example_distributed_lamb --zero      # the same with ZeRO-1 sharded state
//   mpirun -n 2 ./example_distributed_lamb --measure   # allreduce cost against step time

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/mpi/distributed.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/batches.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/schedules.hpp>

namespace xm = xoptim::mpi;

namespace
{
    // n samples of d inputs uniform in [-1, 1), y = 0.5 + sum_j w_j x_j + noise, w_j = (-1)^j (1 + j / d).
    xoptim::dataset make_data(std::size_t n, std::size_t d)
    {
        std::mt19937_64 rng(42);
        xoptim::dataset data{xt::zeros<double>({n, d}), xt::zeros<double>({n})};
        for (std::size_t i = 0; i < n; ++i)
        {
            double y = 0.5;
            for (std::size_t j = 0; j < d; ++j)
            {
                const double x = -1.0 + 2.0 * xoptim::detail::uniform_unit(rng);
                data.x(i, j) = x;
                y += (j % 2 ? -1.0 : 1.0) * (1.0 + static_cast<double>(j) / static_cast<double>(d)) * x;
            }
            data.y(i) = y + 0.2 * (xoptim::detail::uniform_unit(rng) - 0.5);
        }
        return data;
    }

    template <class Wrapper>
    int fit(Wrapper& wrapper, const char* mode)
    {
        const xm::communicator& comm = wrapper.comm();
        const std::size_t n = 8192, d = 16, batch_size = 2048, epochs = 40;
        const auto data = make_data(n, d);
        // This rank keeps its rows only; `sharded` gives whole-data losses (collective).
        const auto sharded = xm::shard_regression(data, xoptim::mse{}, comm);
        const auto& local = sharded.local();
        const xm::row_range rows = sharded.rows();

        xt::xtensor<double, 1> theta = xt::zeros<double>({d + 1});
        theta(0) = 1.0;  // LAMB scales steps by ||theta||: start away from 0
        wrapper.broadcast_parameter(theta);
        xoptim::batch_sampler sampler(n, batch_size, 7);  // the same global batches everywhere
        xt::xtensor<double, 1> grad = xt::zeros<double>({d + 1});
        std::vector<std::size_t> mine;
        double gradient_seconds = 0.0;
        const std::size_t steps = epochs * sampler.batches_per_epoch();
        for (std::size_t s = 1; s <= steps; ++s)
        {
            const auto t0 = std::chrono::steady_clock::now();
            const auto batch = sampler.next();
            mine.clear();
            for (const std::size_t i : batch)
            {
                if (rows.contains(i)) { mine.push_back(i - rows.begin); }
            }
            if (mine.empty()) { grad.fill(0.0); }
            else { local.gradient(theta, xoptim::batch_indices(mine.data(), mine.size()), grad); }
            gradient_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            wrapper.step(theta, grad, static_cast<double>(mine.size()));
            if (s % (10 * sampler.batches_per_epoch()) == 0)
            {
                const double loss = sharded.value(theta);  // collective: every rank calls it
                if (comm.is_root()) { std::printf("epoch %3zu  loss %.6f\n", s / sampler.batches_per_epoch(), loss); }
            }
        }
        // Rank 0 holds the whole data set here too, so it can check against least squares.
        const double loss = sharded.value(theta);
        int status = 0;
        if (comm.is_root())
        {
            const auto best = xoptim::least_squares(data);
            const double best_loss = xoptim::linear_regression<>(data).value(best);
            double distance = 0.0;
            for (std::size_t j = 0; j <= d; ++j) { distance = std::max(distance, std::abs(theta(j) - best(j))); }
            const auto& st = wrapper.stats();
            std::printf("%s on %d rank(s): %zu steps of global batch %zu\n", mode, comm.size(), steps, batch_size);
            std::printf("  loss %.8f (least squares %.8f), max |theta - theta*| = %.2e\n", loss, best_loss, distance);
            std::printf("  per step: gradient %.1f us, agreeing %.1f us, reducing %.1f us, whole step %.1f us\n",
                        1e6 * gradient_seconds / static_cast<double>(steps),
                        1e6 * st.check_seconds / static_cast<double>(steps),
                        1e6 * st.reduce_seconds / static_cast<double>(steps),
                        1e6 * (gradient_seconds + st.step_seconds) / static_cast<double>(steps));
            std::printf("  optimizer state on this rank: %zu bytes\n", wrapper.state_bytes());
            // LAMB at a batch of a quarter of the data lands near the optimum: the loss within
            // 5% of the least-squares loss, every parameter within 0.02 of it.
            if (!(loss < best_loss * 1.05 && distance < 0.02))
            {
                std::printf("FAILED: the fit did not reach the least-squares solution\n");
                status = 1;
            }
        }
        MPI_Bcast(&status, 1, MPI_INT, 0, comm.get());
        return status;
    }

    // The cost of averaging gradients against the LAMB update, for parameter vectors of
    // growing size split into 64 tensors (so the buckets matter).
    int measure(const xm::communicator& comm)
    {
        if (comm.is_root())
        {
            std::printf("%d rank(s); LAMB on 64 tensors; microseconds per step (median of 5 runs)\n", comm.size());
            std::printf("%12s %10s %10s %10s %10s %8s\n", "parameters", "agree", "allreduce", "update", "step",
                        "reduce%");
        }
        for (const std::size_t total :
             {std::size_t{1} << 12, std::size_t{1} << 16, std::size_t{1} << 20, std::size_t{1} << 23})
        {
            const std::size_t tensors = 64, each = total / tensors;
            const int steps = total >= (std::size_t{1} << 23) ? 5 : 50;
            std::vector<double> agree, reduce, update, whole;
            for (int run = 0; run < 5; ++run)
            {
                xm::data_parallel dp(xoptim::lamb<double>({.lr = 1e-3}), comm);
                std::vector<xt::xtensor<double, 1>> params(tensors, xt::ones<double>({each}));
                std::vector<xt::xtensor<double, 1>> grads(tensors, xt::zeros<double>({each}));
                for (int s = 0; s < steps; ++s)
                {
                    for (auto& g : grads) { g.fill(1e-3 * (comm.rank() + 1)); }
                    if (s == 0)
                    {
                        dp.step(0, params, grads);
                        dp.reset_stats();
                        continue;
                    }  // warm-up
                    dp.step(0, params, grads);
                }
                const auto& st = dp.stats();
                const double k = static_cast<double>(st.steps);
                agree.push_back(1e6 * st.check_seconds / k);
                reduce.push_back(1e6 * st.reduce_seconds / k);
                update.push_back(1e6 * (st.step_seconds - st.check_seconds - st.reduce_seconds) / k);
                whole.push_back(1e6 * st.step_seconds / k);
            }
            auto median = [](std::vector<double> v) {
                std::sort(v.begin(), v.end());
                return v[v.size() / 2];
            };
            if (comm.is_root())
            {
                std::printf("%12zu %10.1f %10.1f %10.1f %10.1f %7.0f%%\n", total, median(agree), median(reduce),
                            median(update), median(whole), 100.0 * median(reduce) / median(whole));
            }
        }
        return 0;
    }
}

int main(int argc, char** argv)
{
    xm::environment env(&argc, &argv);
    const xm::communicator comm;
    const bool zero = argc > 1 && std::strcmp(argv[1], "--zero") == 0;
    const bool measuring = argc > 1 && std::strcmp(argv[1], "--measure") == 0;
    if (measuring) { return measure(comm); }
    // LAMB with its rate decaying from 0.05 to 0 over the 160 steps (cosine).
    const auto opt = xoptim::lamb<double>({}, xoptim::cosine_decay{.lr = 0.05, .period = 160});
    if (zero)
    {
        xm::zero1 wrapper(opt, comm);
        return fit(wrapper, "zero1 LAMB");
    }
    xm::data_parallel wrapper(opt, comm);
    return fit(wrapper, "data-parallel LAMB");
}
