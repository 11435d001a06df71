# A rank that fails alone ends the whole job within seconds, with one line from it on
# standard error, instead of leaving the other ranks waiting in a collective.
# -DMPIEXEC=... -DNP_FLAG=... -DVIZ_MPI=... -DFAIL_ALONE=... -DWORK_DIR=... -DCASE=<name>
file(MAKE_DIRECTORY "${WORK_DIR}")
set(seconds 30)

# Runs the command (a list), expecting exit status `want` ("nonzero": any but 0) and exactly
# one line of stderr matching `line`, and no standard output.
function(expect_failure want line)
  execute_process(COMMAND ${ARGN}
    INPUT_FILE "${input}"
    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc TIMEOUT ${seconds})
  string(JOIN " " command ${ARGN})
  if(rc MATCHES "timeout")
    message(FATAL_ERROR "${command}: still running after ${seconds} s (a rank waits forever)\n${err}")
  endif()
  if((want STREQUAL "nonzero" AND rc EQUAL 0) OR (NOT want STREQUAL "nonzero" AND NOT rc EQUAL want))
    message(FATAL_ERROR "${command}: exit status ${rc}, expected ${want}\n${err}")
  endif()
  # A ';' would split a matched line into two list elements.
  string(REPLACE ";" "," lines "${err}")
  string(REGEX MATCHALL "[^\n]*${line}[^\n]*" found "${lines}")
  list(LENGTH found count)
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "${command}: expected one line matching '${line}' on stderr, found ${count}:\n${err}")
  endif()
  if(NOT out STREQUAL "")
    message(FATAL_ERROR "${command}: expected nothing on stdout, found:\n${out}")
  endif()
  message(STATUS "${command}: status ${rc}: ${found}")
endfunction()

set(mpi "${MPIEXEC}" --oversubscribe)
set(input "/dev/null")
if(CASE STREQUAL "stdin")
  # mpirun gives standard input to rank 0 alone: rank 1 reads an empty file.
  file(WRITE "${WORK_DIR}/data.csv" "x,y\n0.1,3.5\n0.2,4.1\n0.3,4.4\n0.4,5.2\n")
  set(input "${WORK_DIR}/data.csv")
  expect_failure(2 "xoptim-viz fit: rank 1: [^\n]*empty"
    ${mpi} ${NP_FLAG} 2 "${VIZ_MPI}" fit --data /dev/stdin --optimizer sgd --epochs 3)
elseif(CASE STREQUAL "epochs")
  set(args fit --seed-data --optimizer sgd --lr 0.1)
  expect_failure(2 "xoptim-viz fit: [^\n]*--epochs is 3 on rank 0 but 5 on rank 1"
    ${mpi} ${NP_FLAG} 1 "${VIZ_MPI}" ${args} --epochs 3 : ${NP_FLAG} 1 "${VIZ_MPI}" ${args} --epochs 5)
elseif(CASE STREQUAL "optimizer")
  set(args fit --seed-data --lr 0.1 --epochs 3)
  expect_failure(2 "xoptim-viz fit: [^\n]*--optimizer is sgd on rank 0 but adam on rank 1"
    ${mpi} ${NP_FLAG} 1 "${VIZ_MPI}" ${args} --optimizer sgd : ${NP_FLAG} 1 "${VIZ_MPI}" ${args} --optimizer adam)
elseif(CASE STREQUAL "bad_flag_one_rank")
  expect_failure(2 "xoptim-viz fit: rank 1: [^\n]*--lr"
    ${mpi} ${NP_FLAG} 1 "${VIZ_MPI}" fit --seed-data --optimizer sgd --lr 0.1
         : ${NP_FLAG} 1 "${VIZ_MPI}" fit --seed-data --optimizer sgd --lr oops)
elseif(CASE STREQUAL "data")
  # Files of the same name that differ between hosts: here two files.
  file(WRITE "${WORK_DIR}/a.csv" "x,y\n0.1,3.5\n0.2,4.1\n0.3,4.4\n0.4,5.2\n")
  file(WRITE "${WORK_DIR}/b.csv" "x,y\n0.1,3.5\n0.2,4.1\n0.3,4.4\n0.4,5.3\n")
  set(args fit --optimizer sgd --epochs 3)
  expect_failure(2 "xoptim-viz fit: [^\n]*the data set is 4 rows of 2 columns[^\n]*on rank 0 but"
    ${mpi} ${NP_FLAG} 1 "${VIZ_MPI}" ${args} --data "${WORK_DIR}/a.csv"
         : ${NP_FLAG} 1 "${VIZ_MPI}" ${args} --data "${WORK_DIR}/b.csv")
elseif(CASE STREQUAL "resume")
  # A checkpoint one host has and another lacks.
  execute_process(COMMAND "${VIZ_MPI}" fit --seed-data --optimizer adam --epochs 3 --checkpoint "${WORK_DIR}/run.ckpt"
    OUTPUT_QUIET RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "making the checkpoint failed: ${rc}")
  endif()
  set(args fit --seed-data --optimizer adam --epochs 2)
  expect_failure(2 "xoptim-viz fit: rank 1: --resume [^\n]*missing.ckpt"
    ${mpi} ${NP_FLAG} 1 "${VIZ_MPI}" ${args} --resume "${WORK_DIR}/run.ckpt"
         : ${NP_FLAG} 1 "${VIZ_MPI}" ${args} --resume "${WORK_DIR}/missing.ckpt")
elseif(CASE STREQUAL "few_rows")
  # Fewer rows than ranks: the same error on every rank after the gate, one line from rank 0.
  file(WRITE "${WORK_DIR}/two.csv" "x,y\n0.1,3.5\n0.2,4.1\n")
  expect_failure(2 "xoptim-viz fit: [^\n]*2 samples for 3 ranks"
    ${mpi} ${NP_FLAG} 3 "${VIZ_MPI}" fit --data "${WORK_DIR}/two.csv" --optimizer sgd --epochs 2)
elseif(CASE STREQUAL "unwind")
  expect_failure(nonzero "xoptim::mpi: rank 2: an exception is unwinding" ${mpi} ${NP_FLAG} 3 "${FAIL_ALONE}")
else()
  message(FATAL_ERROR "unknown case ${CASE}")
endif()
