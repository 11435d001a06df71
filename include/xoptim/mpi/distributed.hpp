#pragma once
// xoptim over MPI (the optional xoptim::mpi target): data-parallel optimisation with
// replicated state (data_parallel) or state sharded over the ranks (zero1).

#include "collectives.hpp"
#include "data_parallel.hpp"
#include "environment.hpp"
#include "zero.hpp"
