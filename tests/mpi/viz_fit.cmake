# Runs `xoptim-viz fit ARGS` as one process and `mpiexec -n RANKS xoptim-viz-mpi fit ARGS`,
# then compares the two CSVs to TOLERANCE (relative) with xoptim-compare-csv.
# -DVIZ=... -DVIZ_MPI=... -DMPIEXEC=... -DNP_FLAG=... -DRANKS=... -DCOMPARE=... -DWORK_DIR=...
# -DARGS="fit --optimizer sgd ..." -DTOLERANCE=1e-10
separate_arguments(ARGS UNIX_COMMAND "${ARGS}")
file(MAKE_DIRECTORY "${WORK_DIR}")
execute_process(COMMAND "${VIZ}" ${ARGS}
  OUTPUT_FILE "${WORK_DIR}/single.csv" ERROR_VARIABLE single_err RESULT_VARIABLE single_rc)
if(NOT single_rc EQUAL 0)
  message(FATAL_ERROR "xoptim-viz ${ARGS} failed (${single_rc}): ${single_err}")
endif()
execute_process(COMMAND "${MPIEXEC}" ${NP_FLAG} ${RANKS} --oversubscribe "${VIZ_MPI}" ${ARGS}
  OUTPUT_FILE "${WORK_DIR}/mpi.csv" ERROR_VARIABLE mpi_err RESULT_VARIABLE mpi_rc)
if(NOT mpi_rc EQUAL 0)
  message(FATAL_ERROR "mpiexec -n ${RANKS} xoptim-viz-mpi ${ARGS} failed (${mpi_rc}): ${mpi_err}")
endif()
execute_process(COMMAND "${COMPARE}" "${WORK_DIR}/mpi.csv" "${WORK_DIR}/single.csv" "${TOLERANCE}"
  RESULT_VARIABLE compare_rc)
if(NOT compare_rc EQUAL 0)
  message(FATAL_ERROR "the CSV of ${RANKS} ranks differs from the single process's (see above)")
endif()

# The plain tool refuses to run as several processes (each would write the same rows).
execute_process(COMMAND "${MPIEXEC}" ${NP_FLAG} 2 --oversubscribe "${VIZ}" ${ARGS}
  OUTPUT_VARIABLE plain_out ERROR_VARIABLE plain_err RESULT_VARIABLE plain_rc)
if(plain_rc EQUAL 0 OR NOT plain_err MATCHES "built without MPI: run xoptim-viz-mpi")
  message(FATAL_ERROR "xoptim-viz under mpiexec -n 2 should refuse: status ${plain_rc}, ${plain_err}")
endif()
