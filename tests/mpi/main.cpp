// The entry point of xoptim-mpi-tests: MPI around doctest. Every rank runs every test case
// (the cases are collective); ranks other than 0 report failures only.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <xoptim/mpi/environment.hpp>

int main(int argc, char** argv)
{
    xoptim::mpi::environment env(&argc, &argv);
    const xoptim::mpi::communicator world;
    doctest::Context context(argc, argv);
    if (!world.is_root()) { context.setOption("minimal", true); }
    const int failed = context.run();
    // Every rank leaves with the same verdict, so mpiexec reports a failure on any rank.
    int any = failed != 0 ? 1 : 0;
    MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, world.get());
    return any;
}
