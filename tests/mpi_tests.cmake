# Data-parallel training tests (issue 13), label mpi: tests/mpi/run_mpi_test.sh runs dpt-train under
# `mpirun -np 2 --oversubscribe` on a tiny dpt-synth set and judges with dpt_mpi_compare. Reported as
# skipped when the build has no MPI (DPT_MPI=OFF or none found). mpi_gpu_nccl (also label gpu) runs the
# NCCL path on 2 GPUs in builds with NCCL.
if(NOT DPT_WITH_MPI)
  add_test(NAME mpi_tests COMMAND ${CMAKE_COMMAND} -E echo "DPT_SKIPPED: built without MPI (DPT_MPI=OFF or no MPI found)")
  set_tests_properties(mpi_tests PROPERTIES LABELS mpi SKIP_REGULAR_EXPRESSION "DPT_SKIPPED:")
  # A launch as one of several ranks is refused with a clear message (the launcher's environment, faked).
  add_test(NAME mpi_refused_without_mpi COMMAND dpt-train --data /nonexistent --out /nonexistent)
  set_tests_properties(mpi_refused_without_mpi PROPERTIES LABELS "mpi;unit" ENVIRONMENT OMPI_COMM_WORLD_SIZE=2
                       PASS_REGULAR_EXPRESSION "launched as one of 2 ranks, but this build has no MPI support")
  # dpt-bench's scaling row says that it needs MPI.
  add_test(NAME mpi_bench_scaling_refused COMMAND dpt-bench scaling)
  set_tests_properties(mpi_bench_scaling_refused PROPERTIES LABELS "mpi;unit"
                       PASS_REGULAR_EXPRESSION "dpt-bench scaling: this build has no MPI")
  return()
endif()
add_executable(dpt_mpi_compare ${CMAKE_CURRENT_SOURCE_DIR}/mpi/compare.cpp)
target_link_libraries(dpt_mpi_compare PRIVATE dpt_io)
add_dependencies(dpt_tests dpt_mpi_compare)
# Open MPI refuses root without these (CI containers run as root); no CMA single-copy in containers.
set(DPT_MPI_TEST_ENV OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1)
foreach(case equal_predictive equal_inpainting equal_blending bad_sample sigint resume indivisible sca)
  add_test(NAME mpi_${case}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mpi/run_mpi_test.sh ${case} $<TARGET_FILE:dpt-train>
                   $<TARGET_FILE:dpt-synth> $<TARGET_FILE:dpt_mpi_compare> ${MPIEXEC_EXECUTABLE}
                   ${CMAKE_CURRENT_BINARY_DIR}/mpi_work)
  set_tests_properties(mpi_${case} PROPERTIES LABELS mpi ENVIRONMENT "${DPT_MPI_TEST_ENV}" TIMEOUT 900
                       RESOURCE_LOCK mpi SKIP_REGULAR_EXPRESSION "DPT_SKIPPED:")
endforeach()
# dpt-bench scaling, one timed step per layout: both rows (the second with 2 ranks and an MPI all-reduce)
# and the summary.
add_test(NAME mpi_bench_scaling COMMAND dpt-bench scaling --runs 1 --warmup 0)
set_tests_properties(mpi_bench_scaling PROPERTIES LABELS mpi ENVIRONMENT "${DPT_MPI_TEST_ENV}" TIMEOUT 300
                     RESOURCE_LOCK mpi
                     PASS_REGULAR_EXPRESSION "\"ranks\": 2, [^\n]*\"transport\": \"MPI\".*scaling_summary")
# The NCCL path (builds with DPT_WITH_NCCL): 2 ranks on 2 GPUs against 1; skipped with fewer devices.
if(DPT_WITH_NCCL)
  add_test(NAME mpi_gpu_nccl
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mpi/run_mpi_test.sh gpu_nccl $<TARGET_FILE:dpt-train>
                   $<TARGET_FILE:dpt-synth> $<TARGET_FILE:dpt_mpi_compare> ${MPIEXEC_EXECUTABLE}
                   ${CMAKE_CURRENT_BINARY_DIR}/mpi_work)
  set_tests_properties(mpi_gpu_nccl PROPERTIES LABELS "mpi;gpu" ENVIRONMENT "${DPT_MPI_TEST_ENV}" TIMEOUT 900
                       RESOURCE_LOCK mpi SKIP_REGULAR_EXPRESSION "DPT_SKIPPED:")
endif()
