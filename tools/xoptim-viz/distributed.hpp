#pragma once
// xoptim-viz under mpirun. The plain tool has no MPI dependency: started by mpirun with more
// than one process it refuses (every process would write the same output). xoptim-viz-mpi,
// built from the same sources with XOPTIM_VIZ_MPI when MPI is found, starts MPI then, and
// `fit` splits the data set's rows across the ranks (global batches, rank 0 writes).

#include <cstdlib>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <utility>

#ifdef XOPTIM_VIZ_MPI
#include <xoptim/mpi/environment.hpp>
#include <xoptim/mpi/sharded_objective.hpp>
#endif

namespace xoptim_viz {

/// The number of processes mpirun started, from its environment (Open MPI's, or PMI's);
/// 1 when not started by mpirun.
inline int launched_processes()
{
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
        if (const char* v = std::getenv(name)) {
            const int n = std::atoi(v);
            return n > 0 ? n : 1;
        }
    }
    return 1;
}

/// Starts MPI for the life of main when this build can and mpirun asked for it.
class mpi_session {
public:
    mpi_session(int& argc, char**& argv)
    {
#ifdef XOPTIM_VIZ_MPI
        if (launched_processes() > 1) {
            m_env.emplace(&argc, &argv);
        }
#else
        (void)argc;
        (void)argv;
#endif
    }

    /// Why this build cannot run here, or empty.
    std::string refusal() const
    {
#ifndef XOPTIM_VIZ_MPI
        if (launched_processes() > 1) {
            return "started by mpirun with " + std::to_string(launched_processes())
                   + " processes, but this xoptim-viz is built without MPI: run xoptim-viz-mpi";
        }
#endif
        return {};
    }

private:
#ifdef XOPTIM_VIZ_MPI
    std::optional<xoptim::mpi::environment> m_env;
#endif
};

/// Whether this process is one of several MPI ranks.
inline bool distributed()
{
#ifdef XOPTIM_VIZ_MPI
    int initialised = 0;
    MPI_Initialized(&initialised);
    return initialised != 0 && xoptim::mpi::communicator().size() > 1;
#else
    return false;
#endif
}

/// `stream` on rank 0 (and when not distributed), a stream that drops everything elsewhere.
inline std::ostream& rank0_stream(std::ostream& stream)
{
    struct null_buffer : std::streambuf {
        int overflow(int c) override { return c; }
    };
    static null_buffer buffer;
    static std::ostream sink(&buffer);
#ifdef XOPTIM_VIZ_MPI
    if (distributed() && !xoptim::mpi::communicator().is_root()) {
        return sink;
    }
#endif
    return stream;
}

/// Calls f(problem), or, on several ranks and for a linear regression, f(the same regression
/// with its rows split across the ranks), which gives the same run to rounding.
template <class Problem, class F>
decltype(auto) with_distributed(const Problem& problem, F&& f)
{
#ifdef XOPTIM_VIZ_MPI
    if constexpr (requires {
                      typename Problem::loss_type;
                      problem.x();
                      problem.y();
                      problem.loss();
                  }) {
        if (distributed()) {
            const auto sharded = xoptim::mpi::shard_regression(xoptim::dataset{problem.x(), problem.y()},
                                                               problem.loss());
            return std::forward<F>(f)(sharded);
        }
    }
#endif
    return std::forward<F>(f)(problem);
}

} // namespace xoptim_viz
