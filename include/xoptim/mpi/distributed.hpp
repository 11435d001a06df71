#pragma once
// xoptim over MPI (the optional xoptim::mpi target): data-parallel optimisation with
// replicated state (data_parallel) or state sharded over the ranks (zero1), and objectives
// whose samples are split across the ranks (sharded_objective, for xoptim::fit).

#include "collectives.hpp"
#include "data_parallel.hpp"
#include "environment.hpp"
#include "sharded_objective.hpp"
#include "zero.hpp"
