// Used by the mpi.fail_alone test: the last rank throws an exception that unwinds past the MPI
// environment, caught in main, while the other ranks wait in a barrier. The job must end
// within seconds with one line from that rank, not hang in MPI_Finalize.
#include <stdexcept>

#include <xoptim/mpi/environment.hpp>

int main(int argc, char** argv)
{
    try
    {
        xoptim::mpi::environment env(&argc, &argv);
        const xoptim::mpi::communicator world;
        if (world.rank() == world.size() - 1) { throw std::runtime_error("this rank failed alone"); }
        world.barrier();
    }
    catch (const std::exception&)
    {
        return 1;
    }
    return 0;
}
